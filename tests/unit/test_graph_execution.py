"""The graphs' fast paths do what Strawberry and graphql-core do, only faster: input objects built by the
planned `from_input` hook equal Strawberry's own conversion for every input type of both schemas, and plain
data completed in one pass answers exactly what the general completion answers, errors included."""

from __future__ import annotations

import asyncio
import gc
import types
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryObjectDefinition

from domain.documents.common import BenefitType
from domain.errors import unstorable_at
from domain.reasons import SkipReason
from gateway.admin.schema import admin_schema
from gateway.documents import (
    Adjustment,
    AppliedCampaign,
    Hint,
    LocalizedText,
    PricedCart,
    PricedLine,
    SkippedCampaign,
)
from gateway.graph import hardening, inputs
from gateway.graph.execution import FastExecutionContext, plan_of
from gateway.settings import GatewaySettings
from gateway.storefront.schema import storefront_schema

SETTINGS = GatewaySettings(env="test")
SCHEMAS = {"admin": admin_schema(SETTINGS), "storefront": storefront_schema(SETTINGS)}


def input_types() -> list[tuple[str, GraphQLInputObjectType]]:
    return [
        (schema_name, graphql_type)
        for schema_name, schema in SCHEMAS.items()
        for graphql_type in schema._schema.type_map.values()
        if isinstance(graphql_type, GraphQLInputObjectType) and not graphql_type.name.startswith("__")
    ]


def test_every_input_type_of_both_graphs_has_the_planned_hook() -> None:
    found = input_types()
    assert {graphql_type.name for _, graphql_type in found} >= {"ShopperCartInput", "LineInput", "CampaignInput"}
    for _, graphql_type in found:
        definition = graphql_type.extensions["strawberry-definition"]
        assert definition.from_input is inputs.build, graphql_type.name


@strawberry.input
class Patch:
    name: strawberry.Maybe[str]


@strawberry.input
class Plain:
    name: str


@strawberry.type
class PatchQuery:
    @strawberry.field
    def patch(self, patch: Patch, plain: Plain) -> str:
        return "ok"


def test_an_input_type_with_a_maybe_field_keeps_strawberrys_conversion_and_its_null_check() -> None:
    schema = strawberry.Schema(query=PatchQuery)
    inputs.install(schema)
    assert Patch.__strawberry_definition__.from_input is None  # type: ignore[attr-defined]
    assert Plain.__strawberry_definition__.from_input is inputs.build  # type: ignore[attr-defined]
    refused = schema.execute_sync('{ patch(patch: {name: null}, plain: {name: "a"}) }')
    assert refused.errors
    assert refused.errors[0].path is None  # refused by validation, before execution (Strawberry's Maybe rule)
    assert schema.execute_sync('{ patch(patch: {name: "b"}, plain: {name: "a"}) }').data == {"patch": "ok"}


