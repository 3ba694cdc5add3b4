import io
import json
from datetime import date

import pytest
from django.core.management import call_command

from evaluation.bilan import Scope, compute_bilan
from evaluation.models import Response
from programme.privacy import inventory, purge_personal_data
from sessions_app.models import Participant
from smdq.retention import months_before, retention_limit
from tests.factories import AwarenessSessionFactory, ParticipantFactory
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 24), 24, date(2024, 11, 24)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 15), -2, date(2024, 3, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_purge_erases_names_and_comments_but_keeps_every_figure(programme, monkeypatch):  # noqa: F811
    for participant in Participant.objects.all():  # saved one by one so that the history records them
        participant.last_name, participant.first_name, participant.email = "Dupont", "Marie", "marie@example.fr"
        participant.save()
    Response.objects.update(comment="Merci, très intéressant")
    recent = AwarenessSessionFactory(clsm=programme["s1"].clsm, date=date(2026, 6, 1), held=True)
    kept = ParticipantFactory(session=recent, last_name="Martin", email="m@example.fr")
    before = json.dumps(compute_bilan(Scope.build()), sort_keys=True)

    dry = purge_personal_data(today=date(2026, 11, 24))
    assert dry.limit == date(2024, 11, 24) and not dry.applied
    assert dry.participants == 9 and dry.comments == 6
    assert Participant.objects.filter(last_name="Dupont").count() == 9  # a dry run changes nothing

    done = purge_personal_data(today=date(2026, 11, 24), apply=True)
    assert done.participants == 9
    assert not Participant.objects.filter(last_name="Dupont").exists()
    assert not Participant.objects.filter(email="marie@example.fr").exists()
    assert not Response.objects.exclude(comment="").exists()
    assert not Participant.history.filter(last_name="Dupont").exists()  # nor in the change history
    assert Participant.history.filter(last_name="Martin").exists()
    kept.refresh_from_db()
    assert kept.last_name == "Martin"  # within the retention period
    assert json.dumps(compute_bilan(Scope.build()), sort_keys=True) == before


def test_command_is_a_dry_run_unless_applied(programme):  # noqa: F811
    Participant.objects.update(email="x@example.fr")
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "simulation" in out.getvalue()
    assert Participant.objects.filter(email="x@example.fr").count() == 9
    call_command("purge_personal_data", "--apply", stdout=io.StringIO())
    assert not Participant.objects.filter(email="x@example.fr").exists()


def test_inventory_says_when_data_goes(programme, settings):  # noqa: F811
    settings.PERSONAL_DATA_RETENTION_MONTHS = 24
    Participant.objects.update(email="x@example.fr")
    rows = inventory()
    first = rows[0]
    assert first["season"] == "2022-2023" and first["participants"] == 9 and first["comments"] == 0
    assert first["purge_from"] == date(2025, 3, 12)
    assert retention_limit(date(2025, 3, 12)) == date(2023, 3, 12)
