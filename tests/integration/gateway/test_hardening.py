"""What keeps the gateway safe to expose, over real HTTP: depth, token and alias limits, no batching, bad
bodies and bad values answered as GraphQL errors (never a 5xx), a body size limit, a per-request timeout
against a pricing core that hangs, introspection, GraphiQL and "Did you mean" hints only outside
production, and internal errors masked."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx2
import pytest

from domain.access import Role
from gateway.graph.hardening import INTERNAL
from gateway.settings import GatewaySettings
from tests.integration.gateway.harness import Gateway, running_gateway, serving

ME = "{ me { role } }"
DEEP = (
    "{ campaigns { ... on CampaignConnection { edges { node { versions { document { condition { target {"
    " attributes { key } } } } } } } } } }"
)
SHALLOW = "{ campaigns { ... on CampaignConnection { edges { node { id } } } } }"
CREATE = "mutation($campaign: CampaignInput!) { createCampaign(campaign: $campaign) { __typename } }"
HALF_OFF = {"id": "half", "name": [{"language": "en", "text": "Half off"}], "benefit": {"type": "HALF_OFF"}}
OFFERS = "{ offers { __typename } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|[A-Z]\w*(?:Error|Exception)\b|audit_log|no such table|relation|sqlite|asyncpg"
)


@pytest.fixture
async def sqlite_gateway(sqlite_url: str) -> AsyncIterator[Gateway]:
    """The limits sit in front of the graphs, whatever the database; the depth limit lowered to 5 (no
    path of the admin graph is deeper than 9, so the default of 10 cannot be reached by a valid query)."""
    async with running_gateway(sqlite_url, max_depth=5) as running:
        yield running


@pytest.fixture
async def owner(sqlite_gateway: Gateway) -> str:
    return await sqlite_gateway.user("owner", Role.OWNER)


def _settings(gateway: Gateway, **changes: Any) -> GatewaySettings:
    """The running gateway's settings with `changes` (validated), for a second gateway app."""
    return GatewaySettings(**{**gateway.settings.model_dump(), **changes})


def _production(gateway: Gateway) -> GatewaySettings:
    return _settings(gateway, env="production", pricing_token="pricing-token-for-tests")


@asynccontextmanager
async def _hanging_pricing_core() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers, as a pricing core that hangs; its address."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()  # until the gateway hangs up

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for writer in connections:
            writer.close()
        await server.wait_closed()


