import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0007_admin_users_keys_audit")]

    initial = False

    operations = [
        ops.AddField(
            model_name="CodeRow",
            name="batch_id",
            field=fields.CharField(null=True, db_index=True, max_length=40),
        ),
        ops.CreateModel(
            name="CodeBatchRow",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ("campaign_id", fields.CharField(db_index=True, max_length=100)),
                ("status", fields.CharField(db_index=True, max_length=10)),
                ("requested", fields.IntField()),
                ("done", fields.IntField(default=0)),
                ("spec", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                (
                    "report",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("created_by", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("finished_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("lease_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "code_batch",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "A batch of generated codes (a background job): what was asked, how far it "
                "is, and its final report.",
            },
            bases=["Model"],
        ),
    ]
