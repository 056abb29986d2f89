"""Every setting in one place, read from the environment and `.env` (pydantic-settings).

The names are the environment variables users set; the README has the same table.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    login_attempts_per_minute: int = Field(
        5, ge=1, le=1000, validation_alias=_env("AUTOBOOK_LOGIN_ATTEMPTS_PER_MINUTE")
    )
    log_level: str = Field("INFO", validation_alias=_env("LOG_LEVEL"))

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

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
