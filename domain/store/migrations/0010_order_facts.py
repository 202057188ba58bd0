"""The facts of order documents that reports aggregate, as columns of `checkout_order` (filled in for the
orders already there), and the indexes reports read the order book and the ledger by."""

import json
from typing import Any

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from domain.store.order_facts import ORDER_FACTS, order_facts

BATCH = 1_000
_SQL = {
    "postgres": {
        "read": "SELECT order_id, document FROM checkout_order WHERE order_id > $1 ORDER BY order_id LIMIT $2",
        "write": "UPDATE checkout_order SET "
        + ", ".join(f"{column} = ${index + 1}" for index, column in enumerate(ORDER_FACTS))
        + f" WHERE order_id = ${len(ORDER_FACTS) + 1}",
    },
    "sqlite": {
        "read": "SELECT order_id, document FROM checkout_order WHERE order_id > ? ORDER BY order_id LIMIT ?",
        "write": "UPDATE checkout_order SET "
        + ", ".join(f"{column} = ?" for column in ORDER_FACTS)
        + " WHERE order_id = ?",
    },
}


async def fill_order_facts(apps: object, schema_editor: BaseSchemaEditor) -> None:
    """Write the facts of every order already there, a batch of orders at a time."""
    client = schema_editor.client
    sql = _SQL["sqlite" if client.capabilities.dialect == "sqlite" else "postgres"]
    after = ""
    while True:
        _, rows = await client.execute_query(sql["read"], [after, BATCH])
        if not rows:
            return
        updates: list[list[Any]] = []
        for row in rows:
            order_id, document = row["order_id"], row["document"]
            facts = order_facts(json.loads(document) if isinstance(document, str | bytes) else document)
            updates.append([*(facts[column] for column in ORDER_FACTS), order_id])
        for values in updates:
            await client.execute_query(sql["write"], values)
        after = str(rows[-1]["order_id"])


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0009_customers_segments_products")]

    initial = False

    operations = [
        ops.AddField(model_name="OrderRow", name="channel", field=fields.CharField(null=True, max_length=100)),
        ops.AddField(model_name="OrderRow", name="customer_id", field=fields.CharField(null=True, max_length=200)),
        ops.AddField(model_name="OrderRow", name="currency", field=fields.CharField(null=True, max_length=3)),
        ops.AddField(model_name="OrderRow", name="order_value", field=fields.BigIntField(null=True)),
        ops.AddField(model_name="OrderRow", name="return_count", field=fields.IntField(default=0, db_default=0)),
        ops.AddIndex(model_name="OrderRow", index=Index(fields=["created_at", "status"])),
        ops.AddIndex(model_name="LedgerRow", index=Index(fields=["campaign_id", "kind"])),
        ops.RunPython(fill_order_facts),
    ]
