import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

APPEND_ONLY = {
    "postgres": [
        """CREATE FUNCTION kampanya_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$""",
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION kampanya_audit_append_only()""",
        """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION kampanya_audit_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END""",
    ],
}


async def append_only(apps: object, schema_editor: BaseSchemaEditor) -> None:
    """Make the audit log append-only in the database itself: the application cannot change it."""
    dialect = "sqlite" if schema_editor.client.capabilities.dialect == "sqlite" else "postgres"
    for statement in APPEND_ONLY[dialect]:
        await schema_editor.client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0006_counter_resync")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ApiKeyRow",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ("name", fields.CharField(max_length=200)),
                ("role", fields.CharField(max_length=20)),
                ("secret_hash", fields.CharField(max_length=64)),
                ("created_by", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_key",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "An API key of the admin graph: only the SHA-256 of its secret is kept.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuditRow",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("actor", fields.CharField(db_index=True, max_length=200)),
                ("role", fields.CharField(max_length=20)),
                ("action", fields.CharField(max_length=60)),
                ("target_type", fields.CharField(max_length=40)),
                ("target_id", fields.CharField(db_index=True, max_length=200)),
                (
                    "before",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                (
                    "after",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("request_id", fields.CharField(max_length=100)),
            ],
            options={
                "table": "audit_log",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "One admin mutation (append-only: triggers refuse updates and deletes).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserRow",
            fields=[
                ("subject", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ("email", fields.CharField(null=True, max_length=320)),
                ("role", fields.CharField(max_length=20)),
                ("disabled", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "admin_user",
                "app": "kampanya",
                "pk_attr": "subject",
                "table_description": "A person of the admin graph, known by the subject of their JWT, with one role.",
            },
            bases=["Model"],
        ),
        ops.RunPython(append_only),
    ]
