"""Who calls: admin callers by a JWT (configured issuer, audience, algorithms, a bounded life; `none`
refused) or an API key; storefront callers by a channel's publishable key, the customer only by a token the
shop signed (never by an argument)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from domain.access import Role
from domain.errors import UNSTORABLE
from domain.store import Store
from gateway.settings import GatewaySettings

API_KEY_PREFIX = "kmp_"


class Unauthenticated(Exception):
    """The credentials are missing or not valid (the message says which, never why a secret failed)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated admin caller: a user (by JWT subject) or an API key (`apikey:<id>`)."""

    subject: str
    role: Role


@dataclass(frozen=True, slots=True)
class Shopper:
    """A storefront caller: the channel of its publishable key, and the customer its token names."""

    channel: str
    customer_id: str | None


def bearer(authorization: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer …` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class AdminAuthenticator:
    def __init__(self, settings: GatewaySettings, store: Store) -> None:
        self._settings = settings
        self._store = store

    async def authenticate(self, authorization: str | None) -> Principal:
        """Return the caller, or raise `Unauthenticated`."""
        token = bearer(authorization)
        if token is None:
            raise Unauthenticated("an admin call needs `Authorization: Bearer <JWT or API key>`")
        if token.startswith(API_KEY_PREFIX):
            key = await self._store.api_keys.verify(token)
            if key is None:
                raise Unauthenticated("the API key is not valid or was revoked")
            return Principal(f"apikey:{key.id}", key.role)
        subject = self._subject(token)
        user = await self._store.users.get(subject)
        if user is None or user.disabled:
            raise Unauthenticated(f"{subject!r} is not an active user of this tenant")
        return Principal(user.subject, user.role)

    def _subject(self, token: str) -> str:
        settings = self._settings
        if settings.jwt_secret is None:
            raise Unauthenticated("admin JWTs are not configured (KAMPANYA_JWT_SECRET); use an API key")
        claims = _decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=settings.jwt_algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            max_age=settings.jwt_max_age,
        )
        return str(claims["sub"])


class StorefrontAuthenticator:
    def __init__(self, settings: GatewaySettings) -> None:
        self._settings = settings

    def authenticate(self, publishable_key: str | None, authorization: str | None) -> Shopper:
        """Return the caller, or raise `Unauthenticated`. Without a customer token the shopper is anonymous;
        a token that is present must be valid."""
        channel = self._settings.publishable_keys.get(publishable_key or "")
        if channel is None:
            raise Unauthenticated("a storefront call needs a valid `X-Publishable-Key` header")
        token = bearer(authorization)
        if token is None:
            return Shopper(channel, None)
        secret = self._settings.customer_token_secret
        if secret is None:
            raise Unauthenticated("customer tokens are not configured (KAMPANYA_CUSTOMER_TOKEN_SECRET)")
        claims = _decode(
            token,
            secret.get_secret_value(),
            algorithms=self._settings.customer_token_algorithms,
            audience=self._settings.customer_token_audience,
            issuer=None,
            max_age=self._settings.jwt_max_age * 24,
        )
        return Shopper(channel, str(claims["sub"]))


def _decode(
    token: str, key: str, *, algorithms: list[str], audience: str, issuer: str | None, max_age: float
) -> dict[str, Any]:
    required = ["exp", "iat", "sub", "aud"] + (["iss"] if issuer else [])
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            options={"require": required},
            leeway=30,
        )
    except jwt.PyJWTError as error:
        raise Unauthenticated(f"the token is not valid: {error}") from None
    if float(claims["exp"]) - float(claims["iat"]) > max_age or float(claims["iat"]) > time.time() + 30:
        raise Unauthenticated("the token claims a longer life than allowed")
    if not isinstance(claims["sub"], str) or not claims["sub"] or UNSTORABLE.search(claims["sub"]):
        raise Unauthenticated("the token names no subject")  # nor one a store can hold
    return claims
