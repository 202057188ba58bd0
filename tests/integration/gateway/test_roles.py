"""The role × operation matrix over HTTP: every role runs every query and mutation of the admin graph and is
allowed or refused (`Forbidden`) exactly as `domain.access.GRANTS` says; then the rules inside an allowed
operation: the caps of junior marketers and of support's sorry coupons, approvals, and who may make whom."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from domain.access import GRANTS, Operation, Role
from domain.code_batches import BatchRequest
from domain.documents.catalog import CouponCodeSpec, CustomerProfile, Segment
from domain.documents.common import Status
from tests.builders import campaign
from tests.integration.gateway.harness import Gateway, running_gateway

PROBLEM = "... on Problem { code message } ... on Forbidden { operation role }"
CART = {
    "currency": "TRY",
    "lines": [{"id": "l1", "sku": "SHIRT", "quantity": 2, "unitPrice": "100.00", "categories": ["shirts"]}],
}
SHOPPER_CART = {"lines": [{"id": "l1", "sku": "SHIRT", "quantity": 2, "unitPrice": "100.00"}]}
INTROSPECTION = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"
NOT_IN_GRAPH: frozenset[Operation] = frozenset()
"""Operations of the matrix that no field of the admin graph runs yet (reported, not tested)."""

Variables = dict[str, Any]
Prepare = Callable[[Gateway, str], Awaitable[Variables]]


def campaign_input(campaign_id: str, benefit: dict[str, Any], **fields: Any) -> Variables:
    return {"id": campaign_id, "name": [{"language": "en", "text": campaign_id}], "benefit": benefit, **fields}


def ten_percent(campaign_id: str) -> Variables:
    return campaign_input(campaign_id, {"type": "PERCENTAGE", "value": "10"})


def stored(status: Status, variables: Callable[[str], Variables] = lambda key: {"id": key}) -> Prepare:
    """A campaign of 10% off under the case's key, in `status`, written straight in the store."""

    async def prepare(gateway: Gateway, key: str) -> Variables:
        document = campaign(key, {"type": "PERCENTAGE", "value": "10"})
        await gateway.pricing.writer.campaigns.save(document, status=status)
        return variables(key)

    return prepare


async def nothing(gateway: Gateway, key: str) -> Variables:
    return {}


def given(variables: Callable[[str], Variables]) -> Prepare:
    async def prepare(gateway: Gateway, key: str) -> Variables:
        return variables(key)

    return prepare


async def a_code(gateway: Gateway, key: str) -> Variables:
    writer = gateway.pricing.writer
    await writer.campaigns.save(campaign(key, {"type": "AMOUNT", "value": "10.00"}, kind="COUPON"))
    await writer.codes.add([CouponCodeSpec(code=f"CODE-{key}", campaign_id=key)])
    return {"code": f"code-{key}", "enabled": False}


def a_code_with(extra: Callable[[str], Variables]) -> Prepare:
    async def prepare(gateway: Gateway, key: str) -> Variables:
        return {"code": (await a_code(gateway, key))["code"], **extra(key)}

    return prepare


async def a_coupon_campaign(gateway: Gateway, key: str) -> Variables:
    await gateway.pricing.writer.campaigns.save(campaign(key, {"type": "AMOUNT", "value": "10.00"}, kind="COUPON"))
    return {"batch": {"campaignId": key, "count": 5}, "code": {"code": f"NEW-{key}", "campaignId": key}}


async def a_code_batch(gateway: Gateway, key: str) -> Variables:
    await a_coupon_campaign(gateway, key)
    batch = await gateway.pricing.writer.code_batches.create(BatchRequest(key, 3), created_by="setup")
    return {"id": batch.id}


async def an_api_key(gateway: Gateway, key: str) -> Variables:
    created, _ = await gateway.pricing.writer.api_keys.create(key, Role.ANALYST, created_by="setup")
    return {"id": created.id}


async def a_customer(gateway: Gateway, key: str) -> Variables:
    await gateway.pricing.writer.customers.upsert(CustomerProfile(id=f"customer-{key}"))
    return {"customerId": f"customer-{key}", "amount": "50.00", "reason": "late delivery"}


async def a_segment(gateway: Gateway, key: str) -> Variables:
    await gateway.pricing.writer.segments.upsert(Segment(id=key, name=key))
    return {"id": key}


async def given_customer(gateway: Gateway, key: str) -> Variables:
    await gateway.pricing.writer.customers.upsert(CustomerProfile(id=f"customer-{key}"))
    return {"id": f"customer-{key}"}


