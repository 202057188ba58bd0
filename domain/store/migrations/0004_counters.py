import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0003_settings_catalog_version")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AttemptRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("key", fields.CharField(max_length=300)),
                ("at", fields.FloatField()),
            ],
            options={
                "table": "coupon_attempt",
                "app": "kampanya",
                "indexes": [Index(fields=["key", "at"])],
                "pk_attr": "id",
                "table_description": "One failed coupon attempt under a key (a customer, a client address).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CounterRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("campaign_id", fields.CharField(max_length=100)),
                ("field", fields.CharField(max_length=500)),
                ("amount", fields.BigIntField(default=0)),
            ],
            options={
                "table": "counter",
                "app": "kampanya",
                "unique_together": (("campaign_id", "field"),),
                "pk_attr": "id",
                "table_description": "What is taken (committed plus held) from one limit of a campaign.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="HoldRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("campaign_id", fields.CharField(max_length=100)),
                ("order_id", fields.CharField(max_length=200)),
                ("expires_at", fields.FloatField()),
                ("taken", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
            ],
            options={
                "table": "counter_hold",
                "app": "kampanya",
                "unique_together": (("campaign_id", "order_id"),),
                "indexes": [Index(fields=["campaign_id", "expires_at"])],
                "pk_attr": "id",
                "table_description": "What one order holds from one campaign until it expires, by counter field.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReturnRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("campaign_id", fields.CharField(max_length=100)),
                ("return_id", fields.CharField(max_length=200)),
                ("order_id", fields.CharField(max_length=200)),
            ],
            options={
                "table": "counter_return",
                "app": "kampanya",
                "unique_together": (("campaign_id", "return_id"),),
                "pk_attr": "id",
                "table_description": "A return given back to a campaign's counters (each return once).",
            },
            bases=["Model"],
        ),
    ]
