"""createApiKey: a new API key with a role; its secret is in this answer only."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation, Role, may_grant
from domain.store.api_keys import new_key_id
from gateway.admin.types import ApiKeyInfo, api_key_of
from gateway.admin.workflow import audit_entry, forbidden
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed


@strawberry.type(description="The key, and its secret: shown this once, never stored.")
class ApiKeyCreated:
    key: ApiKeyInfo
    secret: str


CreateApiKeyResult = Annotated[ApiKeyCreated | ValidationFailed | Forbidden, strawberry.union("CreateApiKeyResult")]


async def create_api_key(info: strawberry.Info[AdminContext, None], name: str, role: Role) -> CreateApiKeyResult:
    context = info.context
    if not may_grant(context.principal.role, role):
        return forbidden(context, Operation.MANAGE_USERS, f"a {context.principal.role} may not make a {role} key")
    if not name.strip() or len(name) > 200:
        return ValidationFailed.one("/name", "a key's name has 1 to 200 characters")
    store, key_id = context.store, new_key_id()
    entry = audit_entry(context, "apikey.create", "api_key", key_id, None, {"name": name, "role": role.value})
    async with store.audit.recording(entry):
        key, secret = await store.api_keys.create(name, role, created_by=context.principal.subject, key_id=key_id)
    return ApiKeyCreated(key=api_key_of(key), secret=secret)