@dataclass(frozen=True)
class Case:
    """One field of the admin graph: the operation it runs, a document calling it, the type it answers when
    the role may, and what to write first (returning the variables)."""

    field: str
    operation: Operation | None
    document: str
    allowed: str
    prepare: Prepare = nothing


def _mutation(field: str, arguments: str, call: str) -> str:
    head = f"mutation({arguments})" if arguments else "mutation"
    inner = f"({call})" if call else ""
    return f"{head} {{ answer: {field}{inner} {{ __typename {PROBLEM} }} }}"


def _query(field: str, arguments: str = "", call: str = "") -> str:
    head = f"query({arguments})" if arguments else "query"
    inner = f"({call})" if call else ""
    return f"{head} {{ answer: {field}{inner} {{ __typename {PROBLEM} }} }}"


def _lifecycle(field: str, operation: Operation, allowed: str, status: Status) -> Case:
    return Case(field, operation, _mutation(field, "$id: String!", "id: $id"), allowed, stored(status))


MATRIX: tuple[Case, ...] = (
    Case("me", None, "query { answer: me { __typename } }", "Me"),
    # READ_CAMPAIGNS
    Case("campaigns", Operation.READ_CAMPAIGNS, _query("campaigns"), "CampaignConnection"),
    Case(
        "campaign",
        Operation.READ_CAMPAIGNS,
        _query("campaign", "$id: String!", "id: $id"),
        "Campaign",
        stored(Status.DRAFT),
    ),
    Case("templates", Operation.READ_CAMPAIGNS, _query("templates"), "TemplateList"),
    # READ_CUSTOMERS
    Case(
        "customer",
        Operation.READ_CUSTOMERS,
        _query("customer", "$id: String!", "id: $id"),
        "Customer360",
        given_customer,
    ),
    Case(
        "segment",
        Operation.READ_CUSTOMERS,
        _query("segment", "$id: String!", "id: $id"),
        "SegmentView",
        a_segment,
    ),
    Case("segments", Operation.READ_CUSTOMERS, _query("segments"), "SegmentList"),
    # WRITE_CUSTOMERS
    Case(
        "upsertCustomer",
        Operation.WRITE_CUSTOMERS,
        _mutation("upsertCustomer", "$customer: CustomerProfileInput!", "customer: $customer"),
        "CustomerSaved",
        given(lambda key: {"customer": {"id": f"customer-{key}", "city": "Ankara"}}),
    ),
    Case(
        "importCustomers",
        Operation.WRITE_CUSTOMERS,
        _mutation("importCustomers", "$data: String!", "format: CSV, data: $data"),
        "ImportDone",
        given(lambda key: {"data": f"id,city\ncustomer-{key},Ankara\n"}),
    ),
    Case(
        "orderPlaced",
        Operation.WRITE_CUSTOMERS,
        _mutation("orderPlaced", "$order: PlacedOrderInput!", "order: $order"),
        "OrderRecorded",
        given(
            lambda key: {
                "order": {
                    "orderId": f"order-{key}",
                    "customerId": f"customer-{key}",
                    "currency": "TRY",
                    "total": "10.00",
                    "at": "2026-01-01T10:00:00+00:00",
                }
            }
        ),
    ),
    # MANAGE_SEGMENTS
    Case(
        "putSegment",
        Operation.MANAGE_SEGMENTS,
        _mutation("putSegment", "$segment: SegmentInput!", "segment: $segment"),
        "SegmentSaved",
        given(lambda key: {"segment": {"id": key, "name": key}}),
    ),
    Case(
        "addSegmentMembers",
        Operation.MANAGE_SEGMENTS,
        _mutation("addSegmentMembers", "$id: String!", 'segmentId: $id, customerIds: ["c-1"]'),
        "SegmentMembersChanged",
        a_segment,
    ),
    Case(
        "removeSegmentMembers",
        Operation.MANAGE_SEGMENTS,
        _mutation("removeSegmentMembers", "$id: String!", 'segmentId: $id, customerIds: ["c-1"]'),
        "SegmentMembersChanged",
        a_segment,
    ),
    Case(
        "importSegmentMembers",
        Operation.MANAGE_SEGMENTS,
        _mutation("importSegmentMembers", "$id: String!", 'segmentId: $id, data: "id\\nc-1\\nc-2\\n"'),
        "SegmentMembersChanged",
        a_segment,
    ),
    Case(
        "recomputeSegments",
        Operation.MANAGE_SEGMENTS,
        _mutation("recomputeSegments", "", ""),
        "SegmentsRecomputed",
    ),
    # MANAGE_PRODUCTS
    Case(
        "upsertProduct",
        Operation.MANAGE_PRODUCTS,
        _mutation("upsertProduct", "$sku: String!", 'product: {sku: $sku, price: "10.00", currency: "TRY"}'),
        "ProductSaved",
        given(lambda key: {"sku": key.upper()}),
    ),
    Case(
        "importProducts",
        Operation.MANAGE_PRODUCTS,
        _mutation("importProducts", "$data: String!", "format: JSONL, data: $data"),
        "ImportDone",
        given(lambda key: {"data": f'{{"sku": "{key.upper()}", "price": "1.00", "currency": "TRY"}}\n'}),
    ),
    # READ_REPORTS
    Case(
        "campaignReport",
        Operation.READ_REPORTS,
        _query(
            "campaignReport",
            "$id: String!, $from: Date!, $to: Date!",
            "campaignId: $id, from: $from, to: $to",
        ),
        "CampaignReportView",
        stored(Status.DRAFT, lambda key: {"id": key, "from": "2026-03-01", "to": "2026-03-31"}),
    ),
    Case(
        "campaignRanking",
        Operation.READ_REPORTS,
        _query("campaignRanking", "$from: Date!, $to: Date!", "from: $from, to: $to"),
        "CampaignRanking",
        given(lambda key: {"from": "2026-03-01", "to": "2026-03-31"}),
    ),
    # WRITE_CAMPAIGNS
    Case(
        "createCampaign",
        Operation.WRITE_CAMPAIGNS,
        _mutation("createCampaign", "$campaign: CampaignInput!", "campaign: $campaign"),
        "CampaignSaved",
        given(lambda key: {"campaign": ten_percent(key)}),
    ),
    Case(
        "createCampaignFromTemplate",
        Operation.WRITE_CAMPAIGNS,
        _mutation("createCampaignFromTemplate", "$id: String!", 'template: "percent10", id: $id'),
        "CampaignSaved",
        given(lambda key: {"id": key}),
    ),
    Case(
        "updateCampaign",
        Operation.WRITE_CAMPAIGNS,
        _mutation("updateCampaign", "$campaign: CampaignInput!", "campaign: $campaign"),
        "CampaignSaved",
        stored(Status.DRAFT, lambda key: {"campaign": ten_percent(key) | {"labels": ["changed"]}}),
    ),
    Case(
        "duplicateCampaign",
        Operation.WRITE_CAMPAIGNS,
        _mutation("duplicateCampaign", "$id: String!, $newId: String!", "id: $id, newId: $newId"),
        "CampaignSaved",
        stored(Status.DRAFT, lambda key: {"id": key, "newId": f"{key}-copy"}),
    ),
    _lifecycle("submitCampaign", Operation.WRITE_CAMPAIGNS, "CampaignSaved", Status.DRAFT),
    Case(
        "preview",
        Operation.WRITE_CAMPAIGNS,
        _query("preview", "$id: String!, $cart: CartInput!", "id: $id, cart: $cart"),
        "Preview",
        stored(Status.DRAFT, lambda key: {"id": key, "cart": CART}),
    ),
    Case(
        "overlaps",
        Operation.WRITE_CAMPAIGNS,
        _query("overlaps", "$id: String!", "id: $id"),
        "OverlapList",
        stored(Status.DRAFT),
    ),
    # PUBLISH
    _lifecycle("publishCampaign", Operation.PUBLISH, "CampaignPublished", Status.DRAFT),
    _lifecycle("pauseCampaign", Operation.PUBLISH, "CampaignSaved", Status.ACTIVE),
    _lifecycle("resumeCampaign", Operation.PUBLISH, "CampaignPublished", Status.PAUSED),
    _lifecycle("endCampaign", Operation.PUBLISH, "CampaignSaved", Status.ACTIVE),
    _lifecycle("archiveCampaign", Operation.PUBLISH, "CampaignSaved", Status.ENDED),
    # APPROVE
    Case(
        "approveCampaign",
        Operation.APPROVE,
        _mutation("approveCampaign", "$id: String!", 'id: $id, comment: "fine"'),
        "CampaignPublished",
        stored(Status.PENDING_APPROVAL),
    ),
    Case(
        "rejectCampaign",
        Operation.APPROVE,
        _mutation("rejectCampaign", "$id: String!", 'id: $id, comment: "not yet"'),
        "CampaignSaved",
        stored(Status.PENDING_APPROVAL),
    ),
    # settings
    Case("settings", Operation.READ_SETTINGS, _query("settings"), "SettingsPayload"),
    Case(
        "updateSettings",
        Operation.WRITE_SETTINGS,
        _mutation("updateSettings", "$settings: SettingsInput!", "settings: $settings"),
        "SettingsSaved",
        given(lambda key: {"settings": {"timezone": "Europe/Istanbul"}}),
    ),
    # codes and coupons
    Case(
        "setCodeEnabled",
        Operation.MANAGE_CODES,
        _mutation("setCodeEnabled", "$code: String!, $enabled: Boolean!", "code: $code, enabled: $enabled"),
        "CodeSwitched",
        a_code,
    ),
    Case(
        "assignCode",
        Operation.MANAGE_CODES,
        _mutation("assignCode", "$code: String!, $customerId: String", "code: $code, customerId: $customerId"),
        "CodeSaved",
        a_code_with(lambda key: {"customerId": f"customer-{key}"}),
    ),
    Case(
        "updateCode",
        Operation.MANAGE_CODES,
        _mutation("updateCode", "$code: String!, $terms: CodeTermsInput!", "code: $code, terms: $terms"),
        "CodeSaved",
        a_code_with(lambda key: {"terms": {"maxUses": 3}}),
    ),
    Case("codes", Operation.READ_CODES, _query("codes"), "ManagedCodeConnection"),
    Case(
        "codeUsage",
        Operation.READ_CODES,
        _query("codeUsage", "$code: String!", "code: $code"),
        "CodeUsage",
        a_code,
    ),
    Case(
        "codeBatch",
        Operation.READ_CODES,
        _query("codeBatch", "$id: String!", "id: $id"),
        "CodeBatch",
        a_code_batch,
    ),
    Case(
        "startCodeBatch",
        Operation.ISSUE_CODES,
        _mutation("startCodeBatch", "$batch: CodeBatchInput!", "batch: $batch"),
        "CodeBatchStarted",
        a_coupon_campaign,
    ),
    Case(
        "createCode",
        Operation.ISSUE_CODES,
        _mutation("createCode", "$code: CodeInput!", "code: $code"),
        "CodeSaved",
        a_coupon_campaign,
    ),
    Case(
        "issueSorryCoupon",
        Operation.ISSUE_SORRY_COUPON,
        _mutation(
            "issueSorryCoupon",
            "$customerId: String!, $amount: String!, $reason: String!",
            "customerId: $customerId, amount: $amount, reason: $reason",
        ),
        "SorryCouponIssued",
        a_customer,
    ),
    # audit
    Case("auditLog", Operation.READ_AUDIT, _query("auditLog"), "AuditRecordConnection"),
    # users and keys
    Case("users", Operation.MANAGE_USERS, _query("users"), "UserList"),
    Case(
        "putUser",
        Operation.MANAGE_USERS,
        _mutation("putUser", "$subject: String!", "subject: $subject, role: ANALYST"),
        "UserSaved",
        given(lambda key: {"subject": f"new-{key}"}),
    ),
    Case("apiKeys", Operation.MANAGE_USERS, _query("apiKeys"), "ApiKeyList"),
    Case(
        "createApiKey",
        Operation.MANAGE_USERS,
        _mutation("createApiKey", "$name: String!", "name: $name, role: ANALYST"),
        "ApiKeyCreated",
        given(lambda key: {"name": key}),
    ),
    Case(
        "revokeApiKey",
        Operation.MANAGE_USERS,
        _mutation("revokeApiKey", "$id: String!", "id: $id"),
        "ApiKeyRevoked",
        an_api_key,
    ),
)


