import pytest
from django.urls import reverse

from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_every_change_to_a_session_is_recorded_with_who_and_what(login, claire, session_a):
    client = login(claire)
    session_a.venue = "Maison de quartier"
    session_a._history_user = claire
    session_a.save()
    html = client.get(reverse("object_history", args=["seance", session_a.pk])).content.decode()
    assert "Centre social du quartier" in html and "Maison de quartier" in html
    assert "modification" in html and "Claire Martin" in html


def test_history_through_a_web_change_records_the_user(login, claire, clsm_a):
    client = login(claire)
    client.post(
        reverse("territories:clsm_edit", args=[clsm_a.pk]),
        {"name": "CLSM A de Lille-Lomme", "status": "actif", "contact_email": ""},
    )
    record = clsm_a.history.first()
    assert record.history_user == claire and record.name == "CLSM A de Lille-Lomme"
    html = client.get(reverse("object_history", args=["clsm", clsm_a.pk])).content.decode()
    assert "CLSM A de Lille-Lomme" in html and "CLSM A de Lille" in html


@pytest.mark.parametrize("kind", ["clsm", "sollicitation", "seance", "participant", "reponse"])
def test_kinds_with_history(kind):
    from django.apps import apps

    from programme.views_history import HISTORY_KINDS

    assert hasattr(apps.get_model(HISTORY_KINDS[kind]), "history")


def test_history_is_for_the_national_centre(login, alice, fanny, session_a):
    participant = ParticipantFactory(session=session_a)
    for user in (alice, fanny):
        assert login(user).get(reverse("object_history", args=["participant", participant.pk])).status_code == 403
    assert login(alice).get(reverse("object_history", args=["inconnu", 1])).status_code == 403
