"""revokeApiKey: the key stops working at once (revoking it again changes nothing)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.store import NotFound as StoreNotFound
from gateway.admin.types import ApiKeyInfo, api_key_of
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound


@strawberry.type
class ApiKeyRevoked:
    key: ApiKeyInfo


RevokeApiKeyResult = Annotated[ApiKeyRevoked | NotFound | Forbidden, strawberry.union("RevokeApiKeyResult")]


async def revoke_api_key(info: strawberry.Info[AdminContext, None], id: str) -> RevokeApiKeyResult:
    context = info.context
    if problem := refused(context, Operation.MANAGE_USERS):
        return problem
    known = {key.id: key for key in await context.store.api_keys.list()}.get(id)
    before = (
        None if known is None else {"name": known.name, "role": known.role.value, "revoked": bool(known.revoked_at)}
    )
    after = None if before is None else {**before, "revoked": True}
    try:
        async with context.store.audit.recording(audit_entry(context, "apikey.revoke", "api_key", id, before, after)):
            key = await context.store.api_keys.revoke(id)
    except StoreNotFound:
        return NotFound.of("API key", id)
    return ApiKeyRevoked(key=api_key_of(key))