@pytest.fixture
async def matrix_gateway(sqlite_url: str) -> AsyncIterator[Gateway]:
    async with running_gateway(sqlite_url) as running:
        yield running


async def answer(gateway: Gateway, document: str, variables: Variables, token: str) -> dict[str, Any]:
    """The root field's answer of a call (GraphQL errors fail the test)."""
    data = await gateway.data(await gateway.admin(document, variables, token=token))
    found: dict[str, Any] = data["answer"]
    return found


async def call(gateway: Gateway, document: str, variables: Variables, token: str) -> dict[str, Any]:
    """The only root field's answer of a call (GraphQL errors fail the test)."""
    data = await gateway.data(await gateway.admin(document, variables, token=token))
    (found,) = data.values()
    result: dict[str, Any] = found
    return result


async def test_every_role_runs_exactly_the_operations_its_grants_allow_on_every_field_of_the_graph(
    matrix_gateway: Gateway,
) -> None:
    owner = await matrix_gateway.user("olga", Role.OWNER)
    data = await matrix_gateway.data(await matrix_gateway.admin(INTROSPECTION, token=owner))
    graph = {field["name"] for root in data["__schema"].values() for field in root["fields"]}
    fields = {case.field for case in MATRIX}
    assert graph == fields, f"not in the matrix: {sorted(graph - fields)}; not in the graph: {sorted(fields - graph)}"
    assert {case.operation for case in MATRIX if case.operation is not None} == set(Operation) - NOT_IN_GRAPH

    wrong: list[str] = []
    for role in Role:
        subject = f"user-{role.value.lower()}"
        token = await matrix_gateway.user(subject, role)
        for case in MATRIX:
            wrong.extend(await _verdict(matrix_gateway, subject, role, token, case))
    assert not wrong, "\n".join(wrong)


