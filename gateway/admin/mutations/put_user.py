"""putUser: add a person to the admin graph, or change their role, email or whether they are disabled."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import AdminUser, Operation, Role, may_grant
from gateway.admin.types import User, user_of
from gateway.admin.workflow import audit_entry, forbidden
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed


@strawberry.type
class UserSaved:
    user: User


PutUserResult = Annotated[UserSaved | ValidationFailed | Forbidden, strawberry.union("PutUserResult")]


async def put_user(
    info: strawberry.Info[AdminContext, None],
    subject: str,
    role: Role,
    email: str | None = None,
    disabled: bool = False,
) -> PutUserResult:
    context = info.context
    if not may_grant(context.principal.role, role):
        return forbidden(context, Operation.MANAGE_USERS, f"a {context.principal.role} may not make a {role}")
    if not subject.strip() or len(subject) > 200:
        return ValidationFailed.one("/subject", "a subject has 1 to 200 characters")
    if subject == context.principal.subject:
        return forbidden(context, Operation.MANAGE_USERS, "nobody changes their own role or access")
    store = context.store
    before = await store.users.get(subject)
    if before is not None and before.role is Role.OWNER and context.principal.role is not Role.OWNER:
        return forbidden(context, Operation.MANAGE_USERS, "only an OWNER changes an OWNER")
    user = AdminUser(subject=subject, role=role, email=email, disabled=disabled)
    entry = audit_entry(context, "user.put", "user", subject, _user_json(before), _user_json(user))
    async with store.audit.recording(entry):
        await store.users.put(user)
    return UserSaved(user=user_of(user))


def _user_json(user: AdminUser | None) -> dict[str, object] | None:
    if user is None:
        return None
    return {"subject": user.subject, "role": user.role.value, "email": user.email, "disabled": user.disabled}
