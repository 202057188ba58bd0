"""Who may call the gateway (SQLite, then PostgreSQL): admin callers by a JWT of the configured issuer,
audience, algorithms and bounded life, or by an API key; storefront callers by a channel's publishable key,
the customer only by the shop's customer token; every refusal a 401 with a GraphQL error body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx2
import jwt

from domain.access import AdminUser, Role
from domain.documents.catalog import CustomerProfile
from domain.documents.common import Status
from tests.builders import campaign
from tests.integration.gateway.harness import CUSTOMER_SECRET, JWT_SECRET, Gateway, admin_token, customer_token

ME = "{ me { subject role } }"
OFFERS = "{ offers { __typename ... on OfferList { offers { campaignId } } } }"
LOYAL = campaign("loyal", {"type": "PERCENTAGE", "value": "10"}, audience={"min_orders": 3})
INTROSPECT_ARGUMENTS = """{ __schema { types { name
    fields { name args { name } }
    inputFields { name } } } }"""


def _claims(subject: str, **changes: Any) -> dict[str, Any]:
    """Valid admin claims for `subject`; a change to None leaves that claim out."""
    now = int(time.time())
    claims = {"sub": subject, "iss": "kampanya", "aud": "kampanya-admin", "iat": now, "exp": now + 600}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _signed(claims: dict[str, Any], *, key: str = JWT_SECRET) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def _by_hand(claims: dict[str, Any], *, algorithm: str) -> str:
    """A token made without PyJWT (which refuses `none` and warns of a short HS512 key): `none` unsigned,
    `HS512` signed with the admin key."""
    signing_input = f"{_part({'alg': algorithm, 'typ': 'JWT'})}.{_part(claims)}"
    if algorithm == "none":
        return f"{signing_input}."
    signature = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{_base64url(signature)}"


def _part(value: dict[str, Any]) -> str:
    return _base64url(json.dumps(value).encode())


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _refusal(response: httpx2.Response) -> tuple[int, str | None]:
    body = response.json()
    return response.status_code, body["errors"][0]["extensions"]["code"] if body.get("errors") else None


def _arguments_and_input_fields(schema: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for kind in schema["types"]:
        names.update(field["name"] for field in kind["inputFields"] or [])
        for field in kind["fields"] or []:
            names.update(argument["name"] for argument in field["args"])
    return names


async def test_a_jwt_of_an_active_user_authenticates_them_with_their_role(gateway: Gateway) -> None:
    token = await gateway.user("ayse", Role.MARKETER)

    data = await gateway.data(await gateway.admin(ME, token=token))

    assert data == {"me": {"subject": "ayse", "role": "MARKETER"}}


async def test_every_jwt_that_is_not_valid_is_refused_with_401_and_unauthenticated(gateway: Gateway) -> None:
    await gateway.user("ayse", Role.OWNER)
    await gateway.pricing.writer.users.put(AdminUser("gone", Role.ADMIN, disabled=True))
    now = int(time.time())
    tokens = {
        "alg none": _by_hand(_claims("ayse"), algorithm="none"),
        "an algorithm not allowed (HS512)": _by_hand(_claims("ayse"), algorithm="HS512"),
        "a wrong signature": _signed(_claims("ayse"), key="another-key-of-at-least-thirty-two-bytes"),
        "expired": _signed(_claims("ayse", iat=now - 700, exp=now - 100)),
        "a wrong audience": _signed(_claims("ayse", aud="kampanya-storefront")),
        "a wrong issuer": _signed(_claims("ayse", iss="someone-else")),
        "no exp": _signed(_claims("ayse", exp=None)),
        "no sub": _signed(_claims("ayse", sub=None)),
        "no iat": _signed(_claims("ayse", iat=None)),
        "a life longer than KAMPANYA_JWT_MAX_AGE": admin_token("ayse", lifetime=2 * gateway.settings.jwt_max_age),
        "issued in the future": _signed(_claims("ayse", iat=now + 300, exp=now + 600)),
        "a subject who is not a user": admin_token("nobody"),
        "a subject with a NUL character": admin_token("ay\x00se"),
        "a disabled user": admin_token("gone"),
        "a customer token": customer_token("ayse"),
        "not a JWT": "garbage",
    }

    refusals = {reason: _refusal(await gateway.admin(ME, token=token)) for reason, token in tokens.items()}

    assert refusals == dict.fromkeys(tokens, (401, "UNAUTHENTICATED"))


async def test_an_admin_call_without_credentials_is_refused_with_a_bearer_challenge(gateway: Gateway) -> None:
    response = await gateway.admin(ME)

    assert _refusal(response) == (401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["data"] is None


async def test_an_api_key_authenticates_with_its_role(gateway: Gateway) -> None:
    key, secret = await gateway.pricing.writer.api_keys.create("ci", Role.ANALYST, created_by="ayse")

    data = await gateway.data(await gateway.admin(ME, token=secret))

    assert data == {"me": {"subject": f"apikey:{key.id}", "role": "ANALYST"}}


async def test_a_revoked_api_key_is_refused(gateway: Gateway) -> None:
    key, secret = await gateway.pricing.writer.api_keys.create("ci", Role.ADMIN, created_by="ayse")
    await gateway.pricing.writer.api_keys.revoke(key.id)

    assert _refusal(await gateway.admin(ME, token=secret)) == (401, "UNAUTHENTICATED")


async def test_a_tampered_api_key_is_refused(gateway: Gateway) -> None:
    key, secret = await gateway.pricing.writer.api_keys.create("ci", Role.ADMIN, created_by="ayse")
    other, _ = await gateway.pricing.writer.api_keys.create("other", Role.OWNER, created_by="ayse")
    tampered = {
        "a changed secret": secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        "another key's id": secret.replace(key.id, other.id),
        "no secret": f"kmp_{key.id}_",
        "no id": "kmp__" + secret.split("_", 2)[2],
    }

    refusals = {how: _refusal(await gateway.admin(ME, token=token)) for how, token in tampered.items()}

    assert refusals == dict.fromkeys(tampered, (401, "UNAUTHENTICATED"))


async def test_a_storefront_call_without_a_known_publishable_key_is_refused(gateway: Gateway) -> None:
    missing = await gateway.storefront(OFFERS, key=None)
    unknown = await gateway.storefront(OFFERS, key="pk_live_unknown")

    assert (_refusal(missing), _refusal(unknown)) == ((401, "UNAUTHENTICATED"), (401, "UNAUTHENTICATED"))


async def test_an_anonymous_shopper_gets_the_offers_of_the_channel(gateway: Gateway) -> None:
    data = await gateway.data(await gateway.storefront(OFFERS))

    assert data == {"offers": {"__typename": "OfferList", "offers": []}}


async def test_a_customer_token_that_is_not_valid_is_refused(gateway: Gateway) -> None:
    now = int(time.time())
    tokens = {
        "signed by another key": customer_token("ayse", secret="not-the-shop-key-but-long-enough-for-hs256"),
        "an admin token": admin_token("ayse"),
        "expired": jwt.encode(
            {"sub": "ayse", "aud": "kampanya-storefront", "iat": now - 700, "exp": now - 100}, CUSTOMER_SECRET
        ),
        "alg none": _by_hand(
            {"sub": "ayse", "aud": "kampanya-storefront", "iat": now, "exp": now + 600}, algorithm="none"
        ),
        "not a JWT": "garbage",
        "a subject with a NUL character": customer_token("ay\x00se"),
    }

    refusals = {
        reason: _refusal(await gateway.storefront(OFFERS, authorization=f"Bearer {token}"))
        for reason, token in tokens.items()
    }

    assert refusals == dict.fromkeys(tokens, (401, "UNAUTHENTICATED"))


async def test_the_customer_is_the_one_the_token_names_and_no_argument_can_name_another(gateway: Gateway) -> None:
    # given a campaign for customers with three orders or more, and ayse who has five
    await gateway.pricing.writer.campaigns.save(LOYAL, status=Status.ACTIVE)
    await gateway.pricing.writer.customers.upsert(CustomerProfile(id="ayse", orders_count=5))
    await gateway.pricing.server.catalog.refresh()

    # then ayse's token gets it; a new customer's token and an anonymous shopper do not
    offered = {
        who: (await gateway.data(await gateway.storefront(OFFERS, customer=who)))["offers"]["offers"]
        for who in ("ayse", "mehmet", None)
    }
    assert offered == {"ayse": [{"campaignId": "loyal"}], "mehmet": [], None: []}
    # and nothing in the storefront graph takes a customer: no argument, no input field
    schema = (await gateway.data(await gateway.storefront(INTROSPECT_ARGUMENTS)))["__schema"]
    assert [name for name in _arguments_and_input_fields(schema) if "customer" in name.lower()] == []


async def test_a_request_id_given_is_echoed_and_one_is_made_otherwise(gateway: Gateway) -> None:
    token = await gateway.user("ayse", Role.OWNER)

    given = await gateway.admin(ME, None, token=token, **{"x-request-id": "req-42"})
    made = await gateway.storefront(OFFERS)
    refused = await gateway.admin(ME, None, **{"x-request-id": "req-43"})

    assert (given.headers["x-request-id"], refused.headers["x-request-id"]) == ("req-42", "req-43")
    assert len(made.headers["x-request-id"]) == 32