async def _verdict(gateway: Gateway, subject: str, role: Role, token: str, case: Case) -> list[str]:
    """What is wrong with the answer `role` gets for `case` and the audit entries it leaves (nothing when both
    are what GRANTS says: one entry for a mutation it may run, none otherwise)."""
    key = f"{role.value.lower().replace('_', '-')}-{case.field}"
    variables = await case.prepare(gateway, key)
    audit = gateway.pricing.writer.audit
    newest = max((entry.id or 0 for entry in await audit.entries(limit=1)), default=0)
    response = await gateway.admin(case.document, variables, token=token, **{"x-request-id": f"matrix-{key}"})
    got = (await gateway.data(response))["answer"]
    written = [entry for entry in await audit.entries(limit=5) if (entry.id or 0) > newest]
    label = f"({role}, {case.field} [{case.operation or 'everyone'}])"
    granted = case.operation is None or case.operation in GRANTS[role]
    wrong = []
    if granted and got["__typename"] != case.allowed:
        wrong.append(f"{label}: granted, so {case.allowed}; got {got}")
    if not granted and (got["__typename"], got.get("operation"), got.get("role")) != (
        "Forbidden",
        case.operation,
        role,
    ):
        wrong.append(f"{label}: not granted, so Forbidden; got {got}")
    if granted and case.document.startswith("mutation"):
        stamps = [(entry.actor, entry.role, entry.request_id) for entry in written]
        if stamps != [(subject, role.value, f"matrix-{key}")]:
            wrong.append(f"{label}: one audit entry by {subject} under matrix-{key} expected, got {written}")
    elif written:
        wrong.append(f"{label}: nothing written, so no audit entry; got {written}")
    return wrong


