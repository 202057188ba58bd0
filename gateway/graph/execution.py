"""Completing plain data fast: an execution context for both graphs.

Most of what the graphs answer is plain data: a priced cart of a few hundred fields, a page of offers, a
campaign document — object types whose every field reads one attribute of the Python value and has no
resolver, arguments, extensions or permissions. graphql-core completes each such field through the whole
general machinery (a resolve info, the Strawberry resolver wrapper, awaitable checks, a path, per-type
dispatch): some microseconds per field, which made a priced cart cost more to serialize than to price.

`FastExecutionContext` completes a plain object type's whole subtree in one pass instead: the same field
collection (aliases, fragments, `@skip`/`@include`, `__typename`), the same attribute reads and the same
leaf coercion as the general path, without building what only resolvers and error reporting need. The
first thing that is not plain sailing — a null in a non-null position, a leaf that will not coerce, a
deferred fragment, a failing attribute, a list that is not a list or a tuple, an exception or awaitable
for a value — abandons the fast pass for that object and completes it again the general way, which then
reports the error exactly as before (the fast pass only reads attributes and lists, so repeating it is
harmless). Types with any other kind of field (a resolver, arguments, field extensions such as permission
classes, an exception handler that could apply) never take the fast pass.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any, Final

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLString,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

TYPENAME: Final = "__typename"
INT_RANGE: Final = range(-(2**31), 2**31)

Complete = Callable[["FastExecutionContext", Any, FieldDetailsList], Any]
"""Completes one field's value: (context, value, the field's details) -> the answer."""
Plan = dict[str, tuple[str, Complete, frozenset[type]]]
"""A plain object type's fields: GraphQL name -> (Python attribute, completion, the Python types of values
that are their own answer)."""
Selection = list[tuple[str, str | None, Complete | None, FieldDetailsList, frozenset[type]]]
"""What one selection set asks of one object type: (response key, attribute or None for __typename,
completion, the field's details, the types answered as they are)."""
NONE_TYPE: Final = type(None)


class _Slow(Exception):
    """The fast pass cannot complete this value; the general path must (and reports any error)."""


_plans: dict[GraphQLObjectType, Plan | None] = {}


def plan_of(object_type: GraphQLObjectType) -> Plan | None:
    """Return the plan of a plain object type (computed once), or None when it is not plain: a field with
    a resolver, arguments or extensions, an abstract or non-plain object type inside, or a type check."""
    if object_type in _plans:
        return _plans[object_type]
    _plans[object_type] = None  # while its own fields are looked at: a type containing itself is not plain
    plan: Plan = {}
    if object_type.is_type_of is not None:
        return None
    for name, field in object_type.fields.items():
        definition = field.extensions.get("strawberry-definition")
        # Strawberry's own fast path for a field that only reads an attribute: no resolver, no field
        # extensions (permission classes are one), no exception handler of the schema that could apply
        basic = (
            definition is not None
            and definition.is_basic_field
            and getattr(field.resolve, "__name__", None) == "_get_basic_result"
        )
        complete = _completion(field.type)
        if (
            not basic
            or field.args
            or getattr(definition, "default_resolver", getattr) is not getattr
            or complete is None
        ):
            return None
        plan[name] = (definition.python_name, complete, _as_is(field.type))
    _plans[object_type] = plan
    return plan


def _completion(type_: GraphQLOutputType) -> Complete | None:
    """Return how to complete a value of this type, or None when it is not plain data."""
    if isinstance(type_, GraphQLNonNull):
        inner = type_.of_type
        if inner is GraphQLString:
            return _non_null_string
        if inner is GraphQLInt:
            return _non_null_int
        nullable = _completion(inner)
        if nullable is None:
            return None
        required: Complete = nullable

        def non_null(context: FastExecutionContext, value: Any, details: FieldDetailsList) -> Any:
            if value is None:
                raise _Slow
            return required(context, value, details)

        return non_null
    if isinstance(type_, GraphQLList):
        item = _completion(type_.of_type)
        if item is None:
            return None
        each: Complete = item

        def listed(context: FastExecutionContext, value: Any, details: FieldDetailsList) -> Any:
            if value is None:
                return None
            if type(value) is not list and type(value) is not tuple:  # a generator read twice would be empty
                raise _Slow
            return [each(context, entry, details) for entry in value]

        return listed
    if type_ is GraphQLString:
        return _string
    if type_ is GraphQLInt:
        return _int
    if type_ is GraphQLBoolean:
        return _boolean
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        leaf: GraphQLScalarType | GraphQLEnumType = type_
        return lambda context, value, details: None if value is None else _coerced(leaf, value)
    if isinstance(type_, GraphQLObjectType) and plan_of(type_) is not None:
        object_type: GraphQLObjectType = type_
        return lambda context, value, details: (
            None if value is None else context.fast_object(object_type, details, value)
        )
    return None


def _as_is(type_: GraphQLOutputType) -> frozenset[type]:
    """The Python types whose values a field of this type answers unchanged (what the built-in scalars'
    coercion does with their own type; None where the field may be null)."""
    nullable = not isinstance(type_, GraphQLNonNull)
    inner: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    own: type | None = str if inner is GraphQLString else bool if inner is GraphQLBoolean else None
    if own is None:
        return frozenset()
    return frozenset({own, NONE_TYPE} if nullable else {own})


def _coerced(type_: GraphQLScalarType | GraphQLEnumType, value: Any) -> Any:
    if isinstance(value, Exception) or inspect.isawaitable(value):  # raised, or awaited, the general way
        raise _Slow
    coerced = type_.coerce_output_value(value)
    if coerced is None or coerced is Undefined:
        raise _Slow
    return coerced


# the built-in scalars answer values of their own Python type as they are (what coerce_output_value does)
def _non_null_string(context: FastExecutionContext, value: Any, details: FieldDetailsList) -> Any:
    if type(value) is str:
        return value
    if value is None:
        raise _Slow
    return _coerced(GraphQLString, value)


def _non_null_int(context: FastExecutionContext, value: Any, details: FieldDetailsList) -> Any:
    if type(value) is int and value in INT_RANGE:
        return value
    if value is None:
        raise _Slow
    return _coerced(GraphQLInt, value)


def _string(context: FastExecutionContext, value: Any, details: FieldDetailsList) -> Any:
    return value if value is None or type(value) is str else _coerced(GraphQLString, value)


def _int(context: FastExecutionContext, value: Any, details: FieldDetailsList) -> Any:
    return value if value is None or (type(value) is int and value in INT_RANGE) else _coerced(GraphQLInt, value)


def _boolean(context: FastExecutionContext, value: Any, details: FieldDetailsList) -> Any:
    return value if value is None or type(value) is bool else _coerced(GraphQLBoolean, value)


def _weakly(method: Callable[..., Any]) -> Callable[..., Any]:
    """Return a function calling a bound method without keeping its object alive."""
    reference = weakref.WeakMethod(method)

    def call(*args: Any, **kwargs: Any) -> Any:
        bound = reference()
        if bound is None:
            raise RuntimeError("the operation this resolve info belongs to has finished")
        return bound(*args, **kwargs)

    return call


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain object types in one pass (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._selections: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Selection]] = {}
        # graphql-core's helpers for resolvers are bound methods of the executor, kept on the executor: a
        # reference cycle that left every operation's executor, with its field collections, variables and
        # context (some 400 objects), to the cyclic garbage collector, whose full collections over them
        # then cost the gateway 5 to 10% of its time. Held weakly, the executor is freed when it finishes.
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self.gather_async_work), track=_weakly(self.track_async_work)
        )

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        middleware = self.middleware_manager  # Strawberry passes one always: extensions with a resolve hook
        if (middleware is None or not middleware.middlewares) and plan_of(return_type) is not None:
            try:
                return self.fast_object(return_type, field_details_list, result)
            except Exception:  # _Slow, or whatever the general path will report as a field error
                pass
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def fast_object(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList, source: Any
    ) -> dict[str, Any]:
        """Complete a value of a plain object type in one pass, or raise."""
        known = self._selections.get((object_type, id(field_details_list)))
        selection = known[1] if known is not None else self._selection(object_type, field_details_list)
        completed: dict[str, Any] = {}
        for response_name, attribute, complete, details, as_is in selection:
            if attribute is None:
                completed[response_name] = object_type.name
                continue
            value = getattr(source, attribute)
            completed[response_name] = value if type(value) in as_is else complete(self, value, details)  # type: ignore[misc]
        return completed

    def _selection(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Selection:
        # like collect_subfields, memoized on the identity of the list, kept alive with the value
        key = (object_type, id(field_details_list))
        plan = plan_of(object_type)
        grouped, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if plan is None or new_defer_usages:
            raise _Slow
        selection: Selection = []
        for response_name, details in grouped.items():
            name = details[0].node.name.value
            if name == TYPENAME:
                selection.append((response_name, None, None, details, frozenset()))
            else:
                attribute, complete, as_is = plan[name]
                selection.append((response_name, attribute, complete, details, as_is))
        self._selections[key] = (field_details_list, selection)
        return selection
