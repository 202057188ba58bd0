"""The index every pricing core's sweeper finds lifecycle calls that never finished by (status, then start):
without it each sweep, every few seconds, read every call ever made — two per order."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0010_order_facts")]

    initial = False

    operations = [ops.AddIndex(model_name="OperationRow", index=Index(fields=["status", "started_at"]))]
