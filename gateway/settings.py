"""The gateway's configuration, from the environment (`KAMPANYA_…`), with defaults that work on a laptop."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.store import CATALOG_CHANNEL, DEFAULT_DATABASE_URL

ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA")
"""The JWT algorithms a deployment may allow (never `none`)."""


class ConfigurationError(ValueError):
    """The settings must not serve as they are."""


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAMPANYA_", extra="ignore", env_parse_none_str="none")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    catalog_channel: str = CATALOG_CHANNEL
    """The Redis channel catalog changes are announced on (the pricing cores listen there)."""
    pricing_addr: str = "127.0.0.1:50051"
    pricing_token: SecretStr | None = None
    gateway_host: str = "127.0.0.1"
    gateway_port: int = Field(8000, ge=0, le=65535)

    jwt_issuer: str = "kampanya"
    jwt_audience: str = "kampanya-admin"
    jwt_algorithms: list[str] = ["HS256"]
    jwt_secret: SecretStr | None = None
    """The HMAC key of admin JWTs (HS*), or the PEM public key (RS*, ES*, EdDSA)."""
    jwt_max_age: float = Field(3600.0, gt=0)
    """The longest life (seconds) an admin token may claim, whatever its `exp` says."""

    customer_token_secret: SecretStr | None = None
    """The key the shop signs customer tokens with (HS256 unless `customer_token_algorithms` says)."""
    customer_token_algorithms: list[str] = ["HS256"]
    customer_token_audience: str = "kampanya-storefront"
    publishable_keys: dict[str, str] = {}
    """Publishable key -> channel (JSON in KAMPANYA_PUBLISHABLE_KEYS), presented by storefront callers."""

    trust_forwarded: bool = False
    """Take the client address from `X-Forwarded-For`: its last entry, the one the proxy in front appends
    (only behind such a proxy; with several proxies, the outermost must overwrite the header)."""

    max_depth: int = Field(10, ge=1)
    max_tokens: int = Field(2000, ge=10)
    max_aliases: int = Field(15, ge=1)
    max_body_bytes: int = Field(256 * 1024, ge=1024)
    request_timeout: float = Field(10.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    segment_sweep_interval: float = Field(3600.0, gt=0)
    """Seconds between bulk recomputes of the dynamic segments (KAMPANYA_SEGMENT_SWEEP_INTERVAL)."""
    report_min_return: Decimal = Field(Decimal("2"), ge=0)
    """The return on discount under which `campaignRanking` flags a campaign (KAMPANYA_REPORT_MIN_RETURN)."""

    @model_validator(mode="after")
    def _known_algorithms(self) -> Self:
        for name, algorithms in (
            ("KAMPANYA_JWT_ALGORITHMS", self.jwt_algorithms),
            ("KAMPANYA_CUSTOMER_TOKEN_ALGORITHMS", self.customer_token_algorithms),
        ):
            unknown = [algorithm for algorithm in algorithms if algorithm not in ALGORITHMS]
            if unknown or not algorithms:
                raise ValueError(f"{name}: allowed are {', '.join(ALGORITHMS)} (never none), not {unknown}")
        return self

    @property
    def production(self) -> bool:
        return self.env == "production"

    def check_runnable(self) -> None:
        """Raise `ConfigurationError` when these settings must not serve (production without secrets)."""
        if not self.production:
            return
        missing = [
            name
            for name, value in (
                ("KAMPANYA_JWT_SECRET", self.jwt_secret),
                ("KAMPANYA_CUSTOMER_TOKEN_SECRET", self.customer_token_secret),
                ("KAMPANYA_PRICING_TOKEN", self.pricing_token),
            )
            if value is None
        ]
        if missing:
            raise ConfigurationError(f"{', '.join(missing)} must be set when KAMPANYA_ENV=production")
