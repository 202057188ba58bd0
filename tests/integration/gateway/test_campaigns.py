"""The campaign operations of the admin graph end to end over HTTP (SQLite, then PostgreSQL): create, from a
template, update, list and filter, history and diffs, duplicate, the lifecycle, preview, overlaps, settings,
templates, API keys and users; every expected failure a union member with its code."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from domain.access import Role
from domain.documents.catalog import Product
from domain.documents.common import Status
from domain.templates import template_names
from tests.builders import campaign
from tests.integration.gateway.harness import Gateway, admin_token

PROBLEM = "... on Problem { code message } ... on ValidationFailed { errors { pointer message } }"
CAMPAIGN = "id status version author document { id labels kind benefit { type value } schedule { startsAt } }"
SAVED = f"__typename ... on CampaignSaved {{ campaign {{ {CAMPAIGN} }} }} {PROBLEM}"
PUBLISH_RESULTS = frozenset({"publishCampaign", "resumeCampaign", "approveCampaign"})
"""The lifecycle moves that answer CampaignPublished; the others answer CampaignSaved."""
CREATE = f"mutation($campaign: CampaignInput!) {{ createCampaign(campaign: $campaign) {{ {SAVED} }} }}"
UPDATE = f"mutation($campaign: CampaignInput!) {{ updateCampaign(campaign: $campaign) {{ {SAVED} }} }}"
FROM_TEMPLATE = (
    "mutation($template: String!, $id: String!, $overrides: JSON) {"
    f" createCampaignFromTemplate(template: $template, id: $id, overrides: $overrides) {{ {SAVED}"
    " ... on NotFound { kind key } } }"
)
SHOPPER_CART = {
    "lines": [
        {"id": "l1", "sku": "SHIRT", "quantity": 2, "unitPrice": "100.00", "categories": ["shirts"]},
        {"id": "l2", "sku": "SOCKS", "quantity": 1, "unitPrice": "50.00", "categories": ["socks"]},
    ]
}
CART = {"currency": "TRY", "channel": "web", **SHOPPER_CART}
PRICE_CART = (
    "query($cart: ShopperCartInput!) { priceCart(cart: $cart) { ... on PricedCartPayload"
    " { priced { applied { campaignId } } } } }"
)


def lifecycle(field: str, campaign_id: str) -> str:
    success = "CampaignPublished" if field in PUBLISH_RESULTS else "CampaignSaved"
    answer = (
        f"__typename ... on {success} {{ campaign {{ {CAMPAIGN} }} }} ... on InvalidTransition {{ current wanted }}"
    )
    return f'mutation {{ {field}(id: "{campaign_id}") {{ {answer} ... on Problem {{ code message }} }} }}'


def text(value: str) -> list[dict[str, str]]:
    return [{"language": "en", "text": value}]


def document(campaign_id: str, benefit: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A campaign input of the graph: 10% off unless told otherwise."""
    return {
        "id": campaign_id,
        "name": text(campaign_id),
        "benefit": benefit or {"type": "PERCENTAGE", "value": "10"},
        **fields,
    }


async def run(gateway: Gateway, token: str, query: str, **variables: Any) -> Any:
    """The answer of the only root field of `query` (GraphQL errors fail the test)."""
    data = await gateway.data(await gateway.admin(query, variables, token=token))
    (answer,) = data.values()
    return answer


async def owner(gateway: Gateway) -> str:
    return await gateway.user("olga", Role.OWNER)


async def applied(gateway: Gateway) -> list[str]:
    """What the storefront applies now to a cart of shirts and socks (after the pricing core reloaded)."""
    await gateway.pricing.server.catalog.refresh()
    data = await gateway.data(await gateway.storefront(PRICE_CART, {"cart": SHOPPER_CART}, customer="c1"))
    return sorted(entry["campaignId"] for entry in data["priceCart"]["priced"]["applied"])


def pointers(answer: dict[str, Any]) -> list[str]:
    assert answer["__typename"] == "ValidationFailed", answer
    assert answer["code"] == "VALIDATION_FAILED"
    return [error["pointer"] for error in answer["errors"]]


# -- create ----------------------------------------------------------------------------------------------------


