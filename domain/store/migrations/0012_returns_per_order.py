"""A return id is the client's, per order: the SQL counters' record of the returns given back is unique per
(campaign, order, return id), not per (campaign, return id) — two orders each returned under "r1" both give
their use back.

The constraint is replaced with SQL of each dialect: Tortoise's SQLite schema editor cannot drop a unique
constraint written inside CREATE TABLE (it looks for an index of the constraint's name), so on SQLite the
small table is rebuilt, rows kept."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

COLUMNS = ("campaign_id", "order_id", "return_id")
UNIQUE = ", ".join(f'"{column}"' for column in COLUMNS)


def _name(schema_editor: BaseSchemaEditor) -> str:
    """The name Tortoise gives this unique constraint (as a fresh schema would have it)."""
    return schema_editor._generate_index_name_for_table("uid", "counter_return", list(COLUMNS))


async def per_order(apps: object, schema_editor: BaseSchemaEditor) -> None:
    client = schema_editor.client
    name = _name(schema_editor)
    if client.capabilities.dialect == "sqlite":
        for statement in (
            'CREATE TABLE "counter_return_new" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
            '"campaign_id" VARCHAR(100) NOT NULL, "return_id" VARCHAR(200) NOT NULL, '
            f'"order_id" VARCHAR(200) NOT NULL, CONSTRAINT "{name}" UNIQUE ({UNIQUE}))',
            'INSERT INTO "counter_return_new" ("id", "campaign_id", "return_id", "order_id") '
            'SELECT "id", "campaign_id", "return_id", "order_id" FROM "counter_return"',
            'DROP TABLE "counter_return"',
            'ALTER TABLE "counter_return_new" RENAME TO "counter_return"',
        ):
            await client.execute_script(statement)
        return
    _, rows = await client.execute_query(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'counter_return'::regclass AND contype = 'u'"
    )
    for row in rows:
        await client.execute_script(f'ALTER TABLE "counter_return" DROP CONSTRAINT "{row["conname"]}"')
    await client.execute_script(f'ALTER TABLE "counter_return" ADD CONSTRAINT "{name}" UNIQUE ({UNIQUE})')


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0011_stalled_operations_index")]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="ReturnRow",
            options={
                "table": "counter_return",
                "app": "kampanya",
                "unique_together": (COLUMNS,),
                "pk_attr": "id",
                "table_description": (
                    "A return of an order given back to a campaign's counters (each once: return ids are per order)."
                ),
            },
        ),
        ops.RunPython(per_order),
    ]