# -- junior marketers and approvals -------------------------------------------------------------------------

CREATE = _mutation("createCampaign", "$campaign: CampaignInput!", "campaign: $campaign")
UPDATE = _mutation("updateCampaign", "$campaign: CampaignInput!", "campaign: $campaign").replace(
    "__typename", "__typename ... on ApprovalRequired { campaign { status } }"
)
FROM_TEMPLATE = _mutation(
    "createCampaignFromTemplate", "$id: String!, $template: String!", "template: $template, id: $id"
)
PUBLISH = _mutation("publishCampaign", "$id: String!", "id: $id").replace(
    "__typename",
    "__typename ... on CampaignPublished { campaign { status } } ... on ApprovalRequired { campaign { status } }",
)
RESUME = PUBLISH.replace("publishCampaign", "resumeCampaign")
SUBMIT = _mutation("submitCampaign", "$id: String!", "id: $id")
APPROVE = _mutation("approveCampaign", "$id: String!", 'id: $id, comment: "ok"')
PRICE_CART = (
    "query($cart: ShopperCartInput!) { priceCart(cart: $cart) { __typename ... on PricedCartPayload"
    " { priced { applied { campaignId } } } } }"
)
JUNIOR_CAPS = [
    ({"type": "PERCENTAGE", "value": "25"}, "Forbidden"),
    ({"type": "PERCENTAGE", "value": "20"}, "CampaignSaved"),
    ({"type": "AMOUNT", "value": "250.00"}, "Forbidden"),
    ({"type": "AMOUNT", "value": "200.00"}, "CampaignSaved"),
    ({"type": "AMOUNT", "value": "200.01", "amountMode": "PER_UNIT"}, "Forbidden"),
    ({"type": "PERCENTAGE", "value": "10", "maxDiscount": "200.01"}, "Forbidden"),
    ({"type": "FREE_UNITS", "value": "1"}, "Forbidden"),
    ({"type": "FREE_UNITS", "value": "1", "maxDiscount": "200.00"}, "CampaignSaved"),
]


async def applied(gateway: Gateway) -> list[str]:
    """The campaigns the storefront applies to a cart of two shirts, once the pricing core reloaded."""
    await gateway.pricing.server.catalog.refresh()
    data = await gateway.data(await gateway.storefront(PRICE_CART, {"cart": SHOPPER_CART}, customer="c1"))
    return [entry["campaignId"] for entry in data["priceCart"]["priced"]["applied"]]