async def test_a_campaign_is_created_as_a_draft_and_a_bad_or_repeated_one_is_refused_naming_why(
    gateway: Gateway,
) -> None:
    token = await owner(gateway)

    created = await run(gateway, token, CREATE, campaign=document("shirts20", {"type": "PERCENTAGE", "value": "20"}))
    bad_value = await run(gateway, token, CREATE, campaign=document("bad", {"type": "PERCENTAGE", "value": "150"}))
    bad_money = await run(gateway, token, CREATE, campaign=document("bad", {"type": "AMOUNT", "value": "-5"}))
    with_status = await run(gateway, token, CREATE, campaign=document("bad", status="ACTIVE"))
    again = await run(gateway, token, CREATE, campaign=document("shirts20"))

    assert created["__typename"] == "CampaignSaved"
    assert created["campaign"] | {"document": None} == {
        "id": "shirts20",
        "status": "DRAFT",
        "version": 1,
        "author": "olga",
        "document": None,
    }
    assert created["campaign"]["document"]["benefit"] == {"type": "PERCENTAGE", "value": "20"}
    assert pointers(bad_value) == ["/benefit/value"]
    assert pointers(bad_money) == ["/benefit/value"]
    assert pointers(with_status) == ["/status"]
    assert (again["__typename"], again["code"]) == ("AlreadyExists", "ALREADY_EXISTS")
    assert await gateway.pricing.writer.campaigns.get("bad") is None
    stored = await gateway.pricing.writer.campaigns.get("shirts20")
    assert stored is not None
    assert (stored.version, stored.document.benefit.value) == (1, Decimal(20))


async def test_a_campaign_starts_from_a_template_with_overrides_and_the_templates_are_listed(gateway: Gateway) -> None:
    token = await owner(gateway)
    overrides = {"name": {"en": "Shirts: buy 5, pay 4"}, "target": {"categories": ["shirts"]}, "priority": 5}

    made = await run(gateway, token, FROM_TEMPLATE, template="buy5pay4", id="b5p4-shirts", overrides=overrides)
    unknown = await run(gateway, token, FROM_TEMPLATE, template="nothing-like-it", id="x", overrides=None)
    bad = await run(
        gateway, token, FROM_TEMPLATE, template="percent10", id="x", overrides={"benefit": {"value": "150"}}
    )
    not_an_object = await run(gateway, token, FROM_TEMPLATE, template="percent10", id="x", overrides=[1])
    templates = await run(
        gateway, token, "{ templates { ... on TemplateList { templates { name document { id benefit { type } } } } } }"
    )

    assert made["__typename"] == "CampaignSaved", made
    assert (made["campaign"]["id"], made["campaign"]["status"]) == ("b5p4-shirts", "DRAFT")
    stored = await gateway.pricing.writer.campaigns.get("b5p4-shirts")
    assert stored is not None
    assert stored.document.name == {"en": "Shirts: buy 5, pay 4", "tr": "5 Al 4 Öde"}
    assert (stored.document.target.categories, stored.document.priority) == (["shirts"], 5)
    assert (stored.document.condition.min_quantity, stored.document.benefit.calculation) == (5, "BUY_X_GET_Y")
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "NOT_FOUND")
    assert (unknown["kind"], unknown["key"]) == ("template", "nothing-like-it")
    assert pointers(bad) == ["/benefit/value"]
    assert pointers(not_an_object) == ["/overrides"]
    assert [template["name"] for template in templates["templates"]] == template_names()
    by_name = {template["name"]: template["document"] for template in templates["templates"]}
    assert by_name["buy5pay4"] == {"id": "buy5pay4", "benefit": {"type": "FREE_UNITS"}}


# -- update, history, diff, duplicate --------------------------------------------------------------------------

HISTORY = (
    "query($id: String!, $from: Int!, $to: Int) { campaign(id: $id) { __typename ... on Campaign { id version"
    " versions { version status author document { benefit { value } labels } }"
    " diff(fromVersion: $from, toVersion: $to) { __typename ... on VersionDiff { fromVersion toVersion"
    " changes { pointer before after } } ... on NotFound { code key } } } ... on NotFound { code key } } }"
)


