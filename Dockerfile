# autobook: web (and the embedded worker) on port 8000, Debian's Chromium (and its
# headless shell, which the worker's headless pages run on) for browser sites.
FROM python:3.11-slim

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-headless-shell \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv

WORKDIR /app
ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 PATH="/app/.venv/bin:$PATH"
# dependencies first (cached while only the code changes), exactly as locked, without dev tools
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
COPY start.sh ./
RUN uv sync --frozen --no-dev && chmod +x start.sh

# listen on every interface inside the container; data (SQLite, key, screenshots) in a volume
ENV AUTOBOOK_HOST=0.0.0.0 AUTOBOOK_PORT=8000 AUTOBOOK_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["./start.sh"]
