from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0005_checkout")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ResyncRow",
            fields=[
                ("campaign_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ("since", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "counter_resync",
                "app": "kampanya",
                "pk_attr": "campaign_id",
                "table_description": (
                    "A campaign whose counters may have missed a change the ledger took (the counter store was"
                ),
            },
            bases=["Model"],
        ),
    ]