async def test_each_update_is_a_new_version_whose_history_and_diff_are_read_back(gateway: Gateway) -> None:
    token = await owner(gateway)
    marketer = await gateway.user("mert", Role.MARKETER)
    await run(gateway, token, CREATE, campaign=document("sale", labels=["summer"]))

    updated = await run(
        gateway,
        marketer,
        UPDATE,
        campaign=document("sale", {"type": "PERCENTAGE", "value": "15"}, labels=["summer", "shirts"]),
    )
    unknown = await run(gateway, token, UPDATE, campaign=document("nothing"))
    invalid = await run(gateway, token, UPDATE, campaign=document("sale", {"type": "PERCENTAGE", "value": "abc"}))
    history = await run(gateway, token, HISTORY, id="sale", **{"from": 1, "to": 2})
    latest = await run(gateway, token, HISTORY, id="sale", **{"from": 1})
    missing_version = await run(gateway, token, HISTORY, id="sale", **{"from": 1, "to": 7})
    missing = await run(gateway, token, HISTORY, id="nothing", **{"from": 1})

    assert updated["__typename"] == "CampaignSaved"
    assert (updated["campaign"]["version"], updated["campaign"]["status"], updated["campaign"]["author"]) == (
        2,
        "DRAFT",
        "mert",
    )
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "NOT_FOUND")
    assert pointers(invalid) == ["/benefit/value"]
    assert history["version"] == 2
    assert history["versions"] == [
        {
            "version": 1,
            "status": "DRAFT",
            "author": "olga",
            "document": {"benefit": {"value": "10"}, "labels": ["summer"]},
        },
        {
            "version": 2,
            "status": "DRAFT",
            "author": "mert",
            "document": {"benefit": {"value": "15"}, "labels": ["summer", "shirts"]},
        },
    ]
    assert history["diff"] == {
        "__typename": "VersionDiff",
        "fromVersion": 1,
        "toVersion": 2,
        "changes": [
            {"pointer": "/labels", "before": ["summer"], "after": ["summer", "shirts"]},
            {"pointer": "/benefit/value", "before": "10", "after": "15"},
        ],
    }
    assert latest["diff"]["toVersion"] == 2
    assert missing_version["diff"] == {"__typename": "NotFound", "code": "NOT_FOUND", "key": "sale@7"}
    assert missing == {"__typename": "NotFound", "code": "NOT_FOUND", "key": "nothing"}


async def test_a_campaign_is_duplicated_as_a_new_draft(gateway: Gateway) -> None:
    token = await owner(gateway)
    await run(gateway, token, CREATE, campaign=document("original", labels=["x"]))
    await run(gateway, token, lifecycle("publishCampaign", "original"))
    duplicate = (
        "mutation($id: String!, $newId: String!) { duplicateCampaign(id: $id, newId: $newId) { " + SAVED + " } }"
    )

    copy = await run(gateway, token, duplicate, id="original", newId="copy")
    again = await run(gateway, token, duplicate, id="original", newId="copy")
    unknown = await run(gateway, token, duplicate, id="nothing", newId="copy-2")

    assert copy["__typename"] == "CampaignSaved"
    assert copy["campaign"] | {"document": None} == {
        "id": "copy",
        "status": "DRAFT",
        "version": 1,
        "author": "olga",
        "document": None,
    }
    assert copy["campaign"]["document"]["labels"] == ["x"]
    assert (again["__typename"], unknown["__typename"]) == ("AlreadyExists", "NotFound")
    original = await gateway.pricing.writer.campaigns.get("original")
    assert original is not None
    assert original.status is Status.ACTIVE


# -- list, filters, pages --------------------------------------------------------------------------------------

LIST = (
    "query($filter: CampaignFilter, $first: Int, $after: String) { campaigns(filter: $filter, first: $first,"
    " after: $after) { __typename ... on CampaignConnection { totalCount edges { cursor node { id } }"
    " pageInfo { hasNextPage endCursor } } " + PROBLEM + " } }"
)


