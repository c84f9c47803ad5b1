"""Tell PostgreSQL how few combinations the report's breakdown columns make together.

Without these statistics the planner multiplies the columns' distinct counts (about 54,000
groups for a year of a million interactions where there are under 3,000), sorts a million
rows on disk instead of hashing them, and the breakdown query takes 1.8 s instead of 0.7 s.
Other databases have no such statistics; the migration does nothing there.
"""

from django.db import migrations

CREATE = """
CREATE STATISTICS IF NOT EXISTS interaction_breakdowns (ndistinct)
ON mode, location_id, department_id, operator_id, question_type_id, read_scale
FROM analytics_interaction
"""
DROP = "DROP STATISTICS IF EXISTS interaction_breakdowns"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_choices_read_scale_required_fields_report_indexes"),
    ]

    operations = [migrations.RunPython(create_statistics, drop_statistics)]
