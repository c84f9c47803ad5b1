from django.conf import settings
from django.db import migrations, models

# Word search matches any part of a word (icontains, which PostgreSQL runs as UPPER(x) LIKE '%W%'):
# trigram indexes on the same expressions let it use the indexes instead of reading every ticket.
# pg_trgm ships with PostgreSQL and is a trusted extension (13+), so the database's owner may
# create it. SQLite, the embedded default, has neither and keeps scanning, which a small desk can.
TRIGRAM_INDEXES = {
    "ticket_subject_trgm": "UPPER(subject::text) gin_trgm_ops",
    "ticket_question_trgm": "UPPER(question) gin_trgm_ops",
    "ticket_patron_name_trgm": "UPPER(patron_name::text) gin_trgm_ops",
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets_ticket USING gin ({expression})")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS ticket_incident_upper ON tickets_ticket (UPPER(incident_number::text))"
    )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*TRIGRAM_INDEXES, "ticket_incident_upper"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_outbox_next_attempt"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["-updated_at", "-id"],
                name="ticket_open_by_update",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["assignee", "queue", "external_team"],
                name="ticket_open_counts",
            ),
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
