"""Server settings, read from the environment (prefix ``MCH_``, plus plain ``DATABASE_URL``)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MCH_", extra="ignore")

    # Unset: run an embedded PostgreSQL in ``data_dir`` (nothing to install for a first run).
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MCH_DATABASE_URL")
    )
    data_dir: Path = Path(platformdirs.user_data_dir("michangarrito-server"))
    host: str = "127.0.0.1"
    port: int = 8765
    # The role every pooled connection assumes; row-level security binds it.
    app_role: str = "michangarrito_app"
    pool_max_size: int = 10
    max_body_bytes: int = 8 * 1024 * 1024
    log_level: str = "INFO"
    log_json: bool = True
