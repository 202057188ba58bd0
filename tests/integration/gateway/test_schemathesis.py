"""Schemathesis against both graphs of a running gateway on PostgreSQL: queries and mutations generated from
the live schemas, valid and invalid, sent as an owner (admin) and as a shop with a signed-in customer
(storefront), get no 5xx, no failing resolver, and no error that tells the gateway's internals."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import graphql
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err

from domain.access import Role
from gateway.graph.hardening import INTERNAL
from tests.integration.gateway.harness import Gateway, customer_token, running_gateway

EXAMPLES = 100
"""Per operation and generation mode (valid, then invalid): 200 requests for each of the 53 operations of
the two graphs, about 2.5 minutes (generation and the gateway share the test process and its GIL)."""
TRACEBACK = re.compile(r'Traceback|File "|\.py", line')
INTERNALS = re.compile(r'Traceback|File "|\.py\b|\b[A-Z]\w*(?:Error|Exception)\b|asyncpg|tortoise|sqlite')


@dataclass(frozen=True)
class Problem:
    operation: str
    status: int
    body: str
    query: str


@pytest.fixture
async def postgres_gateway(postgres_url: str) -> AsyncIterator[Gateway]:
    """PostgreSQL only: the budget allows one database, and it is the one that refuses more text."""
    async with running_gateway(postgres_url) as running:
        yield running


def _json_value(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal (the `JSON` scalar of template overrides)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(_json_value(item) for item in value))
    fields = (
        graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=_json_value(item))
        for key, item in value.items()
    )
    return graphql.ObjectValueNode(fields=tuple(fields))


KEYS = st.sampled_from(["id", "name", "benefit", "type", "value", "priority", "schedule", "limits", "audience"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(KEYS | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True), inner, max_size=4)
    ),
    max_leaves=12,
)


def _problem(case: Case[Any], response: schemathesis.Response) -> str | None:
    """Why this answer is wrong, or None: a 5xx, a resolver that failed (masked or not), or internals told."""
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except FailureGroup as failures:
        return "; ".join(str(failure).strip() for failure in failures.exceptions)
    for error in response.json().get("errors") or []:
        message = str(error.get("message"))
        if "path" in error and message != INTERNAL and INTERNALS.search(message):
            return f"a resolver's error tells internals: {message}"
        if TRACEBACK.search(message):
            return f"an error carries a traceback: {message}"
    return None


def _fuzz(url: str, headers: dict[str, str]) -> list[Problem]:
    """Run every operation of the graph at `url` with generated valid, then invalid, arguments and selections."""
    schemathesis.graphql.scalar("JSON", JSON_VALUES.map(_json_value))
    schema = schemathesis.graphql.from_url(url, headers=headers, timeout=10)
    problems: list[Problem] = []
    with requests.Session() as session:
        for found in schema.get_all_operations():
            if isinstance(found, Err):
                raise found.err()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = found.ok().as_strategy(generation_mode=mode)
                _examples(strategy, url=url, session=session, headers=headers, problems=problems)
    return problems


def _examples(
    strategy: st.SearchStrategy[Case[Any]],
    *,
    url: str,
    session: requests.Session,
    headers: dict[str, str],
    problems: list[Problem],
) -> None:
    """Send `EXAMPLES` cases drawn from `strategy`, noting every wrong answer (and going on)."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Case[Any]) -> None:
        response = case.call(base_url=url, session=session, headers=headers, timeout=10)
        if (why := _problem(case, response)) is not None:
            problems.append(Problem(case.operation.label, response.status_code, why, str(case.body)))

    send()


@pytest.mark.postgres
async def test_generated_operations_of_both_graphs_get_no_server_error_and_tell_no_internals(
    postgres_gateway: Gateway,
) -> None:
    admin = {"authorization": f"Bearer {await postgres_gateway.user('owner', Role.OWNER)}"}
    shop = {"x-publishable-key": "pk_test_web", "authorization": f"Bearer {customer_token('ayse')}"}

    problems = await asyncio.to_thread(_fuzz, f"{postgres_gateway.url}/admin/graphql", admin)
    problems += await asyncio.to_thread(_fuzz, f"{postgres_gateway.url}/storefront/graphql", shop)

    assert not problems, _report(problems)


def _report(problems: list[Problem]) -> str:
    """One example of each distinct problem of each operation (the query that shows it, to replay)."""
    first = {(problem.operation, problem.body.splitlines()[-1]): problem for problem in reversed(problems)}
    return f"{len(problems)} wrong answers; one of each:\n" + "\n\n".join(
        f"{problem.operation} ({problem.status}): {problem.body}\n{problem.query}" for problem in first.values()
    )
