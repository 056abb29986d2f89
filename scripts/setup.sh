# Shared by scripts/run and scripts/test (sourced, not run): put uv on PATH and install the
# locked dependencies, so a fresh machine needs nothing but Python 3 and bash.

# uv installs to ~/.local/bin with `pip install --user`
export PATH="$HOME/.local/bin:$PATH"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root for: $*" >&2; return 1
    fi
}

ensure_uv() {
    command -v uv >/dev/null && return
    echo "installing uv with pip" >&2
    if ! python3 -m pip --version >/dev/null 2>&1 && command -v apt-get >/dev/null; then
        as_root apt-get update -q \
            && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-pip
    fi
    # Debian's system Python refuses plain user installs (PEP 668); uv is a standalone binary.
    python3 -m pip install --user --quiet uv 2>/dev/null \
        || python3 -m pip install --user --quiet --break-system-packages uv
}

sync_deps() {
    ensure_uv
    # Exactly the versions in uv.lock (fails rather than re-resolving), compiled to bytecode
    # now: with PYTHONDONTWRITEBYTECODE set (some machines set it) every process would
    # otherwise compile the libraries it imports afresh, about 1.5 s of CPU per process.
    uv sync --frozen --compile-bytecode
}
