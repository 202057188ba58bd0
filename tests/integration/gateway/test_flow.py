"""The approval flow end to end over HTTP on PostgreSQL and Redis, with a real pricing core: an owner requires
approvals, a marketer makes a campaign from a template and submits it, an admin approves it, and within
200 ms the storefront prices carts with it and offers it; the audit log tells the whole story."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from domain.access import Role
from tests.integration.gateway.harness import Gateway, running_gateway

CAMPAIGN = "id status version author"
PROBLEM = "... on Problem { code message }"
UPDATE_SETTINGS = (
    "mutation($settings: SettingsInput!) { updateSettings(settings: $settings) { __typename"
    f" ... on SettingsSaved {{ settings {{ access {{ approvalRequired }} }} }} {PROBLEM} }} }}"
)
FROM_TEMPLATE = (
    'mutation($id: String!, $overrides: JSON) { createCampaignFromTemplate(template: "percent15", id: $id,'
    f" overrides: $overrides) {{ __typename ... on CampaignSaved {{ campaign {{ {CAMPAIGN} }} }} {PROBLEM} }} }}"
)
SUBMIT = (
    "mutation($id: String!) { submitCampaign(id: $id) { __typename"
    f" ... on CampaignSaved {{ campaign {{ {CAMPAIGN} }} }} {PROBLEM} }} }}"
)
PUBLISH_RESULT = (
    f"__typename ... on CampaignPublished {{ campaign {{ {CAMPAIGN} }} }}"
    f" ... on ApprovalRequired {{ code campaign {{ {CAMPAIGN} }} }} {PROBLEM}"
)
APPROVE = (
    f"mutation($id: String!, $comment: String) {{ approveCampaign(id: $id, comment: $comment) {{ {PUBLISH_RESULT} }} }}"
)
PUBLISH = f"mutation($id: String!) {{ publishCampaign(id: $id) {{ {PUBLISH_RESULT} }} }}"
REJECT = (
    "mutation($id: String!, $comment: String!) { rejectCampaign(id: $id, comment: $comment) { __typename"
    f" ... on CampaignSaved {{ campaign {{ {CAMPAIGN} }} }} {PROBLEM} }} }}"
)
UPDATE = (
    "mutation($campaign: CampaignInput!) { updateCampaign(campaign: $campaign) { __typename"
    f" ... on CampaignSaved {{ campaign {{ {CAMPAIGN} }} }}"
    f" ... on ApprovalRequired {{ code campaign {{ {CAMPAIGN} }} }} {PROBLEM} }} }}"
)
AUDIT = (
    "query($actor: String, $target: String, $since: DateTime, $until: DateTime, $first: Int, $after: String) {"
    " auditLog(actor: $actor, targetId: $target, since: $since, until: $until, first: $first, after: $after) {"
    " __typename ... on AuditRecordConnection { totalCount pageInfo { hasNextPage endCursor } edges { node {"
    " id at actor role action targetType targetId before after requestId } } } } }"
)
STOREFRONT = (
    "query($cart: ShopperCartInput!) {"
    " priceCart(cart: $cart) { ... on PricedCartPayload { priced { total applied { campaignId discount } } } }"
    " offers { ... on OfferList { offers { campaignId name labels } } } }"
)
SHIRTS = {"lines": [{"id": "l1", "sku": "SHIRT", "quantity": 2, "unitPrice": "100.00", "categories": ["shirts"]}]}
OVERRIDES = {
    "name": {"en": "Autumn shirts: 15% off", "tr": "Sonbahar gömlekleri: %15 indirim"},
    "labels": ["autumn"],
    "target": {"categories": ["shirts"]},
    "audience": {"channels": ["web"]},
}
WITHIN = 0.200


async def admin(gateway: Gateway, token: str, query: str, request_id: str | None = None, **variables: Any) -> Any:
    """The only root field's answer; with `request_id`, sent as x-request-id (and echoed back)."""
    headers = {"x-request-id": request_id} if request_id else {}
    response = await gateway.admin(query, variables, token=token, **headers)
    if request_id:
        assert response.headers["x-request-id"] == request_id
    (answer,) = (await gateway.data(response)).values()
    return answer


async def storefront(gateway: Gateway) -> tuple[list[str], list[str]]:
    """The campaigns the web storefront applies to two shirts, and those it offers (customer c1)."""
    data = await gateway.data(await gateway.storefront(STOREFRONT, {"cart": SHIRTS}, customer="c1"))
    applied = [entry["campaignId"] for entry in data["priceCart"]["priced"]["applied"]]
    return applied, [offer["campaignId"] for offer in data["offers"]["offers"]]


async def live_after_reload(gateway: Gateway) -> tuple[list[str], list[str]]:
    await gateway.pricing.server.catalog.refresh()
    return await storefront(gateway)