async def seed_for_filters(gateway: Gateway) -> None:
    writer = gateway.pricing.writer
    shirts = campaign(
        "a-shirts",
        {"type": "PERCENTAGE", "value": "10"},
        name={"en": "Shirt sale", "tr": "Gömlek indirimi"},
        labels=["Sepette otomatik"],
        audience={"channels": ["web"]},
        schedule={"starts_at": "2026-01-01T00:00:00+03:00", "ends_at": "2026-02-01T00:00:00+03:00"},
    )
    welcome = campaign(
        "b-coupon",
        {"type": "AMOUNT", "value": "20.00"},
        name={"en": "Welcome gift"},
        kind="COUPON",
        labels=["welcome"],
        audience={"channels": ["mobile"]},
    )
    free = campaign(
        "c-free",
        {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
        name={"en": "Buy 5, pay 4"},
        condition={"min_quantity": 5},
        schedule={"starts_at": "2026-03-01T00:00:00+03:00"},
    )
    old = campaign(
        "d-ended",
        {"type": "PERCENTAGE", "value": "5"},
        name={"en": "Old sale"},
        schedule={"ends_at": "2025-12-01T00:00:00+03:00"},
    )
    for stored, status in [
        (shirts, Status.ACTIVE),
        (welcome, Status.DRAFT),
        (free, Status.PAUSED),
        (old, Status.ENDED),
    ]:
        await writer.campaigns.save(stored, status=status)


FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ["a-shirts", "b-coupon", "c-free", "d-ended"]),
    ({"statuses": ["ACTIVE", "PAUSED"]}, ["a-shirts", "c-free"]),
    ({"kind": "COUPON"}, ["b-coupon"]),
    ({"benefitType": "PERCENTAGE"}, ["a-shirts", "d-ended"]),
    ({"label": "welcome"}, ["b-coupon"]),
    ({"channel": "WEB"}, ["a-shirts", "c-free", "d-ended"]),
    ({"text": "sale"}, ["a-shirts", "d-ended"]),
    ({"text": "COUPON"}, ["b-coupon"]),
    ({"liveFrom": "2026-01-15T00:00:00Z"}, ["a-shirts", "b-coupon", "c-free"]),
    ({"liveUntil": "2026-02-15T00:00:00Z"}, ["a-shirts", "b-coupon", "d-ended"]),
    ({"liveFrom": "2026-01-15T00:00:00Z", "liveUntil": "2026-02-15T00:00:00Z"}, ["a-shirts", "b-coupon"]),
    ({"kind": "AUTOMATIC", "benefitType": "PERCENTAGE", "text": "sale", "statuses": ["ENDED"]}, ["d-ended"]),
]


async def test_the_campaign_list_is_filtered_by_each_criterion_and_all_of_them_together(gateway: Gateway) -> None:
    token = await gateway.user("ali", Role.ANALYST)
    await seed_for_filters(gateway)

    wrong = []
    for wanted, expected in FILTERS:
        found = await run(gateway, token, LIST, filter=wanted)
        ids = [edge["node"]["id"] for edge in found["edges"]]
        if ids != expected or found["totalCount"] != len(expected):
            wrong.append(f"filter {wanted}: expected {expected}, got {ids} (total {found['totalCount']})")
    assert not wrong, "\n".join(wrong)


async def test_the_campaign_list_pages_by_cursor_and_refuses_a_cursor_it_did_not_give(gateway: Gateway) -> None:
    token = await gateway.user("ali", Role.ANALYST)
    await seed_for_filters(gateway)

    first = await run(gateway, token, LIST, first=3)
    rest = await run(gateway, token, LIST, first=3, after=first["pageInfo"]["endCursor"])
    garbage = await run(gateway, token, LIST, after="%%% not base64 %%%")
    foreign = await run(gateway, token, LIST, after=base64.urlsafe_b64encode(b"zzz-unknown").decode())

    assert [edge["node"]["id"] for edge in first["edges"]] == ["a-shirts", "b-coupon", "c-free"]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (4, True)
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    assert [edge["node"]["id"] for edge in rest["edges"]] == ["d-ended"]
    assert rest["pageInfo"] == {"hasNextPage": False, "endCursor": rest["edges"][0]["cursor"]}
    assert pointers(garbage) == ["/after"]
    assert pointers(foreign) == ["/after"]


# -- the lifecycle ---------------------------------------------------------------------------------------------