async def test_a_junior_marketer_gives_discounts_up_to_the_caps_and_no_further(matrix_gateway: Gateway) -> None:
    junior = await matrix_gateway.user("jale", Role.JUNIOR_MARKETER)
    writer = matrix_gateway.pricing.writer
    wrong: list[str] = []
    for index, (benefit, verdict) in enumerate(JUNIOR_CAPS):
        got = await answer(matrix_gateway, CREATE, {"campaign": campaign_input(f"junior-{index}", benefit)}, junior)
        if got["__typename"] != verdict:
            wrong.append(f"(JUNIOR_MARKETER, createCampaign {benefit}): expected {verdict}, got {got}")
        elif verdict == "Forbidden" and (got["operation"], await writer.campaigns.get(f"junior-{index}")) != (
            "WRITE_CAMPAIGNS",
            None,
        ):
            wrong.append(f"(JUNIOR_MARKETER, createCampaign {benefit}): refused, yet written or not WRITE_CAMPAIGNS")
    assert not wrong, "\n".join(wrong)

    raised = await answer(
        matrix_gateway, UPDATE, {"campaign": campaign_input("junior-1", {"type": "PERCENTAGE", "value": "25"})}, junior
    )
    template = await answer(matrix_gateway, FROM_TEMPLATE, {"id": "t25", "template": "buy4get25percent"}, junior)

    assert (raised["__typename"], template["__typename"]) == ("Forbidden", "Forbidden"), (raised, template)
    assert "at most 20% off" in raised["message"]
    head = await writer.campaigns.get("junior-1")
    assert head is not None
    assert head.version == 1
    assert await writer.campaigns.get("t25") is None


async def test_a_junior_marketer_cannot_publish_and_nothing_they_change_is_live_before_an_approver_says_so(
    matrix_gateway: Gateway,
) -> None:
    junior = await matrix_gateway.user("jale", Role.JUNIOR_MARKETER)
    admin = await matrix_gateway.user("ada", Role.ADMIN)
    await answer(matrix_gateway, CREATE, {"campaign": ten_percent("j10")}, junior)
    live = campaign("live", {"type": "PERCENTAGE", "value": "5"})
    await matrix_gateway.pricing.writer.campaigns.save(live, status=Status.ACTIVE)
    assert await applied(matrix_gateway) == ["live"]

    publish = await answer(matrix_gateway, PUBLISH, {"id": "j10"}, junior)
    take_down = await answer(matrix_gateway, SUBMIT, {"id": "live"}, junior)

    assert (publish["__typename"], publish["operation"]) == ("Forbidden", "PUBLISH")
    assert (take_down["__typename"], take_down["code"]) == ("InvalidTransition", "INVALID_TRANSITION"), "not a pause"
    assert await applied(matrix_gateway) == ["live"]

    submit = await answer(matrix_gateway, SUBMIT, {"id": "j10"}, junior)
    change = await answer(
        matrix_gateway, UPDATE, {"campaign": campaign_input("live", {"type": "PERCENTAGE", "value": "7"})}, junior
    )

    assert submit["__typename"] == "CampaignSaved"
    assert (change["__typename"], change["code"], change["campaign"]["status"]) == (
        "ApprovalRequired",
        "APPROVAL_REQUIRED",
        "PENDING_APPROVAL",
    )
    assert await applied(matrix_gateway) == []

    for campaign_id in ("j10", "live"):
        approved = await answer(matrix_gateway, APPROVE, {"id": campaign_id}, admin)
        assert approved["__typename"] == "CampaignPublished", approved
    assert sorted(await applied(matrix_gateway)) == ["j10", "live"]


async def test_what_a_marketer_publishes_or_resumes_waits_for_an_approver_when_the_settings_say_so(
    matrix_gateway: Gateway,
) -> None:
    marketer = await matrix_gateway.user("mert", Role.MARKETER)
    writer = matrix_gateway.pricing.writer
    settings = await writer.settings.get()
    access = settings.access.model_copy(update={"approval_required": True})
    await writer.settings.update(settings.model_copy(update={"access": access}))
    await writer.campaigns.save(campaign("m10", {"type": "PERCENTAGE", "value": "10"}))
    await writer.campaigns.save(campaign("paused", {"type": "PERCENTAGE", "value": "5"}), status=Status.PAUSED)

    published = await answer(matrix_gateway, PUBLISH, {"id": "m10"}, marketer)
    resumed = await answer(matrix_gateway, RESUME, {"id": "paused"}, marketer)

    for got in (published, resumed):
        assert (got["__typename"], got["campaign"]["status"]) == ("ApprovalRequired", "PENDING_APPROVAL"), got
    assert await applied(matrix_gateway) == []


