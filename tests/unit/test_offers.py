"""Personalized offers: eligible automatic campaigns, assigned codes, languages, near-miss hints."""

from __future__ import annotations

from decimal import Decimal

from domain.documents.cart import Customer
from domain.documents.catalog import CouponCodeSpec
from domain.engine.offers import list_offers, pick_language
from domain.engine.snapshot import Snapshot
from domain.reasons import CouponReason
from tests.builders import MONDAY_1300, campaign, cart, parse_cart

TEN = {"type": "PERCENTAGE", "value": "10"}
NOW = parse_cart({"currency": "TRY", "now": MONDAY_1300}).now

SNAPSHOT = Snapshot.compile(
    [
        campaign("everyone", TEN, name={"tr": "Herkese %10", "en": "10% for all"}, priority=1),
        campaign("vip", TEN, audience={"segments_any": ["vip"]}, labels=["VIP"]),
        campaign("mobile", TEN, audience={"channels": ["mobile"]}),
        campaign("saturday", TEN, schedule={"windows": [{"days": ["SAT"], "from": "00:00", "to": "24:00"}]}),
        campaign("usd", {"type": "AMOUNT", "value": "5.00"}, currency="USD"),
        campaign("sorry", {"type": "AMOUNT", "value": "50.00"}, kind="COUPON"),
        campaign("public", TEN, kind="COUPON", codes=["HELLO"]),
        campaign("big-basket", TEN, condition={"min_order_total": "500.00"}),
    ],
    codes=[
        CouponCodeSpec(code="SORRY-AYSE", campaign_id="sorry", customer_id="ayse"),
        CouponCodeSpec(code="SORRY-OLD", campaign_id="sorry", customer_id="ayse", active=False),
    ],
)


def _ids(customer: Customer | None, **options: object) -> list[str]:
    offers = list_offers(SNAPSHOT, customer=customer, currency="TRY", now=NOW, **options)  # type: ignore[arg-type]
    return [offer.campaign_id for offer in offers]


def test_offers_list_what_the_customer_is_eligible_for_now_by_priority() -> None:
    assert _ids(Customer(id="mehmet"), channel="web") == ["everyone", "big-basket"]
    assert _ids(Customer(id="mehmet", segments=["vip"]), channel="mobile") == [
        "everyone",
        "big-basket",
        "mobile",
        "vip",
    ]


def test_coupon_campaigns_are_offered_only_with_codes_assigned_to_the_customer() -> None:
    offers = list_offers(SNAPSHOT, customer=Customer(id="ayse"), currency="TRY", now=NOW)

    sorry = next(offer for offer in offers if offer.campaign_id == "sorry")
    assert sorry.codes == ["SORRY-AYSE"]
    assert "public" not in [offer.campaign_id for offer in offers]
    assert "sorry" not in _ids(Customer(id="mehmet"))
    assert "sorry" not in _ids(None)


def test_offers_come_in_the_requested_language_with_validity_and_thresholds() -> None:
    offers = list_offers(SNAPSHOT, customer=None, currency="TRY", now=NOW, language="tr-TR")

    everyone = next(offer for offer in offers if offer.campaign_id == "everyone")
    big = next(offer for offer in offers if offer.campaign_id == "big-basket")
    assert (everyone.name, everyone.language) == ("Herkese %10", "tr")
    assert big.min_order_total == Decimal("500.00")
    assert pick_language({"de": "x"}, "tr") == "de"
    assert pick_language({"de": "x", "en": "y"}, "tr") == "en"


def test_with_a_cart_offers_carry_near_miss_hints() -> None:
    offers = list_offers(SNAPSHOT, customer=None, currency="TRY", now=NOW, cart=cart("420.00"))

    big = next(offer for offer in offers if offer.campaign_id == "big-basket")
    assert big.hint is not None
    assert big.hint.missing_amount == Decimal("80.00")


def test_a_disabled_assigned_code_is_neither_offered_nor_accepted() -> None:
    result = SNAPSHOT.evaluate(cart("100.00", coupons=["sorry-old"], customer={"id": "ayse"}))

    assert [(rejected.code, rejected.reason) for rejected in result.rejected_coupons] == [
        ("SORRY-OLD", CouponReason.DISABLED)
    ]


def test_a_limit_lists_the_first_offers_by_priority_and_looks_no_further() -> None:
    every = list_offers(SNAPSHOT, customer=Customer(id="ayse"), currency="TRY", now=NOW)
    first = list_offers(SNAPSHOT, customer=Customer(id="ayse"), currency="TRY", now=NOW, limit=1)

    assert len(every) > 1
    assert first == every[:1]