async def seconds_until_priced_and_offered(
    gateway: Gateway, campaign_id: str, *, timeout: float
) -> tuple[float, float]:
    """Poll the storefront every few ms; return the seconds until `campaign_id` applied, and until offered."""
    started = time.perf_counter()
    priced_at = offered_at = None
    while time.perf_counter() - started < timeout:
        applied, offered = await storefront(gateway)
        now = time.perf_counter() - started
        if priced_at is None and campaign_id in applied:
            priced_at = now
        if offered_at is None and campaign_id in offered:
            offered_at = now
        if priced_at is not None and offered_at is not None:
            return priced_at, offered_at
        await asyncio.sleep(0.003)
    raise AssertionError(f"{campaign_id} not priced ({priced_at}) and offered ({offered_at}) within {timeout} s")


async def require_approvals(gateway: Gateway, owner: str, request_id: str | None = None) -> None:
    saved = await admin(gateway, owner, UPDATE_SETTINGS, request_id, settings={"access": {"approvalRequired": True}})
    assert saved == {"__typename": "SettingsSaved", "settings": {"access": {"approvalRequired": True}}}


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    assert connection["__typename"] == "AuditRecordConnection", connection
    return [edge["node"] for edge in connection["edges"]]


def story(entries: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(entry["action"], entry["actor"], entry["role"], entry["requestId"]) for entry in entries]


async def test_a_marketers_campaign_from_a_template_goes_live_within_200_ms_of_an_admins_approval(
    postgres_url: str, redis_url: str
) -> None:
    async with running_gateway(postgres_url, redis_url=redis_url) as gateway:
        # given an owner who requires approvals, a marketer and an admin
        began = datetime.now(UTC)
        owner = await gateway.user("olga", Role.OWNER)
        marketer = await gateway.user("mert", Role.MARKETER)
        approver = await gateway.user("ada", Role.ADMIN)
        await require_approvals(gateway, owner, "req-settings")

        # when the marketer makes a campaign from a template and submits it
        created = await admin(gateway, marketer, FROM_TEMPLATE, "req-create", id="autumn", overrides=OVERRIDES)
        submitted = await admin(gateway, marketer, SUBMIT, "req-submit", id="autumn")

        # then it waits, not live
        assert created["campaign"] == {"id": "autumn", "status": "DRAFT", "version": 1, "author": "mert"}
        assert submitted["campaign"]["status"] == "PENDING_APPROVAL"
        assert await live_after_reload(gateway) == ([], [])

        # when an admin approves it, then within 200 ms the storefront prices with it and offers it
        approved = await admin(gateway, approver, APPROVE, "req-approve", id="autumn", comment="Looks good")
        priced_in, offered_in = await seconds_until_priced_and_offered(gateway, "autumn", timeout=2)

        assert approved["__typename"] == "CampaignPublished"
        assert approved["campaign"] == {"id": "autumn", "status": "ACTIVE", "version": 3, "author": "ada"}
        assert priced_in <= WITHIN, f"priced {priced_in * 1000:.0f} ms after the approval"
        assert offered_in <= WITHIN, f"offered {offered_in * 1000:.0f} ms after the approval"
        data = await gateway.data(await gateway.storefront(STOREFRONT, {"cart": SHIRTS}, customer="c1"))
        assert data["priceCart"]["priced"] == {
            "total": "170.00",
            "applied": [{"campaignId": "autumn", "discount": "30.00"}],
        }
        assert data["offers"]["offers"] == [
            {"campaignId": "autumn", "name": "Autumn shirts: 15% off", "labels": ["autumn"]}
        ]
        ended = datetime.now(UTC)

        # and the audit log tells who did what, in which role, under which request, newest first
        everything = nodes(await admin(gateway, owner, AUDIT, since=began.isoformat(), until=ended.isoformat()))
        by_marketer = nodes(await admin(gateway, owner, AUDIT, actor="mert"))
        by_target = nodes(await admin(gateway, owner, AUDIT, target="autumn"))

        assert story(everything) == [
            ("campaign.approve", "ada", "ADMIN", "req-approve"),
            ("campaign.submit", "mert", "MARKETER", "req-submit"),
            ("campaign.create", "mert", "MARKETER", "req-create"),
            ("settings.update", "olga", "OWNER", "req-settings"),
        ]
        approve, submit, create, settings = everything
        assert (settings["targetType"], settings["targetId"]) == ("settings", "tenant")
        assert settings["before"]["access"]["approval_required"] is False
        assert settings["after"]["access"]["approval_required"] is True
        assert all(
            (entry["targetType"], entry["targetId"]) == ("campaign", "autumn") for entry in (create, submit, approve)
        )
        assert create["before"] is None
        assert (create["after"]["status"], create["after"]["version"]) == ("DRAFT", 1)
        assert create["after"]["document"]["name"]["en"] == "Autumn shirts: 15% off"
        assert create["after"]["document"]["benefit"]["value"] == "15"
        assert (submit["before"]["status"], submit["after"]["status"]) == ("DRAFT", "PENDING_APPROVAL")
        assert (approve["before"]["status"], approve["after"]["status"]) == ("PENDING_APPROVAL", "ACTIVE")
        assert (approve["before"]["version"], approve["after"]["version"]) == (2, 3)
        assert approve["after"]["comment"] == "Looks good"
        assert all(began <= datetime.fromisoformat(entry["at"]) <= ended for entry in everything)
        assert by_marketer == [submit, create]
        assert by_target == [approve, submit, create]

        # and the time range (until exclusive) and the pages of the log cut where they should
        window = nodes(await admin(gateway, owner, AUDIT, since=create["at"], until=approve["at"]))
        first_page = await admin(gateway, owner, AUDIT, first=3)
        second_page = await admin(gateway, owner, AUDIT, first=3, after=first_page["pageInfo"]["endCursor"])
        assert window == [submit, create]
        assert (nodes(first_page), first_page["pageInfo"]["hasNextPage"]) == ([approve, submit, create], True)
        assert (nodes(second_page), second_page["pageInfo"]["hasNextPage"]) == ([settings], False)


