"""The audit log's trigger lets a deleted account's entries lose their actor link.

AuditEntry.actor is SET_NULL so that a staff account can be deleted while its entries stay
(actor_name keeps who it was). Django does that with an UPDATE, which the trigger of 0004
refused, so deleting anyone who had ever viewed a transcript failed. The trigger now lets
through an UPDATE that only sets actor_id to NULL and changes nothing else; every other UPDATE
and every DELETE is still refused.
"""

from django.db import migrations

APPEND_ONLY_BUT_ACTOR_SET_NULL = """
CREATE OR REPLACE FUNCTION deskservice_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.actor_id IS NULL
        AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION deskservice_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""


def allow_actor_set_null(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_BUT_ACTOR_SET_NULL)


def refuse_every_update(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [
        ("deskservice", "0005_widget_settings"),
    ]

    operations = [
        migrations.RunPython(allow_actor_set_null, refuse_every_update),
    ]