def _errors(response: httpx2.Response) -> list[dict[str, Any]]:
    """The GraphQL errors of a refusal: a JSON body with errors and no data."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert body["data"] is None, body
    assert body["errors"], body
    errors: list[dict[str, Any]] = body["errors"]
    return errors


def _messages(response: httpx2.Response) -> list[str]:
    return [error["message"] for error in _errors(response)]


def _code(response: httpx2.Response) -> tuple[int, str]:
    return response.status_code, _errors(response)[0]["extensions"]["code"]


async def _post(gateway: Gateway, owner: str, content: bytes, content_type: str = "application/json") -> Any:
    headers = {"authorization": f"Bearer {owner}", "content-type": content_type}
    return await gateway.client.post(f"{gateway.url}/admin/graphql", content=content, headers=headers)


async def test_a_query_deeper_than_the_depth_limit_is_refused(sqlite_gateway: Gateway, owner: str) -> None:
    deep = await sqlite_gateway.admin(DEEP, token=owner)
    shallow = await sqlite_gateway.admin(SHALLOW, token=owner)

    assert deep.status_code in (200, 400)
    assert _messages(deep) == ["'anonymous' exceeds maximum operation depth of 5"]
    assert await sqlite_gateway.data(shallow) == {"campaigns": {"edges": []}}


async def test_a_query_over_the_token_limit_is_refused(sqlite_gateway: Gateway, owner: str) -> None:
    response = await sqlite_gateway.admin("{ me { " + "role " * 2000 + "} }", token=owner)

    assert response.status_code in (200, 400)
    assert _messages(response) == ["Syntax Error: Document contains more than 2000 tokens. Parsing aborted."]


async def test_a_query_with_too_many_aliases_is_refused(sqlite_gateway: Gateway, owner: str) -> None:
    aliased = "{ " + " ".join(f"a{index}: me {{ role }}" for index in range(16)) + " }"

    response = await sqlite_gateway.admin(aliased, token=owner)

    assert response.status_code in (200, 400)
    assert _messages(response) == ["16 aliases found. Allowed: 15"]


async def test_a_batch_of_operations_is_refused(sqlite_gateway: Gateway, owner: str) -> None:
    batch = json.dumps([{"query": ME}, {"query": ME}]).encode()

    response = await _post(sqlite_gateway, owner, batch)

    assert _code(response) == (400, "BAD_REQUEST")
    assert _messages(response) == ["Batching is not enabled"]


async def test_a_body_that_is_not_a_json_operation_gets_a_clean_400(sqlite_gateway: Gateway, owner: str) -> None:
    bodies = [b'{"query": ', b"\xff\xfe", b'"{ me { role } }"', b"42", b"null", b"{}", b'{"query": 42}']

    answers = [_code(await _post(sqlite_gateway, owner, body)) for body in bodies]

    assert answers == [(400, "BAD_REQUEST")] * len(bodies)


async def test_a_body_of_another_content_type_gets_a_clean_400(sqlite_gateway: Gateway, owner: str) -> None:
    body = json.dumps({"query": ME}).encode()
    kinds = ["text/plain", "application/x-www-form-urlencoded", "application/graphql", ""]

    answers = [_code(await _post(sqlite_gateway, owner, body, kind)) for kind in kinds]

    assert answers == [(400, "BAD_REQUEST")] * len(kinds)


async def test_a_method_other_than_get_and_post_gets_a_clean_405(sqlite_gateway: Gateway, owner: str) -> None:
    headers = {"authorization": f"Bearer {owner}"}

    answers = [
        _code(await sqlite_gateway.client.request(method, f"{sqlite_gateway.url}/admin/graphql", headers=headers))
        for method in ("PUT", "PATCH", "DELETE")
    ]

    assert answers == [(405, "BAD_REQUEST")] * 3


async def test_a_variable_of_the_wrong_type_is_a_graphql_error(sqlite_gateway: Gateway, owner: str) -> None:
    query = "query($first: Int) { campaigns(first: $first) { __typename } }"

    response = await sqlite_gateway.admin(query, {"first": "ten"}, token=owner)

    assert _messages(response) == ["Variable '$first' has invalid value: Int cannot represent non-integer value: 'ten'"]


async def test_an_unknown_enum_value_is_a_graphql_error(sqlite_gateway: Gateway, owner: str) -> None:
    literal = (
        'mutation { createCampaign(campaign: {id: "half", name: [{language: "en", text: "Half off"}],'
        " benefit: {type: HALF_OFF}}) { __typename } }"
    )

    as_variable = await sqlite_gateway.admin(CREATE, {"campaign": HALF_OFF}, token=owner)
    as_literal = await sqlite_gateway.admin(literal, token=owner)

    assert _messages(as_variable) == [
        "Variable '$campaign' has invalid value at .benefit.type:"
        " Value 'HALF_OFF' does not exist in 'BenefitType' enum."
    ]
    assert _messages(as_literal) == ["Value 'HALF_OFF' does not exist in 'BenefitType' enum."]


async def test_text_no_store_can_hold_is_a_graphql_error(gateway: Gateway) -> None:
    # PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8
    owner = {"authorization": f"Bearer {await gateway.user('owner', Role.OWNER)}"}
    shop = {"x-publishable-key": "pk_test_web"}
    key = "mutation($name: String!) { createApiKey(name: $name, role: ANALYST) { __typename } }"
    campaign = "query($id: String!) { campaign(id: $id) { __typename } }"
    offers = "query($language: String!) { offers(language: $language) { __typename } }"

    answers = [
        _code(await _send(gateway, "admin", {"query": key, "variables": {"name": "ci\x00"}}, owner)),
        _code(await _send(gateway, "admin", {"query": '{ campaign(id: "a\\u0000b") { __typename } }'}, owner)),
        _code(await _send(gateway, "admin", {"query": campaign, "variables": {"id": "a\ud800b"}}, owner)),
        _code(await _send(gateway, "storefront", {"query": offers, "variables": {"language": "\udfff"}}, shop)),
    ]

    assert answers == [(200, "BAD_USER_INPUT")] * 4
    assert await gateway.pricing.writer.api_keys.list() == []


async def _send(gateway: Gateway, graph: str, operation: dict[str, Any], headers: dict[str, str]) -> httpx2.Response:
    """Post `operation` as JSON with every character outside ASCII escaped (lone surrogates included)."""
    return await gateway.client.post(
        f"{gateway.url}/{graph}/graphql",
        content=json.dumps(operation).encode(),
        headers={"content-type": "application/json", **headers},
    )


async def test_a_body_over_the_size_limit_gets_413(sqlite_gateway: Gateway, owner: str) -> None:
    limit = sqlite_gateway.settings.max_body_bytes
    body = json.dumps({"query": ME, "variables": {"padding": "x" * limit}}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 16384):
            yield body[start : start + 16384]

    headers = {"authorization": f"Bearer {owner}", "content-type": "application/json", "x-request-id": "big"}
    declared = await sqlite_gateway.client.post(f"{sqlite_gateway.url}/admin/graphql", content=body, headers=headers)
    streamed = await sqlite_gateway.client.post(
        f"{sqlite_gateway.url}/admin/graphql", content=chunks(), headers=headers
    )

    assert (_code(declared), _code(streamed)) == ((413, "BODY_TOO_LARGE"), (413, "BODY_TOO_LARGE"))
    assert declared.headers["x-request-id"] == "big"


async def test_a_request_slower_than_the_timeout_gets_504(sqlite_gateway: Gateway) -> None:
    # given a gateway whose pricing core accepts connections and never answers (its own deadline is 2 s)
    async with _hanging_pricing_core() as address:
        settings = _settings(sqlite_gateway, pricing_addr=address, request_timeout=0.2)
        async with serving(settings) as url:
            # when a shopper asks for offers
            started = time.perf_counter()
            response = await sqlite_gateway.client.post(
                f"{url}/storefront/graphql",
                json={"query": OFFERS},
                headers={"x-publishable-key": "pk_test_web", "x-request-id": "slow"},
            )
            elapsed = time.perf_counter() - started

    # then the gateway answers a GraphQL timeout error after 0.2 s, not the pricing core's deadline
    assert _code(response) == (504, "TIMEOUT")
    assert response.headers["x-request-id"] == "slow"
    assert 0.2 <= elapsed < 1.5


async def test_introspection_and_graphiql_are_on_in_development_and_off_in_production(
    sqlite_gateway: Gateway, owner: str
) -> None:
    answers: dict[str, tuple[int, str, str]] = {}
    for env, settings in (
        ("development", _settings(sqlite_gateway, env="development")),
        ("production", _production(sqlite_gateway)),
    ):
        async with serving(settings) as url:
            schema = await sqlite_gateway.client.post(
                f"{url}/admin/graphql", json={"query": INTROSPECTION}, headers={"authorization": f"Bearer {owner}"}
            )
            page = await sqlite_gateway.client.get(f"{url}/storefront/graphql", headers={"accept": "text/html"})
            answers[env] = (page.status_code, page.headers["content-type"].split(";")[0], schema.text)

    assert answers["development"][:2] == (200, "text/html")
    assert json.loads(answers["development"][2]) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    assert answers["production"][:2] == (404, "application/json")
    refused = json.loads(answers["production"][2])
    assert refused["data"] is None
    assert [error["message"] for error in refused["errors"]] == [
        "GraphQL introspection has been disabled, but the requested query contained the field '__schema'.",
        "GraphQL introspection has been disabled, but the requested query contained the field 'queryType'.",
    ]


async def test_errors_suggest_names_in_development_but_not_in_production(sqlite_gateway: Gateway, owner: str) -> None:
    mistakes = [
        ("{ me { subjekt } }", None),
        ("{ campaigns(frist: 1) { __typename } }", None),
        ("{ campaigns(filter: {kind: COUPN}) { __typename } }", None),
        ("query($kind: CampaignKind) { campaigns(filter: {kind: $kind}) { __typename } }", {"kind": "COUPN"}),
        ("{ campaigns { ... on Campaing { id } } }", None),
        ("{ campaigns { edges { cursor } } }", None),
    ]
    messages: dict[str, list[str]] = {}
    for env, settings in (
        ("development", _settings(sqlite_gateway, env="development")),
        ("production", _production(sqlite_gateway)),
    ):
        async with serving(settings) as url:
            messages[env] = []
            for query, variables in mistakes:
                response = await sqlite_gateway.client.post(
                    f"{url}/admin/graphql",
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {owner}"},
                )
                messages[env] += _messages(response)

    assert len(messages["production"]) == len(messages["development"]) == len(mistakes)
    assert all("Did you mean" in message for message in messages["development"]), messages["development"]
    assert [message for message in messages["production"] if "Did you mean" in message] == []
    assert "Cannot query field 'subjekt' on type 'Me'." in messages["production"]


async def test_an_unexpected_failure_in_a_resolver_is_masked(gateway: Gateway) -> None:
    # given an outage: the audit log's table is gone under the running gateway
    owner = await gateway.user("owner", Role.OWNER)
    await _drop_table(gateway.settings.database_url, "audit_log")

    # when the audit log is read
    response = await gateway.admin("{ auditLog { __typename } }", None, token=owner, **{"x-request-id": "outage-1"})

    # then the error says only that it is internal, and where its id is
    assert response.status_code == 200
    assert [(error["message"], error["path"]) for error in _errors(response)] == [(INTERNAL, ["auditLog"])]
    assert LEAKS.search(response.text) is None, response.text
    assert response.headers["x-request-id"] == "outage-1"


async def _drop_table(database_url: str, table: str) -> None:
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url.removeprefix("sqlite://"), timeout=5) as connection:
            connection.execute(f"DROP TABLE {table}")
        return
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(f"DROP TABLE {table}")
    finally:
        await connection.close()
