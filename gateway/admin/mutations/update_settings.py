"""updateSettings: change the tenant settings (only the fields given; the rest stay as they are)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from pydantic import ValidationError

from domain.access import Operation
from domain.documents.catalog import ReturnsBudget, TenantSettings
from domain.errors import DocumentError, field_errors
from gateway.admin.types import Settings, settings_of
from gateway.admin.workflow import audit_entry, refused
from gateway.documents import PolicyInput, policy_document
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed

strawberry.enum(ReturnsBudget)


@strawberry.input(description="Who may do what; money in the tenant's currency.")
class AccessPolicyInput:
    approval_required: bool | None = strawberry.UNSET
    junior_max_percent: str | None = strawberry.UNSET
    junior_max_amount: str | None = strawberry.UNSET
    support_max_coupon: str | None = strawberry.UNSET


@strawberry.input(description="The settings to change; fields left out keep their value.")
class SettingsInput:
    policy: PolicyInput | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    returns: ReturnsBudget | None = strawberry.UNSET
    access: AccessPolicyInput | None = strawberry.UNSET


@strawberry.type
class SettingsSaved:
    settings: Settings


UpdateSettingsResult = Annotated[SettingsSaved | ValidationFailed | Forbidden, strawberry.union("UpdateSettingsResult")]


def _given(value: Any) -> dict[str, Any]:
    return {
        name: field
        for name, field in vars(value).items()
        if field is not strawberry.UNSET and field is not None and not name.startswith("_")
    }


async def update_settings(info: strawberry.Info[AdminContext, None], settings: SettingsInput) -> UpdateSettingsResult:
    context = info.context
    if problem := refused(context, Operation.WRITE_SETTINGS):
        return problem
    current = await context.store.settings.get()
    document = current.model_dump(mode="json")
    changes = _given(settings)
    try:
        if "policy" in changes:
            changes["policy"] = {**document["policy"], **policy_document(changes["policy"])}
        if "access" in changes:
            changes["access"] = {**document["access"], **_given(changes["access"])}
        if "returns" in changes:
            changes["returns"] = changes["returns"].value
        wanted = TenantSettings.model_validate({**document, **changes})
    except DocumentError as error:
        return ValidationFailed.of(error)
    except ValidationError as error:
        return ValidationFailed.of(DocumentError("settings", field_errors(error)))
    entry = audit_entry(context, "settings.update", "settings", "tenant", document, wanted.model_dump(mode="json"))
    async with context.store.audit.recording(entry):
        saved = await context.store.settings.update(wanted)
    return SettingsSaved(settings=settings_of(saved))
