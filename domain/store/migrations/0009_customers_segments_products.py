"""Customers' contact fields, consents and last order total; placed orders; dynamic segment rules and the
membership version the pricing cores reload membership by."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from domain.store.fields import MoneyField


def _json(**kwargs: object) -> fields.JSONField[object]:
    return fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads, **kwargs)


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0008_code_batches")]

    initial = False

    operations = [
        ops.AddField(model_name="CustomerRow", name="phone", field=fields.CharField(null=True, max_length=40)),
        ops.AddField(model_name="CustomerRow", name="postal_code", field=fields.CharField(null=True, max_length=20)),
        ops.AddField(
            model_name="CustomerRow",
            name="created_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(model_name="CustomerRow", name="consents", field=_json(default=dict, db_default="{}")),
        ops.AddField(model_name="CustomerRow", name="last_order_total", field=MoneyField(null=True)),
        ops.AddField(model_name="SegmentRow", name="rule", field=_json(null=True)),
        ops.CreateModel(
            name="PlacedOrderRow",
            fields=[
                ("order_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ("customer_id", fields.CharField(db_index=True, max_length=200)),
                ("channel", fields.CharField(null=True, max_length=100)),
                ("currency", fields.CharField(max_length=3)),
                ("total", fields.BigIntField()),
                ("discount", fields.BigIntField(default=0)),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("campaign_ids", _json(default=list)),
            ],
            options={
                "table": "placed_order",
                "app": "kampanya",
                "pk_attr": "order_id",
                "table_description": "An order a customer placed (committed at checkout, or told by `orderPlaced`), "
                "counted once, money in minor units of its currency.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MembershipVersionRow",
            fields=[
                ("id", fields.SmallIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("version", fields.BigIntField(default=0)),
            ],
            options={
                "table": "membership_version",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "The membership version (one row), bumped in the transaction of every "
                "segment membership change.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MembershipChangeRow",
            fields=[
                ("customer_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ("version", fields.BigIntField(db_index=True)),
            ],
            options={
                "table": "membership_change",
                "app": "kampanya",
                "pk_attr": "customer_id",
                "table_description": "The membership version at which a customer's segments last changed (what "
                "pricing cores reload).",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            sql='INSERT INTO "membership_version" ("id", "version") VALUES (1, 0)',
            reverse_sql='DELETE FROM "membership_version" WHERE "id" = 1',
        ),
    ]
