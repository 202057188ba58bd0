"""The single catalog version row (hand-written data migration on top of `makemigrations --empty`)."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0001_initial")]

    initial = False

    operations = [
        ops.RunSQL(
            sql='INSERT INTO "catalog" ("id", "version") VALUES (1, 0)',
            reverse_sql='DELETE FROM "catalog" WHERE "id" = 1',
        ),
    ]