async def test_a_campaign_goes_live_pauses_resumes_ends_and_is_archived_and_the_storefront_follows(
    gateway: Gateway,
) -> None:
    token = await owner(gateway)
    await run(gateway, token, CREATE, campaign=document("life"))
    steps = [
        ("publishCampaign", "CampaignPublished", "ACTIVE", ["life"]),
        ("pauseCampaign", "CampaignSaved", "PAUSED", []),
        ("resumeCampaign", "CampaignPublished", "ACTIVE", ["life"]),
        ("endCampaign", "CampaignSaved", "ENDED", []),
        ("archiveCampaign", "CampaignSaved", "ARCHIVED", []),
    ]

    for field, typename, status, live in steps:
        got = await run(gateway, token, lifecycle(field, "life"))
        assert (got["__typename"], got["campaign"]["status"]) == (typename, status), (field, got)
        assert await applied(gateway) == live, field

    history = await gateway.pricing.writer.campaigns.history("life")
    assert [stored.status for stored in history] == [
        Status.DRAFT,
        Status.ACTIVE,
        Status.PAUSED,
        Status.ACTIVE,
        Status.ENDED,
        Status.ARCHIVED,
    ]


async def test_a_campaign_that_starts_later_is_scheduled_and_a_move_the_lifecycle_forbids_is_refused(
    gateway: Gateway,
) -> None:
    token = await owner(gateway)
    later = {"startsAt": "2099-01-01T00:00:00+03:00"}
    await run(gateway, token, CREATE, campaign=document("later", schedule=later))
    await run(gateway, token, CREATE, campaign=document("now"))
    await run(gateway, token, lifecycle("publishCampaign", "now"))

    scheduled = await run(gateway, token, lifecycle("publishCampaign", "later"))
    archive_live = await run(gateway, token, lifecycle("archiveCampaign", "now"))
    resume_live = await run(gateway, token, lifecycle("resumeCampaign", "now"))
    approve_live = await run(gateway, token, lifecycle("approveCampaign", "now"))
    submit_live = await run(gateway, token, lifecycle("submitCampaign", "now"))
    unknown = await run(gateway, token, lifecycle("pauseCampaign", "nothing"))

    assert (scheduled["__typename"], scheduled["campaign"]["status"]) == ("CampaignPublished", "SCHEDULED")
    assert scheduled["campaign"]["document"]["schedule"]["startsAt"].startswith("2099-01-01")
    assert await applied(gateway) == ["now"]
    assert (archive_live["__typename"], archive_live["code"]) == ("InvalidTransition", "INVALID_TRANSITION")
    assert (archive_live["current"], archive_live["wanted"]) == ("ACTIVE", "ARCHIVED")
    assert (resume_live["__typename"], approve_live["__typename"]) == ("CampaignPublished", "InvalidTransition")
    assert approve_live["current"] == "ACTIVE"
    assert (submit_live["__typename"], submit_live["current"], submit_live["wanted"]) == (
        "InvalidTransition",
        "ACTIVE",
        "PENDING_APPROVAL",
    )
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "NOT_FOUND")
    head = await gateway.pricing.writer.campaigns.get("now")
    assert head is not None
    assert (head.status, head.version) == (Status.ACTIVE, 3)


# -- preview and overlaps --------------------------------------------------------------------------------------

PREVIEW = (
    "query($cart: CartInput!, $campaign: CampaignInput, $id: String) { preview(cart: $cart, campaign: $campaign,"
    " id: $id) { __typename ... on Preview { catalogVersion priced { total discountTotal"
    " applied { campaignId discount } explain { stage campaignId message } } } " + PROBLEM + " } }"
)