# -- support ---------------------------------------------------------------------------------------------------

SORRY = (
    "mutation($customer: String!, $amount: String!) { answer: issueSorryCoupon(customerId: $customer, amount: $amount,"
    ' reason: "late delivery") { __typename ... on SorryCouponIssued { code campaignId customerId amount }'
    f" {PROBLEM} }} }}"
)
APPLY_COUPON = (
    "mutation($code: String!, $cart: ShopperCartInput!) { applyCoupon(code: $code, cart: $cart) { __typename"
    " ... on CouponApplied { priced { total discountTotal } } } }"
)
SWITCH = (
    "mutation($code: String!, $enabled: Boolean!) { answer: setCodeEnabled(code: $code, enabled: $enabled)"
    f" {{ __typename ... on CodeSwitched {{ code campaignId enabled }} {PROBLEM} }} }}"
)


async def coupon(gateway: Gateway, code: str, customer: str) -> dict[str, Any]:
    await gateway.pricing.server.catalog.refresh()
    data = await gateway.data(
        await gateway.storefront(APPLY_COUPON, {"code": code, "cart": SHOPPER_CART}, customer=customer)
    )
    found: dict[str, Any] = data["applyCoupon"]
    return found


async def test_support_issues_a_sorry_coupon_up_to_the_cap_that_only_its_customer_can_use(
    matrix_gateway: Gateway,
) -> None:
    support = await matrix_gateway.user("selin", Role.SUPPORT)
    await matrix_gateway.pricing.writer.customers.upsert(CustomerProfile(id="c1"))

    over = await answer(matrix_gateway, SORRY, {"customer": "c1", "amount": "100.01"}, support)
    at_cap = await answer(matrix_gateway, SORRY, {"customer": "c1", "amount": "100.00"}, support)
    unknown = await answer(matrix_gateway, SORRY, {"customer": "nobody", "amount": "10.00"}, support)

    assert (over["__typename"], over["operation"], over["role"]) == ("Forbidden", "ISSUE_SORRY_COUPON", "SUPPORT")
    assert "at most 100.00" in over["message"]
    assert at_cap["__typename"] == "SorryCouponIssued", at_cap
    assert (at_cap["customerId"], at_cap["amount"]) == ("c1", "100.00")
    assert unknown["__typename"] == "ValidationFailed"
    assert await coupon(matrix_gateway, at_cap["code"], "c1") == {
        "__typename": "CouponApplied",
        "priced": {"total": "100.00", "discountTotal": "100.00"},
    }
    assert (await coupon(matrix_gateway, at_cap["code"], "c2"))["__typename"] == "CouponRejected"


async def test_support_disables_a_code_which_then_stops_working_but_cannot_create_campaigns(
    matrix_gateway: Gateway,
) -> None:
    support = await matrix_gateway.user("selin", Role.SUPPORT)
    writer = matrix_gateway.pricing.writer
    welcome = campaign("welcome", {"type": "AMOUNT", "value": "20.00"}, kind="COUPON")
    await writer.campaigns.save(welcome, status=Status.ACTIVE)
    await writer.codes.add([CouponCodeSpec(code="WELCOME20", campaign_id="welcome")])
    assert (await coupon(matrix_gateway, "WELCOME20", "c1"))["__typename"] == "CouponApplied"

    switched = await answer(matrix_gateway, SWITCH, {"code": "welcome20", "enabled": False}, support)
    create = await answer(matrix_gateway, CREATE, {"campaign": ten_percent("support-made")}, support)
    template = await answer(matrix_gateway, FROM_TEMPLATE, {"id": "support-t", "template": "percent10"}, support)

    assert switched == {"__typename": "CodeSwitched", "code": "WELCOME20", "campaignId": "welcome", "enabled": False}
    assert [(got["__typename"], got["operation"]) for got in (create, template)] == [
        ("Forbidden", "WRITE_CAMPAIGNS")
    ] * 2
    assert (await coupon(matrix_gateway, "WELCOME20", "c1"))["__typename"] == "CouponRejected"


# -- analysts --------------------------------------------------------------------------------------------------

UNKNOWN_TARGETS = [
    (_mutation("duplicateCampaign", "$id: String!", 'id: $id, newId: "copy"'), "WRITE_CAMPAIGNS"),
    (_mutation("submitCampaign", "$id: String!", "id: $id"), "WRITE_CAMPAIGNS"),
    (_mutation("publishCampaign", "$id: String!", "id: $id"), "PUBLISH"),
    (_mutation("approveCampaign", "$id: String!", "id: $id"), "APPROVE"),
    (_mutation("revokeApiKey", "$id: String!", "id: $id"), "MANAGE_USERS"),
    (_mutation("setCodeEnabled", "$id: String!", "code: $id, enabled: false"), "MANAGE_CODES"),
]


