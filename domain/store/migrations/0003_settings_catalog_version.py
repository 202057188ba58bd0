from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("kampanya", "0002_catalog_version_row")]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="SettingsRow",
            options={
                "table": "tenant_settings",
                "app": "kampanya",
                "pk_attr": "id",
                "table_description": "The tenant settings document (one row); a change bumps the catalog version.",
            },
        ),
        ops.AddField(
            model_name="SettingsRow",
            name="catalog_version",
            field=fields.BigIntField(default=0),
        ),
    ]
