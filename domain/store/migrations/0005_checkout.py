import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0004_counters")]

    initial = False

    operations = [
        ops.CreateModel(
            name="LedgerRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("order_id", fields.CharField(db_index=True, max_length=200)),
                ("campaign_id", fields.CharField(db_index=True, max_length=100)),
                ("kind", fields.CharField(max_length=10)),
                ("held_uses", fields.IntField(default=0)),
                ("held_discount", fields.BigIntField(default=0)),
                ("held_value", fields.BigIntField(default=0)),
                ("used_uses", fields.IntField(default=0)),
                ("used_discount", fields.BigIntField(default=0)),
                ("used_value", fields.BigIntField(default=0)),
                ("claim", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("return_id", fields.CharField(null=True, max_length=200)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "ledger",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "One step of an order on one campaign (append-only).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OperationRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("order_id", fields.CharField(max_length=200)),
                ("operation", fields.CharField(max_length=20)),
                ("key", fields.CharField(max_length=200)),
                ("request_hash", fields.CharField(max_length=64)),
                ("status", fields.CharField(max_length=10)),
                (
                    "response",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "checkout_operation",
                "app": "kampanya",
                "unique_together": (("order_id", "operation", "key"),),
                "pk_attr": "id",
                "table_description": "A lifecycle call under its idempotency key.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OrderRow",
            fields=[
                ("order_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ("status", fields.CharField(db_index=True, max_length=20)),
                ("document", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "checkout_order",
                "app": "kampanya",
                "pk_attr": "order_id",
                "table_description": "An order of the checkout lifecycle.",
            },
            bases=["Model"],
        ),
    ]