async def test_an_analyst_reads_campaigns_but_writes_nothing_and_learns_nothing_from_refusals(
    matrix_gateway: Gateway,
) -> None:
    analyst = await matrix_gateway.user("ali", Role.ANALYST)
    await matrix_gateway.pricing.writer.campaigns.save(campaign("seen", {"type": "PERCENTAGE", "value": "10"}))

    listed = await call(
        matrix_gateway, "{ campaigns { ... on CampaignConnection { edges { node { id status } } } } }", {}, analyst
    )
    one = await call(matrix_gateway, '{ campaign(id: "seen") { ... on Campaign { id version } } }', {}, analyst)
    writes = [
        await answer(matrix_gateway, CREATE, {"campaign": ten_percent("analyst-made")}, analyst),
        await answer(matrix_gateway, UPDATE, {"campaign": ten_percent("seen")}, analyst),
        await answer(matrix_gateway, PUBLISH, {"id": "seen"}, analyst),
    ]
    unknown = [
        (await answer(matrix_gateway, document, {"id": "nothing"}, analyst), wanted)
        for document, wanted in UNKNOWN_TARGETS
    ]

    assert listed == {"edges": [{"node": {"id": "seen", "status": "DRAFT"}}]}
    assert one == {"id": "seen", "version": 1}
    assert [write["__typename"] for write in writes] == ["Forbidden"] * 3
    assert [(got["__typename"], got["operation"]) for got, _ in unknown] == [("Forbidden", op) for _, op in unknown]
    head = await matrix_gateway.pricing.writer.campaigns.get("seen")
    assert head is not None
    assert (head.version, head.status) == (1, Status.DRAFT)


# -- who may make whom -----------------------------------------------------------------------------------------

PUT_USER = (
    "mutation($subject: String!, $role: Role!) { answer: putUser(subject: $subject, role: $role)"
    f" {{ __typename {PROBLEM} }} }}"
)
CREATE_KEY = f'mutation($role: Role!) {{ answer: createApiKey(name: "robot", role: $role) {{ __typename {PROBLEM} }} }}'
PUT_USER_RULES = [
    ("olga", "newcomer", Role.OWNER, "UserSaved"),
    ("ada", "newcomer-2", Role.OWNER, "Forbidden"),
    ("ada", "newcomer-3", Role.ADMIN, "UserSaved"),
    ("ada", "otto", Role.ANALYST, "Forbidden"),
    ("olga", "arda", Role.ANALYST, "UserSaved"),
    ("olga", "olga", Role.ADMIN, "Forbidden"),
    ("ada", "ada", Role.OWNER, "Forbidden"),
    ("ada", "ada", Role.MARKETER, "Forbidden"),
    ("mert", "newcomer-4", Role.ANALYST, "Forbidden"),
]
"""(caller, subject, role given, answer): olga and otto are OWNERs, ada and arda ADMINs, mert a MARKETER."""


async def test_nobody_changes_their_own_role_and_only_an_owner_makes_or_changes_an_owner(
    matrix_gateway: Gateway,
) -> None:
    tokens = {
        subject: await matrix_gateway.user(subject, role)
        for subject, role in [
            ("olga", Role.OWNER),
            ("otto", Role.OWNER),
            ("ada", Role.ADMIN),
            ("arda", Role.ADMIN),
            ("mert", Role.MARKETER),
        ]
    }
    users = matrix_gateway.pricing.writer.users
    wrong: list[str] = []
    for caller, subject, role, verdict in PUT_USER_RULES:
        before = await users.get(subject)
        got = await answer(matrix_gateway, PUT_USER, {"subject": subject, "role": role.value}, tokens[caller])
        after = await users.get(subject)
        written = after is not None and after.role is role
        if got["__typename"] != verdict or written != (verdict == "UserSaved") or (not written and after != before):
            wrong.append(f"({caller} makes {subject} a {role}): expected {verdict}, got {got}, stored {after}")
    assert not wrong, "\n".join(wrong)

    by_admin = await answer(matrix_gateway, CREATE_KEY, {"role": "OWNER"}, tokens["ada"])
    by_owner = await answer(matrix_gateway, CREATE_KEY, {"role": "OWNER"}, tokens["olga"])

    assert (by_admin["__typename"], by_admin["operation"]) == ("Forbidden", "MANAGE_USERS")
    assert by_owner["__typename"] == "ApiKeyCreated"
