"""The four role groups with their permissions, and the audit log's append-only trigger."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from deskservice.roles import sync_role_groups


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now so
    # the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def remove_role_groups(apps, schema_editor):
    from deskservice.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION deskservice_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER deskservice_audit_append_only
    BEFORE UPDATE OR DELETE ON deskservice_auditentry
    FOR EACH ROW EXECUTE FUNCTION deskservice_audit_append_only();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS deskservice_audit_append_only ON deskservice_auditentry;
DROP FUNCTION IF EXISTS deskservice_audit_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("deskservice", "0003_retention_audit_roles"),
        ("chat", "0006_retention_audit_roles"),
        ("tickets", "0004_retention_audit_roles"),
        ("analytics", "0005_breakdown_statistics"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, remove_role_groups),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
