"""What keeps both graphs safe to expose: depth, token and alias limits, parser and validation caches,
masked internal errors (and, in production, no introspection and no "did you mean" suggestions), a body
size limit and a per-request timeout answered as GraphQL errors."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from graphql import BREAK, ASTValidationRule, DocumentNode, ExecutionResult, StringValueNode, Visitor, visit
from graphql.error import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    ParserCache,
    SchemaExtension,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.schema import validate_document

from domain.errors import UNSTORABLE, UNSTORABLE_TEXT, unstorable_at
from domain.store.errors import database_unreachable
from gateway.settings import GatewaySettings

log = logging.getLogger("kampanya.gateway")

SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)
INTERNAL = "Internal error; the request id is in the response header x-request-id."


def _internal(error: GraphQLError) -> bool:
    """An error a resolver raised (a bug, an outage): masked. GraphQL's own errors (syntax, validation,
    types) are the client's and stay readable."""
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        log.error("unexpected error in a resolver", exc_info=original)
        return True
    return False


UNAVAILABLE = "Temporarily unavailable: the catalog database cannot be reached; retry shortly."


class MaskInternalErrors(MaskErrors):
    """Resolver errors masked: an unreachable database as UNAVAILABLE (worth a retry), anything else as
    INTERNAL; neither says more than that and the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_internal, error_message=INTERNAL)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        unreachable = error.original_error is not None and database_unreachable(error.original_error)
        return GraphQLError(
            message=UNAVAILABLE if unreachable else INTERNAL,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "UNAVAILABLE" if unreachable else "INTERNAL"},
        )


class HideSuggestions(MaskErrors):
    """In production: GraphQL's "Did you mean …?" hints would tell a stranger the schema."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: bool(SUGGESTION.search(error.message)))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=SUGGESTION.sub("", error.message),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
        )


class ValidationByDocument(SchemaExtension):
    """Strawberry's AddValidationRules and ValidationCache in one extension (each extension costs its hooks on
    every request), the cache keyed by the document's identity instead of its (deep) hash: the parser cache
    hands out the same document for the same query text, and a document never changes. An answer is kept
    while its document lives (so no longer than the parser cache keeps it)."""

    def __init__(self, rules: Sequence[type[ASTValidationRule]]) -> None:
        self.rules = tuple(rules)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *self.rules)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            yield
            return
        key = (id(context.schema._schema), id(document), context.validation_rules)
        errors = _validated.get(key)
        if errors is None:
            errors = _validated[key] = validate_document(context.schema._schema, document, context.validation_rules)
            weakref.finalize(document, _validated.pop, key, None)
        context.pre_execution_errors = errors
        yield


_validated: dict[tuple[int, int, tuple[type[ASTValidationRule], ...]], list[GraphQLError]] = {}
"""Validation errors by schema, document (while it lives) and rules."""


class Hardening(MaskInternalErrors):
    """Three guards in one extension (each extension costs its hooks on every request): documents of at most
    `max_tokens` tokens (Strawberry's MaxTokensLimiter), resolver errors masked (`MaskInternalErrors`), and an
    operation whose strings (literals or variables) carry what `UNSTORABLE` matches refused as the client's
    error before it runs, instead of failing in the store or on the way to the pricing core."""

    def __init__(self, max_tokens: int) -> None:
        super().__init__()
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.max_tokens
        yield from super().on_operation()

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if _unstorable_variables(context.variables) or (document is not None and _UnstorableLiteral.within(document)):
            error = GraphQLError(
                UNSTORABLE_TEXT,
                extensions={"code": "BAD_USER_INPUT"},
            )
            context.result = ExecutionResult(data=None, errors=[error])
        yield


_verdicts: dict[int, bool] = {}
"""Whether a document (by id, while it lives) holds an unstorable literal."""