async def test_a_marketers_publish_waits_for_approval_and_a_rejection_sends_it_back_to_draft(
    postgres_url: str, redis_url: str
) -> None:
    async with running_gateway(postgres_url, redis_url=redis_url) as gateway:
        owner = await gateway.user("olga", Role.OWNER)
        marketer = await gateway.user("mert", Role.MARKETER)
        approver = await gateway.user("ada", Role.ADMIN)
        await require_approvals(gateway, owner)
        await admin(gateway, marketer, FROM_TEMPLATE, id="hasty", overrides=OVERRIDES)

        published = await admin(gateway, marketer, PUBLISH, "req-publish", id="hasty")

        assert (published["__typename"], published["code"]) == ("ApprovalRequired", "APPROVAL_REQUIRED")
        assert published["campaign"]["status"] == "PENDING_APPROVAL"
        assert await live_after_reload(gateway) == ([], [])

        rejected = await admin(gateway, approver, REJECT, "req-reject", id="hasty", comment="Not before the launch")
        again = await admin(gateway, marketer, PUBLISH, id="hasty")

        assert rejected == {
            "__typename": "CampaignSaved",
            "campaign": {"id": "hasty", "status": "DRAFT", "version": 3, "author": "ada"},
        }
        assert (again["__typename"], again["campaign"]["status"]) == ("ApprovalRequired", "PENDING_APPROVAL")
        assert await live_after_reload(gateway) == ([], [])
        entries = nodes(await admin(gateway, owner, AUDIT, target="hasty"))
        assert [entry["action"] for entry in entries] == [
            "campaign.publish",
            "campaign.reject",
            "campaign.publish",
            "campaign.create",
        ]
        _, reject, publish, _ = entries
        assert story([publish, reject]) == [
            ("campaign.publish", "mert", "MARKETER", "req-publish"),
            ("campaign.reject", "ada", "ADMIN", "req-reject"),
        ]
        assert (publish["before"]["status"], publish["after"]["status"]) == ("DRAFT", "PENDING_APPROVAL")
        assert (reject["before"]["status"], reject["after"]["status"]) == ("PENDING_APPROVAL", "DRAFT")
        assert reject["after"]["comment"] == "Not before the launch"


async def test_a_marketers_change_to_a_live_campaign_stops_it_until_an_admin_approves_the_new_version(
    postgres_url: str, redis_url: str
) -> None:
    async with running_gateway(postgres_url, redis_url=redis_url) as gateway:
        owner = await gateway.user("olga", Role.OWNER)
        marketer = await gateway.user("mert", Role.MARKETER)
        await admin(gateway, owner, FROM_TEMPLATE, id="live", overrides=OVERRIDES)
        await admin(gateway, owner, PUBLISH, id="live")
        await require_approvals(gateway, owner)
        assert await live_after_reload(gateway) == (["live"], ["live"])
        change = {
            "id": "live",
            "name": [{"language": "en", "text": "Shirts: 20% off"}],
            "target": {"categories": ["shirts"]},
            "benefit": {"type": "PERCENTAGE", "value": "20"},
        }

        updated = await admin(gateway, marketer, UPDATE, campaign=change)

        assert (updated["__typename"], updated["campaign"]["status"]) == ("ApprovalRequired", "PENDING_APPROVAL")
        assert await live_after_reload(gateway) == ([], [])

        approved = await admin(gateway, owner, APPROVE, id="live")

        assert (approved["campaign"]["status"], approved["campaign"]["version"]) == ("ACTIVE", 4)
        await gateway.pricing.server.catalog.refresh()
        data = await gateway.data(await gateway.storefront(STOREFRONT, {"cart": SHIRTS}, customer="c1"))
        assert data["priceCart"]["priced"]["applied"] == [{"campaignId": "live", "discount": "40.00"}]