def values(graphql_type: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """GraphQL input values as graphql-core hands them to resolvers (coerced), of any input type."""
    if isinstance(graphql_type, GraphQLNonNull):
        return _values(graphql_type.of_type, depth)
    return st.none() | _values(graphql_type, depth)


def _values(graphql_type: GraphQLInputType, depth: int) -> st.SearchStrategy[Any]:
    inner: st.SearchStrategy[Any]
    if isinstance(graphql_type, GraphQLList):
        inner = st.lists(values(graphql_type.of_type, depth + 1), max_size=3)
    elif isinstance(graphql_type, GraphQLEnumType):
        inner = st.sampled_from([value.value for value in graphql_type.values.values()])
    elif isinstance(graphql_type, GraphQLScalarType):
        inner = {
            "Int": st.integers(),
            "Float": st.floats(allow_nan=False),
            "Boolean": st.booleans(),
        }.get(graphql_type.name, st.text(max_size=8))
    else:
        assert isinstance(graphql_type, GraphQLInputObjectType)
        fields = graphql_type.fields
        required = {name: values(field.type, depth + 1) for name, field in fields.items() if _required(field.type)}
        optional = {} if depth > 4 else {name: values(field.type, depth + 1) for name, field in fields.items()}
        optional = {name: strategy for name, strategy in optional.items() if name not in required}
        inner = st.fixed_dictionaries(required, optional=optional)
    return inner


def _required(graphql_type: GraphQLInputType) -> bool:
    return isinstance(graphql_type, GraphQLNonNull)


def strawberry_built(schema: strawberry.Schema, definition: StrawberryObjectDefinition, value: Any) -> Any:
    """What Strawberry's own conversion builds (the hook taken away for the call)."""
    hooked = definition.from_input
    definition.from_input = None
    try:
        return _context(schema).convert(value, definition.origin)
    finally:
        definition.from_input = hooked


def _context(schema: strawberry.Schema) -> InputContext:
    return InputContext(
        info=None, config=schema.config, scalar_registry=schema.schema_converter.scalar_registry, path=()
    )


@pytest.mark.parametrize(("schema_name", "graphql_type"), input_types(), ids=lambda item: getattr(item, "name", item))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_planned_hook_builds_what_strawberry_builds(
    schema_name: str, graphql_type: GraphQLInputObjectType, data: st.DataObject
) -> None:
    schema = SCHEMAS[schema_name]
    definition = graphql_type.extensions["strawberry-definition"]
    value = data.draw(values(GraphQLNonNull(graphql_type)))
    assert inputs.build(definition.origin, value, _context(schema)) == strawberry_built(schema, definition, value)


# -- completion ---------------------------------------------------------------------------------------------


def priced(**changes: Any) -> PricedCart:
    fields: dict[str, Any] = {
        "currency": "TRY",
        "subtotal": "300.00",
        "discount_total": "100.00",
        "shipping": "0.00",
        "shipping_discount": "0.00",
        "total": "200.00",
        "lines": [
            PricedLine(
                id=f"l{index}",
                sku=f"sku-{index}",
                quantity=3,
                subtotal="100.00",
                discount="33.33" if index else "33.34",
                total="66.67" if index else "66.66",
                adjustments=[Adjustment(campaign_id="c1", amount="33.33", units=1)],
            )
            for index in range(3)
        ],
        "applied": [
            AppliedCampaign(
                campaign_id="c1",
                type=BenefitType.PERCENTAGE,
                discount="100.00",
                name=[LocalizedText(language="tr", text="Yüzde")],
                labels=["sale"],
                coupon=None,
                applications=1,
            )
        ],
        "gifts": [],
        "skipped": [SkippedCampaign(campaign_id="c2", reason=SkipReason.ENDED, detail="")],
        "rejected_coupons": [],
        "hints": [Hint(campaign_id="c3", missing_quantity=None, missing_amount="5.00", name=[])],
        "explain": None,
    }
    fields.update(changes)
    return PricedCart(**fields)


def schema_of(value: Any, *, fast: bool) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        async def cart(self) -> PricedCart:
            return value  # type: ignore[no-any-return]

        @strawberry.field
        def carts(self) -> list[PricedCart]:
            return [value, value]

    return strawberry.Schema(query=Query, execution_context_class=FastExecutionContext if fast else None)


QUERY = """
query {
  cart { __typename currency t: total lines { id ...L } applied { type name { language text } labels coupon }
         skipped { reason } hints { missingQuantity missingAmount } explain { stage } }
  carts { total @include(if: true) subtotal @skip(if: true) lines { sku adjustments { units } } }
}
fragment L on PricedLine { discount adjustments { campaignId amount } }
"""


def answers(value: Any, *, fast: bool) -> dict[str, Any]:
    result = asyncio.run(schema_of(value, fast=fast).execute(QUERY))
    return {
        "data": result.data,
        "errors": [(error.message, error.path) for error in result.errors or []],
    }


def test_plain_types_are_recognised_and_others_are_not() -> None:
    type_map = SCHEMAS["storefront"]._schema.type_map
    for name in ("PricedCart", "PricedLine", "Offer", "OfferList", "PricedCartPayload"):
        assert plan_of(type_map[name]) is not None, name  # type: ignore[arg-type]
    assert plan_of(type_map["Query"]) is None  # type: ignore[arg-type]  # resolvers with arguments


def test_plain_data_completes_to_the_same_answer_fast_as_the_general_way(monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[str] = []
    fast_object = FastExecutionContext.fast_object

    def counted(self: FastExecutionContext, object_type: Any, details: Any, source: Any) -> dict[str, Any]:
        passes.append(object_type.name)
        return fast_object(self, object_type, details, source)

    value = priced()
    general = answers(value, fast=False)
    assert not passes
    monkeypatch.setattr(FastExecutionContext, "fast_object", counted)
    assert answers(value, fast=True) == general
    assert general["data"]["cart"]["t"] == "200.00"
    assert {"PricedCart", "PricedLine", "Adjustment"} <= set(passes)  # the fast pass did the work


def test_an_operation_leaves_no_reference_cycle_for_the_garbage_collector() -> None:
    schema = schema_of(priced(), fast=True)
    asyncio.run(schema.execute(QUERY))  # warm: what the first operation builds once stays
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        gc.garbage.clear()

        async def twice() -> None:
            for _ in range(2):
                result = await schema.execute(QUERY)
                assert result.errors is None

        asyncio.run(twice())
        gc.collect()
        left = [type(item).__name__ for item in gc.garbage if isinstance(item, FastExecutionContext)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []  # each executor (with its field collections and context) was freed when it finished


units = [Adjustment(campaign_id="c1", amount="1", units="many")]  # type: ignore[arg-type]  # an Int that is not


@pytest.mark.parametrize(
    "broken",
    [
        {"total": None},  # a null where the schema says non-null
        {"lines": [PricedLine(id="x", sku="s", quantity=1, subtotal="1", discount="0", total="1", adjustments=units)]},
        {"applied": "not a list"},
        {"lines": [object()]},
    ],
)
def test_a_value_the_fast_pass_cannot_complete_gets_the_errors_the_general_way_gives(broken: dict[str, Any]) -> None:
    value = priced(**broken)
    fast, general = answers(value, fast=True), answers(value, fast=False)
    assert fast == general
    assert fast["errors"]


# -- the unstorable-text check ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.sampled_from("a\x00\\u0é😀\ud800\udfff")),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=4), json_values, max_size=4))
def test_the_quick_check_of_the_variables_says_what_the_walk_says(variables: dict[str, Any]) -> None:
    assert hardening._unstorable_variables(variables) == (unstorable_at(variables) is not None)


def test_the_quick_check_finds_a_nul_a_lone_surrogate_and_passes_an_emoji_and_an_escaped_backslash() -> None:
    assert hardening._unstorable_variables({"cart": {"lines": [{"sku": "a\x00b"}]}})
    assert hardening._unstorable_variables({"code": "\udc00"})
    assert not hardening._unstorable_variables({"code": "😀 \\u0000", "n": [1, None, True]})
    assert not hardening._unstorable_variables(None)


class Deny(strawberry.BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Secret:
    code: str = strawberry.field(permission_classes=[Deny])
    label: str


@strawberry.type
class Tagged:
    tags: list[str]
    count: int | None


@strawberry.type
class OddQuery:
    @strawberry.field
    def secret(self) -> Secret | None:
        return Secret(code="s3cr3t", label="x")

    @strawberry.field
    def tagged(self) -> Tagged | None:
        return TAGGED[0]


TAGGED: list[Tagged] = []


def odd_answers(query: str, *, fast: bool) -> dict[str, Any]:
    schema = strawberry.Schema(query=OddQuery, execution_context_class=FastExecutionContext if fast else None)
    result = schema.execute_sync(query)
    return {"data": result.data, "errors": [(error.message, error.path) for error in result.errors or []]}


def test_a_field_with_permission_classes_is_never_completed_by_the_fast_pass() -> None:
    fast = odd_answers("{ secret { code label } }", fast=True)
    assert fast == odd_answers("{ secret { code label } }", fast=False)
    assert fast["data"] == {"secret": None}
    assert fast["errors"][0][0] == "not for you"


@pytest.mark.parametrize(
    "tagged",
    [
        lambda: Tagged(tags=(tag for tag in ["a", "b"]), count="bad"),  # type: ignore[arg-type]  # read twice
        lambda: Tagged(tags=types.MappingProxyType({"k": "v"}), count=1),  # type: ignore[arg-type]  # not a list
        lambda: Tagged(tags=["a"], count=ValueError("boom")),  # type: ignore[arg-type]  # an error as a value
    ],
)
def test_values_that_are_no_plain_list_or_leaf_get_the_general_answer(tagged: Any) -> None:
    TAGGED[:] = [tagged()]
    fast = odd_answers("{ tagged { tags count } }", fast=True)
    TAGGED[:] = [tagged()]
    assert fast == odd_answers("{ tagged { tags count } }", fast=False)
