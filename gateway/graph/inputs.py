"""Building input objects fast: the `from_input` hook for the graphs' input types.

Strawberry turns an argument's GraphQL value (already coerced and validated by graphql-core) into the
input classes field by field, resolving every field's type and GraphQL name again for every value: a
ten-line cart took longer to convert than to price. `install(schema)` gives every input type of a schema
that has no hook of its own a `from_input` hook (Strawberry's documented extension point for building
input values) that does the same conversion from a plan made once per type: per field its GraphQL name,
its Python name and how to convert its value. Scalars, lists, optional values and nested input types
are converted by the plan; anything else (enums, `Maybe`, lazy types, custom conversions) is handed to
Strawberry's own conversion, so the values built are exactly what Strawberry builds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from graphql import GraphQLInputObjectType
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.unset import UNSET

Convert = Callable[[Any, InputContext, tuple[str | int, ...]], Any]
Field = tuple[str, str, Convert]
"""GraphQL name, Python name, conversion of the value."""

_IDENTITY_TYPES = (str, int, float, bool)
_plans: dict[tuple[type, int], tuple[dict[str, None], list[Field]]] = {}
"""By input class and schema configuration (its name converter gives the GraphQL names)."""


def install(schema: strawberry.Schema) -> None:
    """Give every input type of `schema` without a `from_input` hook the planned one (except types with a
    `Maybe` field: Strawberry validates those in the document only for types without a hook)."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLInputObjectType):
            continue
        definition = graphql_type.extensions.get("strawberry-definition")
        if (
            isinstance(definition, StrawberryObjectDefinition)
            and definition.from_input is None
            and not any(
                isinstance(field.resolve_type(type_definition=definition), StrawberryMaybe)
                for field in definition.fields
            )
        ):
            definition.from_input = build


def build(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
    """Build an instance of input type `type_` from its GraphQL value, as Strawberry would."""
    unset, fields = _plans.get((type_, id(context.config))) or _plan(type_, context)
    kwargs: dict[str, Any] = dict(unset)
    for graphql_name, python_name, convert in fields:
        if graphql_name in value:
            given = value[graphql_name]
            kwargs[python_name] = given if given is UNSET else convert(given, context, (*context.path, graphql_name))
    return type_(**kwargs)


def _plan(type_: type, context: InputContext) -> tuple[dict[str, None], list[Field]]:
    definition: StrawberryObjectDefinition = type_.__strawberry_definition__  # type: ignore[attr-defined]
    # like Strawberry: a field without a default is None unless given (graphql-core checked the required)
    unset = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    }
    fields = [
        (
            context.config.name_converter.from_field(field),
            field.python_name,
            _converter(field.resolve_type(type_definition=definition)),
        )
        for field in definition.fields
    ]
    _plans[type_, id(context.config)] = (unset, fields)
    return unset, fields


def _converter(type_: StrawberryType | type) -> Convert:
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        inner = _converter(type_.of_type)
        return lambda value, context, path: None if value is None else inner(value, context, path)
    if isinstance(type_, StrawberryList):
        item_type = type_.of_type
        if item_type in _IDENTITY_TYPES:
            return lambda value, context, path: None if value is None else list(value)
        item = _converter(item_type)
        return lambda value, context, path: (
            None if value is None else [item(entry, context, (*path, index)) for index, entry in enumerate(value)]
        )
    if type_ in _IDENTITY_TYPES:
        return lambda value, context, path: value
    if isinstance(type_, type) and has_object_definition(type_) and type_.__strawberry_definition__.is_input:
        nested: type = type_

        def convert_input(value: Any, context: InputContext, path: tuple[str | int, ...]) -> Any:
            if value is None:
                return None
            definition: StrawberryObjectDefinition = nested.__strawberry_definition__  # type: ignore[attr-defined]
            if definition.from_input is None:  # left to Strawberry (see install)
                return context.convert(value, nested, *path[len(context.path) :])
            nested_context = InputContext(context.info, context.config, context.scalar_registry, path)
            return definition.from_input(nested, value, nested_context)

        return convert_input
    return lambda value, context, path: context.convert(value, type_, *path[len(context.path) :])
