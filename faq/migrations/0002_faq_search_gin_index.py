"""The full-text index of FAQ entries, on PostgreSQL only (other databases search by substring)."""

from django.db import migrations

from faq.search import VECTOR

INDEX = "faq_entry_search"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON faq_faqentry USING gin ({VECTOR})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("faq", "0001_faq_entries")]

    operations = [migrations.RunPython(create, drop)]