async def test_a_draft_is_previewed_on_a_sample_cart_next_to_the_live_campaigns_and_nothing_goes_live(
    gateway: Gateway,
) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    writer = gateway.pricing.writer
    await writer.campaigns.save(campaign("live-5", {"type": "AMOUNT", "value": "5.00"}), status=Status.ACTIVE)
    await writer.campaigns.save(campaign("stored-draft", {"type": "PERCENTAGE", "value": "50"}))
    await gateway.pricing.server.catalog.refresh()
    draft = document("draft-shirts", {"type": "PERCENTAGE", "value": "20"}, target={"categories": ["shirts"]})
    version = await writer.catalog_version()

    by_document = await run(gateway, token, PREVIEW, cart=CART, campaign=draft)
    by_id = await run(gateway, token, PREVIEW, cart=CART, id="stored-draft")
    neither = await run(gateway, token, PREVIEW, cart=CART)
    both = await run(gateway, token, PREVIEW, cart=CART, campaign=draft, id="stored-draft")
    unknown = await run(gateway, token, PREVIEW, cart=CART, id="nothing")
    bad_cart = await run(
        gateway, token, PREVIEW, cart=CART | {"lines": [SHOPPER_CART["lines"][0] | {"quantity": -1}]}, campaign=draft
    )
    bad_draft = await run(
        gateway, token, PREVIEW, cart=CART, campaign=document("x", {"type": "PERCENTAGE", "value": "150"})
    )

    assert by_document["__typename"] == "Preview", by_document
    priced = by_document["priced"]
    assert priced["applied"] == [
        {"campaignId": "draft-shirts", "discount": "40.00"},
        {"campaignId": "live-5", "discount": "5.00"},
    ]
    assert (priced["discountTotal"], priced["total"]) == ("45.00", "205.00")
    assert priced["explain"], "the preview carries the evaluation trace"
    assert "draft-shirts" in {entry["campaignId"] for entry in priced["explain"]}
    assert by_document["catalogVersion"] == version
    assert [entry["campaignId"] for entry in by_id["priced"]["applied"]] == ["stored-draft", "live-5"]
    assert pointers(neither) == pointers(both) == ["/campaign"]
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "NOT_FOUND")
    assert pointers(bad_cart) == ["/lines/0/quantity"]
    assert pointers(bad_draft) == ["/benefit/value"]
    assert await writer.campaigns.get("draft-shirts") is None
    stored_draft = await writer.campaigns.get("stored-draft")
    assert stored_draft is not None
    assert (stored_draft.status, stored_draft.version) == (Status.DRAFT, 1)
    assert await writer.catalog_version() == version
    assert await applied(gateway) == ["live-5"]


OVERLAPS = (
    "query($campaign: CampaignInput, $id: String) { overlaps(campaign: $campaign, id: $id) { __typename"
    " ... on OverlapList { overlaps { campaignId shared outcome detail certain } } " + PROBLEM + " } }"
)


async def test_the_overlap_check_lists_the_live_campaigns_on_the_same_products_with_what_the_policy_does(
    gateway: Gateway,
) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    writer = gateway.pricing.writer
    shirts = {"categories": ["shirts"]}
    for stored, status in [
        (campaign("shirts-live", {"type": "AMOUNT", "value": "10.00"}, target=shirts), Status.ACTIVE),
        (
            campaign("shirts-alone", {"type": "AMOUNT", "value": "5.00"}, target=shirts, exclusive=True),
            Status.SCHEDULED,
        ),
        (campaign("socks-live", {"type": "AMOUNT", "value": "10.00"}, target={"categories": ["socks"]}), Status.ACTIVE),
        (campaign("shirts-paused", {"type": "AMOUNT", "value": "10.00"}, target=shirts), Status.PAUSED),
        (campaign("shirts-draft", {"type": "PERCENTAGE", "value": "20"}, target=shirts), Status.DRAFT),
    ]:
        await writer.campaigns.save(stored, status=status)
    draft = document("new-shirts", {"type": "PERCENTAGE", "value": "15"}, target=shirts)

    by_document = await run(gateway, token, OVERLAPS, campaign=draft)
    by_id = await run(gateway, token, OVERLAPS, id="shirts-draft")
    other_channel = await run(gateway, token, OVERLAPS, campaign=draft | {"audience": {"channels": ["mobile"]}})
    unknown = await run(gateway, token, OVERLAPS, id="nothing")

    found = by_document["overlaps"]
    assert [(entry["campaignId"], entry["outcome"], entry["certain"]) for entry in found] == [
        ("shirts-alone", "EXCLUSIVE", True),
        ("shirts-live", "STACK", True),
    ]
    assert all(entry["shared"] == ["category shirts"] for entry in found)
    assert "shirts-alone is exclusive" in found[0]["detail"]
    assert [entry["campaignId"] for entry in by_id["overlaps"]] == ["shirts-alone", "shirts-live"]
    assert [entry["campaignId"] for entry in other_channel["overlaps"]] == ["shirts-alone", "shirts-live"]
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "NOT_FOUND")


# -- settings --------------------------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "policy { stacking phaseOrder rounding } currency timezone returns"
    " access { approvalRequired juniorMaxPercent juniorMaxAmount supportMaxCoupon }"
)
READ_SETTINGS = f"{{ settings {{ __typename ... on SettingsPayload {{ settings {{ {SETTINGS_FIELDS} }} }} }} }}"
UPDATE_SETTINGS = (
    "mutation($settings: SettingsInput!) { updateSettings(settings: $settings) { __typename"
    f" ... on SettingsSaved {{ settings {{ {SETTINGS_FIELDS} }} }} {PROBLEM} }} }}"
)


