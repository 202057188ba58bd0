"""How both graphs are built: the hardening extensions, the fast completion of plain data and the planned
input conversion, on top of Strawberry's schema."""

from __future__ import annotations

import strawberry

from gateway.graph import inputs
from gateway.graph.execution import FastExecutionContext
from gateway.graph.hardening import schema_extensions
from gateway.settings import GatewaySettings


def graph_schema(query: type, mutation: type, settings: GatewaySettings) -> strawberry.Schema:
    """Return the schema of these root types with everything both graphs share."""
    schema = strawberry.Schema(
        query=query,
        mutation=mutation,
        extensions=schema_extensions(settings),
        execution_context_class=FastExecutionContext,
    )
    inputs.install(schema)
    return schema
