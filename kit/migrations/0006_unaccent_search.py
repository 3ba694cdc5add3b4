"""The catalogue search ignores accents on PostgreSQL: the `unaccent` extension (shipped with PostgreSQL's
contrib modules, trusted since PostgreSQL 13: the database's owner may create it) and a text search
configuration, `french_unaccent`, which takes the accents off before the French stemmer. Nothing on SQLite, where
`smdq.text.fold` does the same (kit/models.py, `search`)."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CREATE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent;"


def create_configuration(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_configuration(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("kit", "0005_need_action_mappings")]

    operations = [
        UnaccentExtension(),
        migrations.RunPython(create_configuration, drop_configuration),
    ]