async def test_the_tenant_settings_are_read_and_changed_field_by_field_and_a_bad_value_is_refused(
    gateway: Gateway,
) -> None:
    token = await owner(gateway)
    junior = await gateway.user("jale", Role.JUNIOR_MARKETER)

    defaults = await run(gateway, token, READ_SETTINGS)
    saved = await run(
        gateway,
        token,
        UPDATE_SETTINGS,
        settings={"policy": {"stacking": "BEST"}, "access": {"approvalRequired": True, "juniorMaxPercent": "15"}},
    )
    rounded = await run(gateway, token, UPDATE_SETTINGS, settings={"policy": {"rounding": "DOWN"}})
    bad_zone = await run(gateway, token, UPDATE_SETTINGS, settings={"timezone": "Mars/Olympus_Mons"})
    bad_cap = await run(gateway, token, UPDATE_SETTINGS, settings={"access": {"juniorMaxPercent": "150"}})
    bad_currency = await run(gateway, token, UPDATE_SETTINGS, settings={"currency": "XXQ"})
    after = await run(gateway, token, READ_SETTINGS)
    junior_20 = await run(gateway, junior, CREATE, campaign=document("j20", {"type": "PERCENTAGE", "value": "20"}))

    assert defaults["settings"] == {
        "policy": {
            "stacking": "STACK",
            "phaseOrder": ["FREE_UNITS", "FIXED_PRICE", "PERCENTAGE", "AMOUNT", "FREE_SHIPPING"],
            "rounding": "HALF_UP",
        },
        "currency": "TRY",
        "timezone": "Europe/Istanbul",
        "returns": "FULL_RETURN",
        "access": {
            "approvalRequired": False,
            "juniorMaxPercent": "20",
            "juniorMaxAmount": "200.00",
            "supportMaxCoupon": "100.00",
        },
    }
    expected = defaults["settings"] | {
        "policy": defaults["settings"]["policy"] | {"stacking": "BEST"},
        "access": defaults["settings"]["access"] | {"approvalRequired": True, "juniorMaxPercent": "15"},
    }
    assert saved == {"__typename": "SettingsSaved", "settings": expected}
    assert pointers(bad_zone) == ["/timezone"]
    assert pointers(bad_cap) == ["/access/junior_max_percent"]
    assert pointers(bad_currency) == ["/currency"]
    expected["policy"] = expected["policy"] | {"rounding": "DOWN"}
    assert rounded == {"__typename": "SettingsSaved", "settings": expected}, "the policy's other fields stay"
    assert after == {"__typename": "SettingsPayload", "settings": expected}
    assert junior_20["__typename"] == "Forbidden"
    stored = await gateway.pricing.writer.settings.get()
    assert stored.access.approval_required is True


# -- API keys and users ----------------------------------------------------------------------------------------

CREATE_KEY = (
    "mutation($name: String!, $role: Role!) { createApiKey(name: $name, role: $role) { __typename"
    " ... on ApiKeyCreated { secret key { id name role createdBy revokedAt } } " + PROBLEM + " } }"
)
REVOKE_KEY = (
    "mutation($id: String!) { revokeApiKey(id: $id) { __typename ... on ApiKeyRevoked { key { id revokedAt } }"
    " ... on Problem { code message } } }"
)
ME = "{ me { subject role operations } }"


