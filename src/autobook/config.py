"""Every setting in one place, read from the environment and `.env` (pydantic-settings).

The names are the environment variables users set; the README has the same table.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from autobook.domain.release import parse_rule


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        Path("./data"),
        validation_alias=_env("AUTOBOOK_DATA_DIR"),
        description="Folder for the SQLite database, the generated key, screenshots and traces.",
    )
    database_url: str | None = Field(
        None,
        validation_alias=_env("DATABASE_URL"),
        description="SQLAlchemy URL; default a SQLite file in the data folder. "
        "Use postgresql://user@host/db in production.",
    )
    encryption_key: str | None = Field(
        None,
        validation_alias=_env("ENCRYPTION_KEY"),
        description="Fernet key for secrets at rest; default: generated into "
        "<data>/secret.key (mode 0600) on first run.",
        repr=False,
    )
    encryption_old_keys: str = Field(
        "",
        validation_alias=_env("ENCRYPTION_OLD_KEYS"),
        description="Comma-separated older Fernet keys, still accepted for decryption.",
        repr=False,
    )
    host: str = Field("127.0.0.1", validation_alias=_env("AUTOBOOK_HOST"))
    port: int = Field(8000, ge=1, le=65535, validation_alias=_env("AUTOBOOK_PORT"))
    public_url: str | None = Field(
        None,
        validation_alias=_env("AUTOBOOK_PUBLIC_URL"),
        description="Base URL used in links (notifications); default http://HOST:PORT.",
    )
    secure_cookies: bool = Field(
        False,
        validation_alias=_env("AUTOBOOK_SECURE_COOKIES"),
        description="Mark the session cookie Secure (set when served over HTTPS).",
    )
    trusted_proxies: str = Field(
        "",
        validation_alias=_env("AUTOBOOK_TRUSTED_PROXIES"),
        description="Comma-separated addresses or networks (CIDR) of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: no proxy is trusted.",
    )
    login_attempts_per_minute: int = Field(
        5, ge=1, le=1000, validation_alias=_env("AUTOBOOK_LOGIN_ATTEMPTS_PER_MINUTE")
    )
    log_level: str = Field("INFO", validation_alias=_env("LOG_LEVEL"))

    # --- where the sites live: the same adapters talk to the real sites or to the sandbox ---
    better_api_url: str = Field(
        "https://better-admin.org.uk/api",
        validation_alias=_env("AUTOBOOK_BETTER_API_URL"),
        description="Better's JSON API (login, availability, cart, credit, benefit).",
    )
    better_web_url: str = Field(
        "https://bookings.better.org.uk",
        validation_alias=_env("AUTOBOOK_BETTER_WEB_URL"),
        description="Better's booking web site (new-card payment, confirmation pages).",
    )
    estelle_url: str = Field(
        "https://home.estellemanor.com",
        validation_alias=_env("AUTOBOOK_ESTELLE_URL"),
        description="Estelle Manor's members site.",
    )
    gym_url: str | None = Field(
        None,
        validation_alias=_env("AUTOBOOK_GYM_URL"),
        description="The gym's booking site (web pages and its /api); no default: the vendor "
        "is not public, so set it to book there.",
    )
    clinic_url: str | None = Field(
        None,
        validation_alias=_env("AUTOBOOK_CLINIC_URL"),
        description="The clinic's booking widget; no default: every clinic has its own.",
    )
    embedded_worker: bool = Field(
        True,
        validation_alias=_env("AUTOBOOK_EMBEDDED_WORKER"),
        description="Run the worker inside `autobook serve`; set false when separate "
        "`autobook worker` processes do the booking.",
    )
    worker_concurrency: int = Field(
        1,
        ge=1,
        le=64,
        validation_alias=_env("AUTOBOOK_WORKER_CONCURRENCY"),
        description="Tasks one worker runs at the same time (seed 000: one at a time).",
    )
    lease_seconds: int = Field(
        300,
        ge=5,
        le=3600,
        validation_alias=_env("AUTOBOOK_LEASE_SECONDS"),
        description="How long a task stays claimed by a worker that stops answering; a live "
        "worker renews its lease, a dead one's task is recovered after this.",
    )
    screenshots: bool = Field(
        True,
        validation_alias=_env("AUTOBOOK_SCREENSHOTS"),
        description="Capture the site's confirmation page after a booking (opens a browser).",
    )
    site_concurrency: int = Field(
        4,
        ge=1,
        le=64,
        validation_alias=_env("AUTOBOOK_SITE_CONCURRENCY"),
        description="Politeness: watch checks one worker runs against one site at a time.",
    )
    human_typing_ms: int = Field(
        60,
        ge=0,
        le=1000,
        validation_alias=_env("AUTOBOOK_HUMAN_TYPING_MS"),
        description="Mean delay between keystrokes where a site checks for human typing.",
    )
    payment_answer_s: float = Field(
        20.0,
        ge=1,
        le=300,
        validation_alias=_env("AUTOBOOK_PAYMENT_ANSWER_S"),
        description="How long a page paid in a browser may take to say paid or refused; after "
        "that the outcome is unknown (never declined).",
    )

    # --- when each site releases its slots (domain.release.parse_rule); the site's own
    # first_bookable_at, where it states one, wins over these ---
    better_release: str = Field(
        "7d@22:00",
        validation_alias=_env("AUTOBOOK_BETTER_RELEASE"),
        description="Better's release rule: DAYSd@HH:MM local time (London boroughs: 7d@22:00).",
    )
    estelle_release: str = Field(
        "14d@00:00",
        validation_alias=_env("AUTOBOOK_ESTELLE_RELEASE"),
        description="Estelle Manor's release rule (14 days ahead at midnight).",
    )
    gym_release: str = Field(
        "48h",
        validation_alias=_env("AUTOBOOK_GYM_RELEASE"),
        description="The gym's release rule: HOURSh before the start, on the wall clock.",
    )
    pre_login_minutes: float = Field(
        10,
        ge=0.5,
        le=120,
        validation_alias=_env("PRE_LOGIN_MINUTES", "AUTOBOOK_PRE_LOGIN_MINUTES"),
        description="Minutes before a release a snipe logs in, prepares and syncs the clock.",
    )
    snipe_margin_ms: float = Field(
        1.0,
        ge=0,
        le=1000,
        validation_alias=_env("AUTOBOOK_SNIPE_MARGIN_MS"),
        description="A snipe's first shot is aimed to reach the site this long after the "
        "release, by the site's clock; the others follow across the estimate's uncertainty.",
    )
    notify_urls: str = Field(
        "",
        validation_alias=_env("AUTOBOOK_NOTIFY_URLS"),
        description="Comma-separated Apprise URLs that get every notification.",
        repr=False,  # Apprise URLs carry webhook tokens and passwords
    )

    # --- the public appointment page's remote services (base URLs, so tests aim them at
    # local servers that answer the same shapes) ---
    resend_url: str = Field(
        "https://api.resend.com",
        validation_alias=_env("AUTOBOOK_RESEND_URL"),
        description="Resend's API, for mail sent by Resend instead of SMTP.",
    )
    google_oauth_url: str = Field(
        "https://oauth2.googleapis.com",
        validation_alias=_env("AUTOBOOK_GOOGLE_OAUTH_URL"),
        description="Google's OAuth token endpoint host (the calendar's refresh tokens).",
    )
    google_client_id: str = Field(
        "",
        validation_alias=_env("GOOGLE_CLIENT_ID", "AUTOBOOK_GOOGLE_CLIENT_ID"),
        description="The Google OAuth client of this install (Google Calendar connection).",
    )
    google_client_secret: str = Field(
        "",
        validation_alias=_env("GOOGLE_CLIENT_SECRET", "AUTOBOOK_GOOGLE_CLIENT_SECRET"),
        description="Its client secret.",
        repr=False,
    )
    google_calendar_url: str = Field(
        "https://www.googleapis.com/calendar/v3",
        validation_alias=_env("AUTOBOOK_GOOGLE_CALENDAR_URL"),
        description="Google Calendar's REST API.",
    )
    # --- booking sessions handed to a person (seed 004, `handoff/`) ---
    handoff_allowed_hosts: str = Field(
        "app.joinmoxie.com",
        validation_alias=_env("AUTOBOOK_HANDOFF_ALLOWED_HOSTS"),
        description="Comma-separated host names (host:port allowed) a booking session's "
        "bookingUrl may be on; any other is refused, so callers cannot make autobook browse "
        "internal addresses. The host of AUTOBOOK_CLINIC_URL is always allowed.",
    )
    handoff_concurrency: int = Field(
        5,
        ge=1,
        le=64,
        validation_alias=_env("AUTOBOOK_HANDOFF_CONCURRENCY"),
        description="Booking sessions with a live browser at once; more wait in 'created'.",
    )
    handoff_inactivity_s: float = Field(
        600,
        gt=0,
        le=86400,
        validation_alias=_env("AUTOBOOK_HANDOFF_INACTIVITY_S"),
        description="Seconds the payment page may stay unchanged before the session is "
        "abandoned (outcome timeout).",
    )
    handoff_url_ttl_s: float = Field(
        900,
        gt=0,
        le=86400,
        validation_alias=_env("AUTOBOOK_HANDOFF_URL_TTL_S"),
        description="Seconds after a session's creation its handoff URL expires (then: "
        "abandoned, outcome timeout).",
    )
    handoff_poll_s: float = Field(
        2.0,
        gt=0,
        le=60,
        validation_alias=_env("AUTOBOOK_HANDOFF_POLL_S"),
        description="How often the payment page is looked at for an outcome.",
    )
    handoff_callback_secret: str | None = Field(
        None,
        validation_alias=_env("AUTOBOOK_HANDOFF_CALLBACK_SECRET"),
        description="HMAC-SHA256 key of the X-Autobook-Signature header on callbacks; "
        "sessions with a callbackUrl need it.",
        repr=False,
    )
    handoff_callback_retry_s: float = Field(
        30,
        gt=0,
        le=3600,
        validation_alias=_env("AUTOBOOK_HANDOFF_CALLBACK_RETRY_S"),
        description="First wait before a failed callback is sent again; it doubles each time "
        "until the retries span at least 10 minutes (and 20 times this).",
    )

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("better_release", "estelle_release", "gym_release")
    @classmethod
    def _release(cls, value: str) -> str:
        parse_rule(value)  # its ValueError names what a good value looks like
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"AUTOBOOK_TRUSTED_PROXIES: {item[:50]!r} is not an IP address or a network "
                    "like 10.0.0.0/8 (a proxy is trusted by its address, never '*')"
                ) from None
        return ",".join(items)

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("better_api_url", "better_web_url", "estelle_url", "gym_url", "clinic_url")
    @classmethod
    def _site_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            if info.field_name in ("gym_url", "clinic_url"):
                return None  # optional: no public default
            raise ValueError("a site URL must not be empty")
        if not value.startswith(("http://", "https://")):
            raise ValueError("a site URL must start with http:// or https://")
        return value.rstrip("/")

    def site_urls(self) -> dict[str, str | None]:
        """Every site base URL by its short name (better_api, better_web, estelle, gym, clinic)."""
        return {
            "better_api": self.better_api_url,
            "better_web": self.better_web_url,
            "estelle": self.estelle_url,
            "gym": self.gym_url,
            "clinic": self.clinic_url,
        }

    @property
    def handoff_hosts(self) -> frozenset[str]:
        """Hosts (lower case, with :port where given) a booking session may browse."""
        hosts = {h.strip().lower() for h in self.handoff_allowed_hosts.split(",") if h.strip()}
        if self.clinic_url:
            hosts.add(urlsplit(self.clinic_url).netloc.lower())
        return frozenset(hosts)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [item for item in self.trusted_proxies.split(",") if item]

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def session_key_file(self) -> Path:
        return self.data_dir / "session.key"

    @property
    def screenshots_dir(self) -> Path:
        return self.data_dir / "screenshots"

    @property
    def diagnostics_dir(self) -> Path:
        """Page HTML saved when a site changed, and encrypted browser traces of failures."""
        return self.data_dir / "diagnostics"

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the driver made explicit (psycopg 3 for PostgreSQL)."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'autobook.db').resolve()}"
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
