"""The models bound to one SQL dialect: what the repositories query.

Tortoise keeps dialect-specific SQL on the model classes (each model's base query is built for the
dialect of the last initialized connection) and caches insert and update statements by connection name
and table. One set of classes therefore cannot serve SQLite and PostgreSQL in one process; each dialect
gets its own subclasses of the models in `models.py`, its own app label and its own connection name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from tortoise.connection import get_connections
from tortoise.models import Model

from domain.store.config import Dialect
from domain.store.models import (
    ApiKeyRow,
    AttemptRow,
    AuditRow,
    CampaignRow,
    CampaignVersionRow,
    CatalogRow,
    CodeBatchRow,
    CodeRow,
    CounterRow,
    CustomerRow,
    HoldRow,
    LedgerRow,
    MemberRow,
    MembershipChangeRow,
    MembershipVersionRow,
    OperationRow,
    OrderRow,
    PlacedOrderRow,
    ProductRow,
    ResyncRow,
    ReturnRow,
    SegmentRow,
    SettingsRow,
    UserRow,
)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Tables:
    dialect: Dialect
    app: str
    connection: str
    catalog: type[CatalogRow]
    campaigns: type[CampaignRow]
    versions: type[CampaignVersionRow]
    codes: type[CodeRow]
    code_batches: type[CodeBatchRow]
    customers: type[CustomerRow]
    products: type[ProductRow]
    segments: type[SegmentRow]
    members: type[MemberRow]
    settings: type[SettingsRow]
    counters: type[CounterRow]
    holds: type[HoldRow]
    returns: type[ReturnRow]
    attempts: type[AttemptRow]
    placed_orders: type[PlacedOrderRow]
    membership_version: type[MembershipVersionRow]
    membership_changes: type[MembershipChangeRow]
    orders: type[OrderRow]
    ledger: type[LedgerRow]
    operations: type[OperationRow]
    resyncs: type[ResyncRow]
    users: type[UserRow]
    api_keys: type[ApiKeyRow]
    audit: type[AuditRow]

    async def execute(
        self, statements: Mapping[Dialect, Mapping[str, str]], name: str, values: list[Any]
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """Run the statement `name` of this dialect (`statements[dialect][name]`, written out where Tortoise
        would cost more than the statement) on the current connection — the caller's transaction, if any —
        and return the rows it changed or found and its rows as tuples."""
        client = get_connections().get(self.connection)
        count, rows = await client.execute_query(statements[self.dialect][name], values)
        return count, [tuple(row) for row in rows]

    async def fetch(
        self, statements: Mapping[Dialect, Mapping[str, str]], name: str, values: list[Any]
    ) -> list[tuple[Any, ...]]:
        """Run the statement `name` of this dialect like `execute`, returning its rows: for a write with a
        RETURNING clause (Tortoise's `execute_query` answers none for those on PostgreSQL). Its columns need
        distinct names."""
        client = get_connections().get(self.connection)
        return [tuple(row.values()) for row in await client.execute_query_dict(statements[self.dialect][name], values)]

    def listed(self, items: Sequence[str] | Sequence[int]) -> object:
        """A list as a statement parameter: an array on PostgreSQL, JSON text for SQLite's `json_each`."""
        return list(items) if self.dialect == "postgres" else json.dumps(list(items))

    def models(self) -> list[type[Model]]:
        return [
            self.catalog,
            self.campaigns,
            self.versions,
            self.codes,
            self.code_batches,
            self.customers,
            self.products,
            self.segments,
            self.members,
            self.settings,
            self.counters,
            self.holds,
            self.returns,
            self.attempts,
            self.placed_orders,
            self.membership_version,
            self.membership_changes,
            self.orders,
            self.ledger,
            self.operations,
            self.resyncs,
            self.users,
            self.api_keys,
            self.audit,
        ]


def _bind(model: type[M], app: str) -> type[M]:
    meta = type("Meta", (), {"table": model._meta.db_table, "app": app})
    namespace = {"__module__": __name__, "__qualname__": f"{app}.{model.__name__}", "Meta": meta}
    return cast(type[M], type(model.__name__, (model,), namespace))


def _tables(dialect: Dialect) -> Tables:
    app = f"kampanya_{dialect}"
    return Tables(
        dialect=dialect,
        app=app,
        connection=f"store_{dialect}",
        catalog=_bind(CatalogRow, app),
        campaigns=_bind(CampaignRow, app),
        versions=_bind(CampaignVersionRow, app),
        codes=_bind(CodeRow, app),
        code_batches=_bind(CodeBatchRow, app),
        customers=_bind(CustomerRow, app),
        products=_bind(ProductRow, app),
        segments=_bind(SegmentRow, app),
        members=_bind(MemberRow, app),
        settings=_bind(SettingsRow, app),
        counters=_bind(CounterRow, app),
        holds=_bind(HoldRow, app),
        returns=_bind(ReturnRow, app),
        attempts=_bind(AttemptRow, app),
        placed_orders=_bind(PlacedOrderRow, app),
        membership_version=_bind(MembershipVersionRow, app),
        membership_changes=_bind(MembershipChangeRow, app),
        orders=_bind(OrderRow, app),
        ledger=_bind(LedgerRow, app),
        operations=_bind(OperationRow, app),
        resyncs=_bind(ResyncRow, app),
        users=_bind(UserRow, app),
        api_keys=_bind(ApiKeyRow, app),
        audit=_bind(AuditRow, app),
    )


TABLES: dict[Dialect, Tables] = {"sqlite": _tables("sqlite"), "postgres": _tables("postgres")}

__models__ = [model for tables in TABLES.values() for model in tables.models()]
"""Read by Tortoise: each store's app picks the models whose app label is its own."""
