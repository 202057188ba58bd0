"""The standard template library: named campaign documents marketers start from, with overrides."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from domain.documents import Campaign, parse_campaign

JsonObject = dict[str, Any]


def _template(
    name: str, tr: str, en: str, tr_text: str, en_text: str, benefit: JsonObject, condition: JsonObject | None = None
) -> JsonObject:
    document: JsonObject = {
        "id": name,
        "name": {"tr": tr, "en": en},
        "description": {"tr": tr_text, "en": en_text},
        "labels": ["Sepette otomatik"],
        "kind": "AUTOMATIC",
        "benefit": benefit,
    }
    if condition:
        document["condition"] = condition
    return document


def _percent(value: str, **extra: Any) -> JsonObject:
    return {"type": "PERCENTAGE", "value": value, **extra}


def _amount(value: str, **extra: Any) -> JsonObject:
    return {"type": "AMOUNT", "value": value, "amount_mode": "ORDER", **extra}


def _bxgy(free: int, *, repeatable: bool = False) -> JsonObject:
    return {
        "type": "FREE_UNITS",
        "value": str(free),
        "calculation": "BUY_X_GET_Y",
        "sort_direction": "ASC",
        "repeatable": repeatable,
    }


def _step(position: int, *, repeatable: bool, **benefit: Any) -> JsonObject:
    base: JsonObject = {"type": "FREE_UNITS", "value": "1"}
    base.update(benefit)
    return {**base, "calculation": "STEP", "step_index": position, "sort_direction": "ASC", "repeatable": repeatable}


_LIBRARY: tuple[JsonObject, ...] = (
    _template(
        "percent10", "%10 İndirim", "10% off", "Tüm ürünlerde %10 indirim.", "10% off every item.", _percent("10")
    ),
    _template(
        "percent15", "%15 İndirim", "15% off", "Tüm ürünlerde %15 indirim.", "15% off every item.", _percent("15")
    ),
    _template(
        "percent20on5items",
        "5 Ürüne %20 İndirim",
        "20% off when you buy 5",
        "5 ve üzeri üründe tüm ürünlere %20 indirim.",
        "Buy 5 or more and every item is 20% off.",
        _percent("20"),
        {"min_quantity": 5},
    ),
    _template(
        "stepEvery4_50off",
        "Her 4. Ürüne %50 İndirim",
        "50% off every 4th item",
        "Pahalıdan ucuza sıralanan ürünlerde her 4. ürün %50 indirimli.",
        "Items listed dearest first: every 4th is half price.",
        _step(4, repeatable=True, type="PERCENTAGE", value="50"),
    ),
    _template(
        "firstItem20off",
        "Bir Ürüne %20 İndirim",
        "20% off one item",
        "Sepetteki en uygun fiyatlı ürüne %20 indirim.",
        "20% off the cheapest item in the cart.",
        _percent("20", max_units=1, sort_direction="ASC"),
    ),
    _template(
        "buy2get15percent",
        "2 Al %15 İndirim",
        "Buy 2, get 15% off",
        "2 ve üzeri üründe %15 indirim.",
        "Buy 2 or more and get 15% off.",
        _percent("15"),
        {"min_quantity": 2},
    ),
    _template(
        "buy3get10percent",
        "3 Al %10 İndirim",
        "Buy 3, get 10% off",
        "3 ve üzeri üründe %10 indirim.",
        "Buy 3 or more and get 10% off.",
        _percent("10"),
        {"min_quantity": 3},
    ),
    _template(
        "buy4get25percent",
        "4 Al %25 İndirim",
        "Buy 4, get 25% off",
        "4 ve üzeri üründe %25 indirim.",
        "Buy 4 or more and get 25% off.",
        _percent("25"),
        {"min_quantity": 4},
    ),
    _template(
        "percent25over200",
        "200 TL Üzeri %25 İndirim",
        "25% off orders from 200",
        "200 TL ve üzeri alışverişte %25 indirim.",
        "25% off an order of 200 or more.",
        _percent("25"),
        {"min_order_total": "200.00"},
    ),
    _template(
        "percent5over50",
        "50 TL Üzeri %5 İndirim",
        "5% off orders from 50",
        "50 TL ve üzeri alışverişte %5 indirim.",
        "5% off an order of 50 or more.",
        _percent("5"),
        {"min_order_total": "50.00"},
    ),
    _template(
        "percent30Above1000",
        "1000 TL Üzeri %30 İndirim",
        "30% off orders from 1000",
        "1000 TL ve üzeri alışverişte %30 indirim.",
        "30% off an order of 1000 or more.",
        _percent("30"),
        {"min_order_total": "1000.00"},
    ),
    _template(
        "over500_15percent",
        "500 TL Üzeri %15 İndirim",
        "15% off orders from 500",
        "500 TL ve üzeri alışverişte %15 indirim.",
        "15% off an order of 500 or more.",
        _percent("15"),
        {"min_order_total": "500.00"},
    ),
    _template(
        "flat5off",
        "Sepette 5 TL İndirim",
        "5 off your order",
        "Sepette 5 TL indirim.",
        "5 off the order, shared over its items.",
        _amount("5.00"),
    ),
    _template(
        "flat10off",
        "Sepette 10 TL İndirim",
        "10 off your order",
        "Sepette 10 TL indirim.",
        "10 off the order, shared over its items.",
        _amount("10.00"),
    ),
    _template(
        "combo3Items20",
        "3 Ürüne 20 TL İndirim",
        "20 off when you buy 3",
        "3 ve üzeri üründe sepette 20 TL indirim.",
        "Buy 3 or more and get 20 off the order.",
        _amount("20.00"),
        {"min_quantity": 3},
    ),
    _template(
        "fixedPriceBundle",
        "3 Ürün 100 TL",
        "3 items for 100",
        "Seçili 3 ürün toplam 100 TL.",
        "A bundle of 3 items costs 100 in total.",
        {"type": "FIXED_PRICE", "value": "100.00", "bundle_size": 3, "sort_direction": "ASC"},
    ),
    _template(
        "over100_20off",
        "100 TL Üzeri 20 TL İndirim",
        "20 off orders from 100",
        "100 TL ve üzeri alışverişte 20 TL indirim.",
        "20 off an order of 100 or more.",
        _amount("20.00"),
        {"min_order_total": "100.00"},
    ),
    _template(
        "over300get50",
        "300 TL Üzeri 50 TL İndirim",
        "50 off orders from 300",
        "300 TL ve üzeri alışverişte 50 TL indirim.",
        "50 off an order of 300 or more.",
        _amount("50.00"),
        {"min_order_total": "300.00"},
    ),
    _template(
        "orderAbove700get100off",
        "700 TL Üzeri 100 TL İndirim",
        "100 off orders from 700",
        "700 TL ve üzeri alışverişte 100 TL indirim.",
        "100 off an order of 700 or more.",
        _amount("100.00"),
        {"min_order_total": "700.00"},
    ),
    _template(
        "buy5pay4",
        "5 Al 4 Öde",
        "Buy 5, pay 4",
        "5 üründen en ucuzu bedava.",
        "Of 5 items, the cheapest is free.",
        _bxgy(1),
        {"min_quantity": 5},
    ),
    _template(
        "buy10get2",
        "10 Alana 2 Bedava",
        "2 free in every 10",
        "Her 10 üründe en ucuz 2 ürün bedava.",
        "In every 10 items the 2 cheapest are free.",
        _bxgy(2, repeatable=True),
        {"min_quantity": 10},
    ),
    _template(
        "buy2pay1",
        "2 Al 1 Öde",
        "Buy 2, pay 1",
        "2 üründen ucuz olanı bedava.",
        "Of 2 items, the cheaper one is free.",
        _bxgy(1),
        {"min_quantity": 2},
    ),
    _template(
        "buy1get1",
        "1 Alana 1 Bedava",
        "Buy 1, get 1 free",
        "Her 2 üründe ucuz olanı bedava.",
        "In every pair of items the cheaper one is free.",
        _bxgy(1, repeatable=True),
        {"min_quantity": 2},
    ),
    _template(
        "thirdFree",
        "3. Ürün Bedava",
        "Third item free",
        "Pahalıdan ucuza sıralanan ürünlerde 3. ürün bedava.",
        "Items listed dearest first: the 3rd is free.",
        _step(3, repeatable=False),
    ),
    _template(
        "fourthFree",
        "4. Ürün Bedava",
        "Fourth item free",
        "Pahalıdan ucuza sıralanan ürünlerde 4. ürün bedava.",
        "Items listed dearest first: the 4th is free.",
        _step(4, repeatable=False),
    ),
    _template(
        "every5thItemFree",
        "Her 5. Ürün Bedava",
        "Every 5th item free",
        "Pahalıdan ucuza sıralanan ürünlerde her 5. ürün bedava.",
        "Items listed dearest first: every 5th is free.",
        _step(5, repeatable=True),
    ),
    _template(
        "secondItemFree",
        "2. Ürün Bedava",
        "Second item free",
        "Pahalıdan ucuza sıralanan ürünlerde 2. ürün bedava.",
        "Items listed dearest first: the 2nd is free.",
        _step(2, repeatable=False),
    ),
    _template(
        "stepEvery3_1Free",
        "Her 3 Üründe 1 Bedava",
        "1 free in every 3",
        "Pahalıdan ucuza sıralanan ürünlerde her 3. ürün bedava.",
        "Items listed dearest first: every 3rd is free.",
        _step(3, repeatable=True),
    ),
)

TEMPLATES: Mapping[str, JsonObject] = {document["id"]: document for document in _LIBRARY}


class UnknownTemplate(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no template named {self.name!r}; see `kampanya templates`"


def template_names() -> list[str]:
    """Return the names of the standard templates, in library order."""
    return list(TEMPLATES)


def template_document(name: str) -> JsonObject:
    """Return a fresh copy of the template's campaign document."""
    found = TEMPLATES.get(name)
    if found is None:
        raise UnknownTemplate(name)
    return copy.deepcopy(found)


def instantiate(name: str, overrides: Mapping[str, Any] | None = None) -> Campaign:
    """Return a campaign from the named template with `overrides` merged in (RFC 7386 merge patch: objects
    merge, anything else replaces, null resets a field to its default); raise `DocumentError` if invalid."""
    document = template_document(name)
    return parse_campaign(merge_patch(document, overrides or {}))


def merge_patch(target: Any, patch: Any) -> Any:
    """Return `target` with the RFC 7386 merge `patch` applied (neither argument is changed)."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    merged: JsonObject = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
