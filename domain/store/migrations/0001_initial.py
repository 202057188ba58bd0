import functools
from decimal import Decimal
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from domain.store.fields import MoneyField


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="CampaignRow",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ("status", fields.CharField(db_index=True, max_length=20)),
                ("version", fields.IntField()),
                ("catalog_version", fields.BigIntField(db_index=True)),
                ("document", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("author", fields.CharField(null=True, max_length=200)),
                ("written_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "campaign",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "The current state of a campaign: a copy of its latest version.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CampaignVersionRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("campaign_id", fields.CharField(max_length=100)),
                ("version", fields.IntField()),
                ("status", fields.CharField(max_length=20)),
                ("catalog_version", fields.BigIntField()),
                ("document", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("author", fields.CharField(null=True, max_length=200)),
                ("written_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "campaign_version",
                "app": "kampanya",
                "unique_together": (("campaign_id", "version"),),
                "pk_attr": "id",
                "table_description": "One version of a campaign, written once and never changed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CatalogRow",
            fields=[
                ("id", fields.SmallIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("version", fields.BigIntField(default=0)),
            ],
            options={
                "table": "catalog",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "The catalog version (one row), bumped with every campaign or code change.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CodeRow",
            fields=[
                ("code", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("campaign_id", fields.CharField(db_index=True, max_length=100)),
                ("customer_id", fields.CharField(null=True, db_index=True, max_length=200)),
                ("max_uses", fields.IntField(null=True)),
                ("once_per_customer", fields.BooleanField(default=False)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("active", fields.BooleanField(default=True)),
                ("catalog_version", fields.BigIntField(db_index=True)),
            ],
            options={
                "table": "coupon_code",
                "app": "kampanya",
                "pk_attr": "code",
                "table_description": "A managed coupon code, stored in its normalized (upper-case) form.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CustomerRow",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ("name", fields.CharField(null=True, max_length=200)),
                ("email", fields.CharField(null=True, max_length=320)),
                ("country", fields.CharField(null=True, max_length=2)),
                ("city", fields.CharField(null=True, max_length=100)),
                (
                    "attributes",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("orders_count", fields.IntField(default=0)),
                ("total_spent", MoneyField(default=Decimal("0"))),
                ("last_order_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "customer", "app": "kampanya", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("segment_id", fields.CharField(max_length=100)),
                ("customer_id", fields.CharField(db_index=True, max_length=200)),
            ],
            options={
                "table": "segment_member",
                "app": "kampanya",
                "unique_together": (("segment_id", "customer_id"),),
                "pk_attr": "id",
                "table_description": "A customer's membership of a static segment.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProductRow",
            fields=[
                ("sku", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ("name", fields.CharField(null=True, max_length=300)),
                (
                    "categories",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("brand", fields.CharField(null=True, db_index=True, max_length=100)),
                (
                    "collections",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "attributes",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("price", MoneyField()),
                ("currency", fields.CharField(max_length=3)),
            ],
            options={"table": "product", "app": "kampanya", "pk_attr": "sku"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SegmentRow",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ("name", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
            ],
            options={"table": "segment", "app": "kampanya", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SettingsRow",
            fields=[
                ("id", fields.SmallIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("document", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("written_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tenant_settings",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "The tenant settings document (one row).",
            },
            bases=["Model"],
        ),
    ]