class _UnstorableLiteral(Visitor):
    found = False

    @classmethod
    def within(cls, document: DocumentNode) -> bool:
        """Whether the document holds such a literal; known at once for a document seen before (the parser
        cache hands out the same document for the same query text)."""
        key = id(document)
        found = _verdicts.get(key)
        if found is None:
            finder = cls()
            visit(document, finder)
            found = _verdicts[key] = finder.found
            weakref.finalize(document, _verdicts.pop, key, None)
        return found

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        self.found = UNSTORABLE.search(node.value) is not None
        return BREAK if self.found else None


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable_variables(variables: dict[str, Any] | None) -> bool:
    """`unstorable_at` of the variables, at the speed of one JSON encoding: decoded JSON holds a NUL only where
    its encoding shows the escape \\u0000 (as it escapes every control character), and a surrogate only
    where it is lone (a pair decodes to one character). The walk decides when the text shows either (an
    escaped backslash before u0000 shows it too)."""
    if not variables:
        return False
    text = json.dumps(variables, ensure_ascii=False, default=repr)
    if "\\u0000" not in text and LONE_SURROGATE.search(text) is None:
        return False
    return unstorable_at(variables) is not None


def schema_extensions(settings: GatewaySettings) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """The extensions of both schemas, as factories (a fresh instance per request; the caches are shared). The
    depth and alias rules are built once: the validation cache is keyed by the rule classes, so rules made
    anew per request (what QueryDepthLimiter and MaxAliasesLimiter do) would never hit it."""
    limits = [
        query_depth_limiter.create_validator(settings.max_depth, None),
        max_aliases.create_validator(settings.max_aliases),
    ]
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: ParserCache(maxsize=512),
        lambda: ValidationByDocument(limits),
        lambda: Hardening(settings.max_tokens),
    ]
    if settings.production:
        extensions += [DisableIntrospection, HideSuggestions]
    return extensions


def graphql_error_body(message: str, code: str) -> bytes:
    return json.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}).encode()


class Guard:
    """An ASGI middleware around a graph: refuses bodies over `max_bytes` (413), cuts requests off after
    `timeout` seconds (504), and answers every failure below it as a GraphQL error body, never a bare 500."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _answer(send, 413, f"the request body is over {self.max_bytes} bytes", "BODY_TOO_LARGE")
            return
        started = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.timeout):  # no task of its own, unlike wait_for
                await self.app(scope, limited_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _answer(send, 413, f"the request body is over {self.max_bytes} bytes", "BODY_TOO_LARGE")
        except TimeoutError:
            if not started:
                await _answer(send, 504, f"the request took longer than {self.timeout} s", "TIMEOUT")
        except Exception as error:
            if database_unreachable(error):
                log.warning("the database is unreachable", extra={"event": "database_unavailable"})
                if not started:
                    await _answer(send, 503, UNAVAILABLE, "UNAVAILABLE", [(b"retry-after", b"1")])
                return
            log.exception("unexpected error serving a GraphQL request")
            if not started:
                await _answer(send, 500, INTERNAL, "INTERNAL")


class _TooLarge(Exception):
    pass


async def _answer(
    send: Send, status: int, message: str, code: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = graphql_error_body(message, code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


def json_errors(app: ASGIApp) -> Callable[[Scope, Receive, Send], Any]:
    """Make the graph's own plain-text refusals (malformed JSON, a wrong content type, a GET where only POST
    is served) GraphQL error bodies with the same status."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        held: Message | None = None
        rewrite = False

        async def capture(message: Message) -> None:
            nonlocal held, rewrite
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                kind = headers.get(b"content-type", b"")
                rewrite = message["status"] >= 400 and not kind.startswith(b"application/json")
                if rewrite:
                    held = message
                    return
                await send(message)
                return
            if rewrite and held is not None:
                text = message.get("body", b"").decode(errors="replace").strip() or "bad request"
                await _answer(send, held["status"], text, "BAD_REQUEST")
                held = None
                return
            if not rewrite:
                await send(message)

        await app(scope, receive, capture)

    return wrapped
