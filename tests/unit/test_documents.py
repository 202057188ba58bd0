"""Documents: every invalid input is refused with the offending field named by JSON pointer."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from domain.documents import parse_campaign, parse_campaigns, parse_cart, parse_policy
from domain.errors import DocumentError, unstorable_at
from domain.imports import RowError, member_ids

CAMPAIGN: dict[str, Any] = {
    "id": "c1",
    "name": {"tr": "Kampanya", "en": "Campaign"},
    "benefit": {"type": "PERCENTAGE", "value": "10"},
}
CART: dict[str, Any] = {
    "currency": "TRY",
    "lines": [{"id": "l1", "sku": "A", "quantity": 2, "unit_price": "250.00"}],
}


def _with(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    *parents, last = path.strip("/").split("/")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[last] = value
    return changed


def _pointers(error: pytest.ExceptionInfo[DocumentError]) -> list[str]:
    return [problem.pointer for problem in error.value.errors]


def test_the_contract_example_campaign_is_valid() -> None:
    example = {
        "id": "buy5pay4-shirts",
        "name": {"tr": "5 Al 4 Öde", "en": "Buy 5, pay 4"},
        "description": {"tr": "…", "en": "…"},
        "labels": ["Sepette otomatik"],
        "kind": "AUTOMATIC",
        "priority": 0,
        "exclusive": False,
        "schedule": {
            "starts_at": None,
            "ends_at": None,
            "timezone": "Europe/Istanbul",
            "windows": [{"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "12:00", "to": "16:00"}],
        },
        "audience": {
            "channels": [],
            "segments_any": [],
            "segments_none": [],
            "first_order": None,
            "min_orders": None,
            "countries": [],
            "cities": [],
        },
        "target": {
            "skus": [],
            "categories": [],
            "brands": [],
            "collections": [],
            "attributes": {},
            "exclude": {"skus": [], "categories": [], "brands": [], "collections": []},
        },
        "condition": {"min_quantity": 5, "min_order_total": None, "target": None},
        "benefit": {
            "type": "FREE_UNITS",
            "value": "1",
            "calculation": "BUY_X_GET_Y",
            "sort_direction": "ASC",
            "repeatable": False,
            "step_index": None,
            "get_quantity": None,
            "bundle_size": None,
            "amount_mode": "ORDER",
            "max_units": None,
            "max_applications": None,
            "max_discount": None,
            "gift": None,
        },
        "limits": {
            "total_redemptions": None,
            "per_customer": None,
            "per_customer_per_day": None,
            "per_device": None,
            "budget_discount": None,
            "budget_order_value": None,
            "fail_mode": "CLOSED",
        },
    }

    parsed = parse_campaign(example)

    assert parsed.model_dump(mode="json", include={"schedule"}) == {"schedule": example["schedule"]}
    assert parsed.benefit.value == Decimal("1")


def test_the_contract_example_cart_is_valid() -> None:
    parsed = parse_cart(
        {
            "currency": "TRY",
            "channel": "web",
            "now": "2026-11-22T13:00:00+03:00",
            "customer": {
                "id": "c-1",
                "segments": ["vip"],
                "attributes": {},
                "orders_count": 3,
                "total_spent": "1500.00",
                "country": "TR",
                "city": "Istanbul",
                "device_id": None,
            },
            "lines": [
                {
                    "id": "l1",
                    "sku": "SHIRT-1",
                    "quantity": 2,
                    "unit_price": "250.00",
                    "categories": ["shirts"],
                    "brand": "acme",
                    "collections": [],
                    "attributes": {},
                }
            ],
            "shipping": {"method": "standard", "amount": "29.90"},
            "coupons": ["WELCOME10"],
        }
    )

    assert parsed.unit_count == 2


@pytest.mark.parametrize(
    ("path", "value", "pointer"),
    [
        ("/surprise", 1, "/surprise"),
        ("/lines/0/unit_price", "-1.00", "/lines/0/unit_price"),
        ("/lines/0/unit_price", 12.5, "/lines/0/unit_price"),
        ("/lines/0/unit_price", "12.505", "/lines/0/unit_price"),
        ("/lines/0/quantity", 0, "/lines/0/quantity"),
        ("/lines/0/quantity", -2, "/lines/0/quantity"),
        ("/lines/0/quantity", "2", "/lines/0/quantity"),
        ("/lines/0/colour", "red", "/lines/0/colour"),
        ("/currency", "XYZ", "/currency"),
        ("/now", "2026-11-22T13:00:00", "/now"),
        ("/now", 1700000000, "/now"),
        ("/shipping", {"amount": "1.999"}, "/shipping/amount"),
        ("/customer", {"orders_count": -1}, "/customer/orders_count"),
        ("/coupons", ["WITH SPACE"], "/coupons/0"),
    ],
)
def test_an_invalid_cart_names_the_field(path: str, value: Any, pointer: str) -> None:
    with pytest.raises(DocumentError) as error:
        parse_cart(_with(CART, path, value))

    assert pointer in _pointers(error)


def test_a_cart_with_a_line_id_used_twice_names_the_second_line() -> None:
    twice = _with(CART, "/lines", [CART["lines"][0], CART["lines"][0]])

    with pytest.raises(DocumentError) as error:
        parse_cart(twice)

    assert _pointers(error) == ["/lines/1/id"]


def test_a_cart_of_too_many_units_is_refused() -> None:
    lines = [{"id": f"l{index}", "sku": "A", "quantity": 6000, "unit_price": "1.00"} for index in range(2)]

    with pytest.raises(DocumentError) as error:
        parse_cart({"currency": "TRY", "lines": lines})

    assert _pointers(error) == ["/lines"]


def test_jpy_prices_have_no_decimals_and_kwd_three() -> None:
    assert parse_cart({"currency": "JPY", "lines": [{"id": "l", "sku": "A", "quantity": 1, "unit_price": "500"}]})
    with pytest.raises(DocumentError):
        parse_cart({"currency": "JPY", "lines": [{"id": "l", "sku": "A", "quantity": 1, "unit_price": "500.5"}]})
    assert parse_cart({"currency": "KWD", "lines": [{"id": "l", "sku": "A", "quantity": 1, "unit_price": "1.125"}]})


@pytest.mark.parametrize(
    ("path", "value", "pointer"),
    [
        ("/unknown", True, "/unknown"),
        ("/id", "has space", "/id"),
        ("/name", {}, "/name"),
        ("/kind", "automatic", "/kind"),
        ("/currency", "TL", "/currency"),
        ("/priority", "high", "/priority"),
        ("/benefit/type", "BOGO", "/benefit/type"),
        ("/benefit/value", "110", "/benefit/value"),
        ("/benefit/value", "0", "/benefit/value"),
        ("/benefit/value", 10, "/benefit/value"),
        ("/benefit/max_units", 0, "/benefit/max_units"),
        ("/benefit/max_discount", "0", "/benefit/max_discount"),
        ("/benefit/step_index", 3, "/benefit/step_index"),
        ("/benefit/bundle_size", 3, "/benefit/bundle_size"),
        ("/benefit/gift", {"sku": "BAG"}, "/benefit/gift"),
        ("/benefit/amount_mode", "PER_UNIT", "/benefit/amount_mode"),
        ("/benefit/repeatable", True, "/benefit/repeatable"),
        ("/benefit/calculation", "BUY_X_GET_Y", "/condition/min_quantity"),
        ("/schedule/timezone", "Mars/Olympus", "/schedule/timezone"),
        ("/schedule/windows", [{"days": ["MON"], "from": "25:00", "to": "26:00"}], "/schedule/windows/0/from"),
        ("/schedule/windows", [{"days": ["MON"], "from": "10:00", "to": "10:00"}], "/schedule/windows/0/to"),
        ("/schedule/windows", [{"days": ["MONDAY"], "from": "10:00", "to": "12:00"}], "/schedule/windows/0/days/0"),
        ("/schedule/windows", [{"days": [], "from": "10:00", "to": "12:00"}], "/schedule/windows/0/days"),
        ("/schedule/starts_at", "2026-12-01T00:00:00+03:00", None),
        ("/audience/segments_none", ["vip"], "/audience/segments_none"),
        ("/audience/min_orders", -1, "/audience/min_orders"),
        ("/target/exclude", {"skus": ["A"]}, "/target/exclude/skus"),
        ("/condition/min_quantity", 0, "/condition/min_quantity"),
        ("/condition/min_order_total", "-5", "/condition/min_order_total"),
        ("/limits/per_customer", 0, "/limits/per_customer"),
        ("/limits/fail_mode", "MAYBE", "/limits/fail_mode"),
        ("/codes", ["A"], "/codes"),
    ],
)
def test_an_invalid_campaign_names_the_field(path: str, value: Any, pointer: str | None) -> None:
    document = _with(CAMPAIGN, path, value)
    if path == "/audience/segments_none":
        document["audience"]["segments_any"] = ["vip"]
    if path == "/target/exclude":
        document["target"]["skus"] = ["A"]
    if path == "/schedule/starts_at":
        document["schedule"]["ends_at"] = "2026-11-30T00:00:00+03:00"
        pointer = "/schedule/ends_at"

    with pytest.raises(DocumentError) as error:
        parse_campaign(document)

    assert pointer in _pointers(error)


@pytest.mark.parametrize(
    ("benefit", "condition", "pointer"),
    [
        ({"type": "FREE_UNITS", "value": "1.5"}, {}, "/benefit/value"),
        ({"type": "FREE_UNITS", "value": "5", "calculation": "BUY_X_GET_Y"}, {"min_quantity": 5}, "/benefit/value"),
        (
            {"type": "PERCENTAGE", "value": "50", "calculation": "BUY_X_GET_Y", "get_quantity": 3},
            {"min_quantity": 3},
            "/benefit/get_quantity",
        ),
        ({"type": "FREE_UNITS", "value": "2", "calculation": "STEP", "step_index": 3}, {}, "/benefit/value"),
        ({"type": "PERCENTAGE", "value": "10", "calculation": "STEP"}, {}, "/benefit/step_index"),
        ({"type": "FIXED_PRICE", "value": "100.00"}, {}, "/benefit/bundle_size"),
        ({"type": "GIFT"}, {}, "/benefit/gift"),
        ({"type": "FREE_SHIPPING", "calculation": "BUY_X_GET_Y"}, {"min_quantity": 2}, "/benefit/calculation"),
        ({"type": "AMOUNT"}, {}, "/benefit/value"),
    ],
)
def test_impossible_benefits_are_refused(benefit: dict[str, Any], condition: dict[str, Any], pointer: str) -> None:
    with pytest.raises(DocumentError) as error:
        parse_campaign({**CAMPAIGN, "benefit": benefit, "condition": condition})

    assert pointer in _pointers(error)


def test_campaign_amounts_must_fit_the_campaign_currency() -> None:
    with pytest.raises(DocumentError) as error:
        parse_campaign({**CAMPAIGN, "currency": "JPY", "benefit": {"type": "AMOUNT", "value": "10.50"}})

    assert _pointers(error) == ["/benefit/value"]


def test_codes_are_normalized_and_must_be_unique() -> None:
    coupon = parse_campaign({**CAMPAIGN, "kind": "COUPON", "codes": [" welcome10", "Spring"]})
    assert coupon.codes == ["WELCOME10", "SPRING"]

    with pytest.raises(DocumentError) as error:
        parse_campaign({**CAMPAIGN, "kind": "COUPON", "codes": ["a", "A"]})
    assert _pointers(error) == ["/codes/1"]


def test_a_campaign_list_refuses_repeated_ids_and_shared_codes() -> None:
    coupon = {**CAMPAIGN, "kind": "COUPON", "codes": ["X1"]}

    with pytest.raises(DocumentError) as error:
        parse_campaigns([coupon, {**coupon, "id": "c2"}, CAMPAIGN])

    assert _pointers(error) == ["/1/codes/0", "/2/id"]


def test_a_campaign_list_names_the_document_and_field() -> None:
    with pytest.raises(DocumentError) as error:
        parse_campaigns([CAMPAIGN, _with(CAMPAIGN, "/benefit/value", "abc")])

    assert _pointers(error) == ["/1/benefit/value"]


@pytest.mark.parametrize(
    ("policy", "pointer"),
    [
        ({"stacking": "ALL"}, "/stacking"),
        ({"rounding": "UP"}, "/rounding"),
        ({"phase_order": ["PERCENTAGE"]}, "/phase_order"),
        ({"phase_order": ["GIFT", "FREE_UNITS", "FIXED_PRICE", "PERCENTAGE", "AMOUNT"]}, "/phase_order/0"),
        ({"extra": 1}, "/extra"),
    ],
)
def test_an_invalid_policy_names_the_field(policy: dict[str, Any], pointer: str) -> None:
    with pytest.raises(DocumentError) as error:
        parse_policy(policy)

    assert pointer in _pointers(error)


def test_error_messages_read_as_pointer_and_reason() -> None:
    with pytest.raises(DocumentError) as error:
        parse_cart(_with(CART, "/lines/0/unit_price", "-3"))

    assert (
        str(error.value)
        == "invalid cart: /lines/0/unit_price: must be a non-negative decimal string like \"12.50\", got '-3'"
    )


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"name": {"en": "Sum\x00mer"}}, "/name/en"),
        ({"codes": ["A", "B\udc00"]}, "/codes/1"),
        ({"attributes": {"col\x00our": "red"}}, "/attributes"),
        ({"a/b": ["\x00"]}, "/a~1b/0"),
        ({"name": {"en": "Summer 😀 \\u0000"}, "n": [1, None, True]}, None),
    ],
    ids=["nested", "lone surrogate", "key", "escaped pointer", "storable"],
)
def test_text_no_store_can_hold_is_found_with_its_pointer(value: object, where: str | None) -> None:
    assert unstorable_at(value) == where


def test_campaigns_with_a_nul_are_refused_naming_the_field() -> None:
    documents = [{"id": "summer", "name": {"en": "Sum\x00mer"}, "benefit": {"type": "PERCENTAGE", "value": "10"}}]

    with pytest.raises(DocumentError) as refused:
        parse_campaigns(documents)

    assert [(error.pointer, error.message.split(" (")[0]) for error in refused.value.errors] == [
        ("/0/name/en", "text may not contain NUL")
    ]


def test_a_member_list_reports_a_customer_id_with_a_nul_and_keeps_the_others() -> None:
    found = list(member_ids(["id", "c-1", "c-\x002", "c-3"]))

    assert (found[0], found[2]) == ((2, "c-1"), (4, "c-3"))
    assert isinstance(found[1], RowError)
    assert (found[1].row, found[1].field) == (3, "/customer_id")