async def test_an_api_key_works_as_a_credential_until_it_is_revoked(gateway: Gateway) -> None:
    token = await owner(gateway)

    created = await run(gateway, token, CREATE_KEY, name="ci", role="MARKETER")
    empty_name = await run(gateway, token, CREATE_KEY, name="  ", role="MARKETER")
    secret, key = created["secret"], created["key"]
    listed = await run(
        gateway, token, "{ apiKeys { ... on ApiKeyList { keys { id name role createdBy revokedAt } } } }"
    )
    me = await run(gateway, secret, ME)
    made = await run(gateway, secret, CREATE, campaign=document("by-robot"))
    revoked = await run(gateway, token, REVOKE_KEY, id=key["id"])
    after = await gateway.admin(ME, token=secret)
    again = await run(gateway, token, REVOKE_KEY, id=key["id"])
    unknown = await run(gateway, token, REVOKE_KEY, id="nothing")

    assert created["__typename"] == "ApiKeyCreated"
    assert secret.startswith("kmp_")
    assert (key["name"], key["role"], key["createdBy"], key["revokedAt"]) == ("ci", "MARKETER", "olga", None)
    assert pointers(empty_name) == ["/name"]
    assert listed["keys"] == [key]
    assert (me["subject"], me["role"]) == (f"apikey:{key['id']}", "MARKETER")
    assert "PUBLISH" in me["operations"]
    assert made["campaign"]["author"] == f"apikey:{key['id']}"
    assert revoked["__typename"] == "ApiKeyRevoked"
    assert revoked["key"]["revokedAt"] is not None
    assert after.status_code == 401
    assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert again["key"]["revokedAt"] == revoked["key"]["revokedAt"]
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "NOT_FOUND")
    assert await gateway.pricing.writer.audit.entries(target_id="nothing") == []


PUT_USER = (
    "mutation($subject: String!, $role: Role!, $email: String, $disabled: Boolean! = false) {"
    " putUser(subject: $subject, role: $role, email: $email, disabled: $disabled) { __typename"
    " ... on UserSaved { user { subject email role disabled } } " + PROBLEM + " } }"
)


async def test_an_owner_adds_people_who_can_then_sign_in_until_they_are_disabled(gateway: Gateway) -> None:
    token = await owner(gateway)

    added = await run(gateway, token, PUT_USER, subject="mia", role="ANALYST", email="mia@example.com")
    promoted = await run(gateway, token, PUT_USER, subject="mia", role="MARKETER", email="mia@example.com")
    blank = await run(gateway, token, PUT_USER, subject=" ", role="ANALYST")
    users = await run(gateway, token, "{ users { ... on UserList { users { subject role email disabled } } } }")
    mia = await run(gateway, admin_token("mia"), ME)
    stranger = await gateway.admin(ME, token=admin_token("nobody"))
    disabled = await run(gateway, token, PUT_USER, subject="mia", role="MARKETER", disabled=True)
    after = await gateway.admin(ME, token=admin_token("mia"))

    assert added["user"] == {"subject": "mia", "email": "mia@example.com", "role": "ANALYST", "disabled": False}
    assert promoted["user"]["role"] == "MARKETER"
    assert pointers(blank) == ["/subject"]
    assert users["users"] == [
        {"subject": "mia", "role": "MARKETER", "email": "mia@example.com", "disabled": False},
        {"subject": "olga", "role": "OWNER", "email": None, "disabled": False},
    ]
    assert (mia["subject"], mia["role"]) == ("mia", "MARKETER")
    assert stranger.status_code == 401
    assert disabled["user"]["disabled"] is True
    assert after.status_code == 401


async def test_a_target_no_product_of_the_catalog_carries_is_a_warning_of_the_overlap_check(
    gateway: Gateway,
) -> None:
    token = await gateway.user("mert", Role.MARKETER)
    query = (
        "query($campaign: CampaignInput) { overlaps(campaign: $campaign) { __typename"
        " ... on OverlapList { overlaps { campaignId } warnings { dimension value message } } } }"
    )
    draft = document(
        "odd-target",
        {"type": "PERCENTAGE", "value": "15"},
        target={"skus": ["SHIRT-1", "GHOST"], "categories": ["shirts", "hats"], "collections": ["summer", "winter"]},
    )
    before = await run(gateway, token, query, campaign=draft)
    for product in [
        Product(sku="SHIRT-1", categories=["shirts"], collections=["summer"], price="10.00", currency="TRY"),
        Product(sku="SOCK-1", categories=["socks"], brand="acme", price="5.00", currency="TRY"),
    ]:
        await gateway.pricing.writer.products.upsert(product)

    after = await run(gateway, token, query, campaign=draft)

    assert before == {"__typename": "OverlapList", "overlaps": [], "warnings": []}
    assert [(entry["dimension"], entry["value"]) for entry in after["warnings"]] == [
        ("skus", "GHOST"),
        ("categories", "hats"),
        ("collections", "winter"),
    ]
    assert after["warnings"][1]["message"] == "category 'hats' matches no product of the catalog"
