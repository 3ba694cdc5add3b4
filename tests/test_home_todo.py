"""The home page's « À faire »: each count links to its list, goes down as the work is done, and the page costs the
same number of queries whatever the size of the data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.models import FollowUp, QuestionnaireLink
from evaluation.responses import Sheet, create_response
from territories import onboarding
from territories.models import ContactRequest
from tests.factories import AwarenessSessionFactory, ParticipantFactory, SessionRequestFactory

pytestmark = pytest.mark.django_db


def todos(client) -> dict[str, tuple[int, str]]:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {todo.key: (todo.count, todo.url) for todo in response.context["todos"]}


def counts(client) -> dict[str, int]:
    return {key: count for key, (count, _url) in todos(client).items()}


def make_work(clsm, claire, *, n=1):
    """n of each kind of work waiting, around today."""
    today = timezone.localdate()
    for index in range(n):
        SessionRequestFactory(clsm=clsm, requested_on=today - timedelta(days=10 + index))
        AwarenessSessionFactory(clsm=clsm, date=today - timedelta(days=3), confirmed=True)  # to close
        held = AwarenessSessionFactory(clsm=clsm, date=today - timedelta(days=2), held=True, actual_attendance=3)
        ParticipantFactory(session=held)
        create_response(held, Sheet(answers={"sat_logistique": 4}, needs=[("Des formations", None)]), channel="papier")
        AwarenessSessionFactory(clsm=clsm, date=today + timedelta(days=3), confirmed=True)  # no questionnaire link
        followup = FollowUp.objects.create(session=held, due_on=today - timedelta(days=40))
        FollowUp.objects.filter(pk=followup.pk).update(reminded_at=timezone.now() - timedelta(days=35))
        old = AwarenessSessionFactory(clsm=clsm, date=today - timedelta(days=365 * 3), held=True)
        ParticipantFactory(session=old, last_name="Ancien")
        old.actual_attendance = 1
        old.save()
        create_response(old, Sheet(answers={"sat_logistique": 3}), channel="papier")
        ContactRequest.objects.create(
            clsm_name=f"CLSM {index}",
            communes="X",
            first_name="A",
            last_name="B",
            email=f"{index}@x.fr",
            client_key="k",
        )
        onboarding.invite(
            email=f"inv{index}@x.fr", first_name="I", last_name="N", clsms=[clsm], invited_by=claire, base_url="/"
        )


def test_each_count_links_to_its_list_and_goes_down_as_work_is_done(login, claire, clsm_a):
    make_work(clsm_a, claire)
    client = login(claire)
    found = todos(client)
    assert {key: count for key, (count, _url) in found.items()} == {
        "requests": 1,
        "validation": 0,  # sessions the territories ran themselves (tests/test_self_run.py)
        "seances-a-cloturer": 1,
        "feuilles-a-saisir": 1,  # 3 present, 1 response
        "sans-questionnaire": 1,
        "needs": 1,
        "followups": 1,
        "personal_data": 1,
        "contacts": 1,
        "invitations": 1,
    }
    page = client.get(reverse("home")).content.decode()
    assert "la plus ancienne" in page and "À faire" in page
    for key, (_count, url) in found.items():
        assert client.get(url).status_code == 200, key
    listed = client.get(found["feuilles-a-saisir"][1])
    assert [s.reference for s in listed.context["page"]] and "1 / 3" in listed.content.decode()

    # The work is done, one kind after the other.
    from evaluation.models import Need, NeedCategory
    from sessions_app.models import AwarenessSession, SessionRequest
    from territories.models import Invitation

    today = timezone.localdate()
    SessionRequest.objects.get().start_review(claire)
    SessionRequest.objects.get().decline(claire, "Pas de date possible")
    AwarenessSession.objects.get(date=today - timedelta(days=3)).mark_held(claire)
    held = AwarenessSession.objects.get(date=today - timedelta(days=2))
    for _ in range(2):
        create_response(held, Sheet(answers={"sat_logistique": 5}), channel="papier")
    QuestionnaireLink.objects.create(session=AwarenessSession.objects.get(date=today + timedelta(days=3)))
    Need.objects.update(category=NeedCategory.objects.first())
    FollowUp.objects.update(answered_at=timezone.now())
    from programme.privacy import purge_personal_data

    purge_personal_data(apply=True)
    ContactRequest.objects.update(status=ContactRequest.Status.FILED)
    Invitation.objects.get().revoke()
    after = counts(client)
    # The session marked held is now one whose sheets are missing (no participant, no attendance: 0 expected).
    assert after == dict.fromkeys(after, 0), after


def test_home_query_count_does_not_depend_on_data_size(login, claire, clsm_a, clsm_b):
    make_work(clsm_a, claire)
    client = login(claire)
    client.get(reverse("home"))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    make_work(clsm_b, claire, n=6)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("home"))
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    assert len(small) <= 30


def test_todo_lists_are_for_the_national_centre_only(login, alice, fanny, claire):
    for user in (alice, fanny):
        assert login(user).get(reverse("todo_sessions", args=["seances-a-cloturer"])).status_code == 403
    assert login(claire).get(reverse("todo_sessions", args=["inconnu"])).status_code == 404
    assert "todos" not in login(alice).get(reverse("home")).context


def test_the_coordinator_sees_their_next_session_and_what_is_expected(login, alice, clsm_a, clsm_b, claire):
    today = timezone.localdate()
    AwarenessSessionFactory(clsm=clsm_b, date=today + timedelta(days=1), reference="B-NEXT")  # not hers
    soon = AwarenessSessionFactory(
        clsm=clsm_a, date=today + timedelta(days=2), confirmed=True, venue="Salle Racine", reference="A-NEXT"
    )
    AwarenessSessionFactory(clsm=clsm_a, date=today + timedelta(days=5), reference="A-LATER")
    untyped = AwarenessSessionFactory(clsm=clsm_a, date=today - timedelta(days=4), held=True, reference="A-HELD")
    client = login(alice)
    response = client.get(reverse("home"))
    todo = response.context["todo"]
    assert todo.next_session == soon and not todo.next_session_link
    assert [s.reference for s in todo.kits] == ["A-NEXT", "A-LATER"]
    assert todo.sign_in_sheets == [untyped]
    page = response.content.decode()
    assert "Prochaine séance" in page and "Salle Racine" in page
    assert reverse("sessions_app:sign_in_sheet", args=[soon.pk]) in page
    assert reverse("evaluation:link_page", args=[soon.pk]) in page
    assert reverse("sessions_app:participant_entry", args=[untyped.pk]) in page

    QuestionnaireLink.objects.create(session=soon)
    ParticipantFactory(session=untyped)
    response = client.get(reverse("home"))
    assert response.context["todo"].next_session_link and response.context["todo"].sign_in_sheets == []
    assert reverse("evaluation:poster_pdf", args=[soon.pk]) in response.content.decode()


def test_the_demonstration_lays_out_every_feature(settings, client):
    import io

    from django.core.management import call_command

    from accounts.models import User
    from territories.models import Invitation

    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    line = out.getvalue().splitlines()[-1]
    assert line.startswith("À découvrir : ") and "1 invitation en attente, 1 demande de contact." in line
    assert FollowUp.objects.due().exists()
    assert FollowUp.objects.due().filter(reminded_at__isnull=False).exists()  # overdue ones
    assert any(link.is_open() for link in QuestionnaireLink.objects.all())
    assert Invitation.objects.pending().count() == 1 and ContactRequest.objects.waiting().count() == 1
    client.force_login(User.objects.get(username="chargee"))
    found = counts(client)
    for key in ("requests", "feuilles-a-saisir", "needs", "followups", "contacts", "invitations"):
        assert found[key] > 0, key
    call_command("seed_demo", stdout=io.StringIO())  # again: replaced, not added
    assert Invitation.objects.count() == 1 and ContactRequest.objects.count() == 1
