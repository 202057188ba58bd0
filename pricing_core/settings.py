"""Configuration of a pricing core, from KAMPANYA_* environment variables (defaults work on a laptop)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.store.config import DEFAULT_DATABASE_URL


class ConfigurationError(ValueError):
    """The settings cannot run a service (e.g. production without a token)."""


class PricingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAMPANYA_", extra="ignore", env_parse_none_str="none")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    pricing_host: str = "127.0.0.1"
    pricing_port: int = Field(50051, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(9464, ge=0, le=65535)
    pricing_token: SecretStr | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    poll_interval: float = Field(2.0, gt=0)
    reservation_ttl: float = Field(900.0, gt=0)
    """Seconds a reservation holds its limits unless committed (15 minutes)."""
    sweep_interval: float = Field(5.0, gt=0)
    """Seconds between sweeps that expire reservations whose time is up."""
    hold_grace: float = Field(300.0, ge=0)
    """Seconds a hold outlives its reservation in the counters (the ledger expires it first)."""
    coupon_attempts: int = Field(10, ge=1)
    """Refused codes allowed per customer and per client address in `coupon_window` seconds."""
    coupon_window: float = Field(600.0, gt=0)
    shutdown_delay: float = Field(1.0, ge=0)
    """Seconds a stopping core keeps serving while it reports NOT_SERVING (draining)."""
    shutdown_grace: float = Field(10.0, ge=0)
    """Seconds calls in flight get to finish once new calls are refused."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _secure_enough(self) -> Self:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("KAMPANYA_TLS_CERT and KAMPANYA_TLS_KEY go together")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("KAMPANYA_TLS_CLIENT_CA (mutual TLS) needs KAMPANYA_TLS_CERT and KAMPANYA_TLS_KEY")
        return self

    def check_runnable(self) -> None:
        """Raise `ConfigurationError` if these settings must not serve (production without a token)."""
        if self.env == "production" and self.pricing_token is None:
            raise ConfigurationError("KAMPANYA_PRICING_TOKEN must be set when KAMPANYA_ENV=production")
