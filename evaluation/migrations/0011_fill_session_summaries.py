"""Fills the per-session summaries the bilan reads from what the database already holds (one INSERT … SELECT
each); afterwards every write path keeps them up to date, and `manage.py rebuild_summaries` rebuilds them."""

from django.db import migrations

# As of this migration (sessions_app.Profile); later profiles are counted by the write paths and the rebuild.
PROFILES = (
    "habitant personne_concernee elu sante_psychiatrie social medico_social emploi_insertion jeunesse education "
    "habitat droits sport citoyennete culture collectivite autre"
).split()
COUNTS = {
    "rows": "1 = 1",
    "with_gender": "gender <> ''",
    "women": "gender = 'femme'",
    "lives_known": "lives_in_qpv IS NOT NULL",
    "lives": "lives_in_qpv",
    "acts_known": "acts_in_qpv IS NOT NULL",
    "acts": "acts_in_qpv",
    **{f"profile_{code}": f"profile = '{code}'" for code in PROFILES},
}
PARTICIPANT_SUMMARY = (
    f"INSERT INTO sessions_app_sessionparticipantsummary (session_id, {', '.join(COUNTS)}) SELECT session_id, "
    + ", ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" for condition in COUNTS.values())
    + " FROM sessions_app_participant GROUP BY session_id"
)

STATEMENTS = [
    "DELETE FROM sessions_app_sessionparticipantsummary",
    "DELETE FROM sessions_app_sessionstructure",
    "DELETE FROM evaluation_sessionsummary",
    PARTICIPANT_SUMMARY,
    "INSERT INTO sessions_app_sessionstructure (session_id, structure_id) SELECT DISTINCT session_id, structure_id "
    "FROM sessions_app_participant WHERE structure_id IS NOT NULL",
    "INSERT INTO evaluation_sessionsummary (session_id, responses, needs) SELECT session_id, COUNT(*), '{}' "
    "FROM evaluation_response GROUP BY session_id",
]


NEEDS = (
    "SELECT r.session_id, COALESCE(c.code, ''), COUNT(*) FROM evaluation_need n "
    "JOIN evaluation_response r ON r.id = n.response_id LEFT JOIN evaluation_needcategory c ON c.id = n.category_id "
    "GROUP BY r.session_id, COALESCE(c.code, '')"
)


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in STATEMENTS:
            cursor.execute(statement)
        cursor.execute(NEEDS)
        needs = {}
        for session_id, code, n in cursor.fetchall():
            needs.setdefault(session_id, {})[code] = n
    summary = apps.get_model("evaluation", "SessionSummary")
    rows = [summary(session_id=session_id, needs=counts) for session_id, counts in needs.items()]
    summary.objects.bulk_update(rows, ["needs"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0010_session_summaries"),
        ("sessions_app", "0004_participant_summaries"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
