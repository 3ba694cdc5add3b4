"""Territories that run the programme themselves: local animators, self-run sessions, their validation by the
national centre, and what the bilan counts (issue 16)."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from evaluation.bilan import Scope, compute_bilan
from evaluation.models import Need, Response
from evaluation.reminders import send_practical_kits, send_sheets_to_type
from evaluation.responses import Sheet, create_response
from evaluation.suppression import suppress_for_funder
from sessions_app.models import AwarenessSession, InvalidTransition, SessionValidationChange
from territories.models import QPV, Invitation
from tests.factories import AwarenessSessionFactory, ParticipantFactory
from tests.test_paper_entry import FULL, sheet_data

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-mot-de-passe-solide-2026"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def post(client, url, data=None):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data or {})
        return response, list(mail.outbox)

    return post


@pytest.fixture
def self_run(clsm_a, lea_of_a):
    """A held session CLSM A ran itself, animated by Léa, waiting for validation."""
    return AwarenessSessionFactory(
        clsm=clsm_a, held=True, self_run=True, animators=[lea_of_a], reference="2024-101", actual_attendance=6
    )


def fill(session, sheets=5, participants=5, user=None):
    for _ in range(participants):
        ParticipantFactory(session=session)
    for _ in range(sheets):
        create_response(session, Sheet(answers={"sat_logistique": 4}), channel="papier", user=user)


# Invitations ----------------------------------------------------------------------------------------------


def test_a_coordinator_invites_a_local_animator_who_creates_her_account(send, login, client, alice, clsm_a, clsm_b):
    coordinator = login(alice)
    page = coordinator.get(reverse("territories:local_animator_invite"))
    assert [c.pk for c in page.context["form"].fields["clsms"].queryset] == [clsm_a.pk]  # her CLSM only
    data = {"first_name": "Nina", "last_name": "Roche", "email": "nina@asso.fr", "clsms": [clsm_b.pk]}
    response, _sent = send(coordinator, reverse("territories:local_animator_invite"), data)
    assert response.status_code == 200 and "clsms" in response.context["form"].errors  # never another CLSM
    data["clsms"] = [clsm_a.pk]
    response, (message,) = send(coordinator, reverse("territories:local_animator_invite"), data)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.role == Role.LOCAL_ANIMATOR and invitation.invited_by == alice
    assert "Vous êtes invité·e à animer, pour le CLSM «\xa0CLSM A de Lille\xa0»" in message.body
    url = re.search(r"http://testserver(/territoires/invitation/[^/\s]+/)", message.body).group(1)
    client.logout()
    welcome = " ".join(client.get(url).content.decode().split())
    assert "Vous êtes invité·e à animer les séances de" in welcome and "coordonner" not in welcome
    client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    nina = User.objects.get(email="nina@asso.fr")
    assert nina.role == Role.LOCAL_ANIMATOR
    assert list(nina.local_animator_clsms.all()) == [clsm_a] and not nina.clsms.exists()  # not a coordinator


def test_an_address_already_known_is_refused_without_naming_its_owner(send, login, alice, bob, clsm_a):
    """The address of a person of another CLSM: a coordinator learns that it has an account, never whose, and only
    what she can do about it (the pages the national centre's message pointed to answer her 403)."""
    coordinator = login(alice)
    url = reverse("territories:local_animator_invite")
    data = {"first_name": "Paul", "last_name": "Test", "email": bob.email.upper(), "clsms": [clsm_a.pk]}
    response, sent = send(coordinator, url, data)
    (error,) = response.context["form"].errors["email"]
    assert not sent and "Un compte existe déjà pour cette adresse" in error and "centre national" in error
    assert bob.last_name not in error and "coordinateur·rices" not in error
    data["email"] = "paul.test@example.fr"
    send(coordinator, url, data)
    response, sent = send(coordinator, url, {**data, "email": "PAUL.test@example.fr"})
    (error,) = response.context["form"].errors["email"]
    assert not sent and "renvoyez-la depuis la liste des animateur·rices locaux·ales" in error


def test_the_local_animator_list_shows_a_coordinator_her_own_team_only(login, alice, bob, lea_of_a, leo):
    html = login(alice).get(reverse("territories:local_animator_list")).content.decode()
    assert "Léa Bernard" in html and "Léo Garnier" not in html
    response = login(bob).post(reverse("territories:local_animator_remove", args=[lea_of_a.pk]))
    assert response.status_code == 404  # not of his CLSM


def local_invitation(clsms, invited_by, email="nina@asso.fr"):
    invitation = Invitation.objects.create(
        email=email, first_name="Nina", last_name="Roche", role=Role.LOCAL_ANIMATOR, invited_by=invited_by
    )
    invitation.clsms.set(clsms)
    return invitation


def test_a_coordinator_resends_and_revokes_her_local_animators_invitations(send, login, alice, clsm_a):
    invitation = local_invitation([clsm_a], alice)
    client = login(alice)
    html = client.get(reverse("territories:local_animator_list")).content.decode()
    assert reverse("territories:invitation_resend", args=[invitation.pk]) in html
    assert reverse("territories:invitation_revoke", args=[invitation.pk]) in html
    response, (message,) = send(client, reverse("territories:invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302 and response.url == reverse("territories:local_animator_list")
    assert message.to == ["nina@asso.fr"]
    invitation.refresh_from_db()
    assert invitation.sent_count == 2
    response, _sent = send(client, reverse("territories:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302 and response.url == reverse("territories:local_animator_list")
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_a_coordinator_acts_only_on_local_animator_invitations_of_her_own_clsms(
    send, login, alice, bob, claire, clsm_a, clsm_b
):
    of_b = local_invitation([clsm_b], bob, email="b@asso.fr")
    of_both = local_invitation([clsm_a, clsm_b], claire, email="ab@asso.fr")
    coordinator_of_a = Invitation.objects.create(email="c@asso.fr", first_name="C", last_name="D", invited_by=claire)
    coordinator_of_a.clsms.set([clsm_a])
    client = login(alice)
    for invitation in (of_b, of_both, coordinator_of_a):
        for name in ("territories:invitation_resend", "territories:invitation_revoke"):
            response, sent = send(client, reverse(name, args=[invitation.pk]))
            assert response.status_code == 404 and sent == []
        invitation.refresh_from_db()
        assert invitation.state == "pending" and invitation.sent_count == 1
    # Listed (it names her CLSM), but without the buttons: only the national centre acts on it.
    html = client.get(reverse("territories:local_animator_list")).content.decode()
    assert "ab@asso.fr" in html and reverse("territories:invitation_revoke", args=[of_both.pk]) not in html
    # The national centre still acts on every one.
    response, _sent = send(login(claire), reverse("territories:invitation_revoke", args=[of_both.pk]))
    assert response.status_code == 302 and response.url == reverse("territories:local_animator_list")


# Creating a self-run session ---------------------------------------------------------------------------------


def self_run_data(clsm, qpvs, animators, day=None):
    return {
        "clsm": clsm.pk,
        "qpvs": [q.pk for q in qpvs],
        "date": (day or timezone.localdate() + timedelta(days=20)).isoformat(),
        "start_time": "14:00",
        "duration_minutes": 180,
        "venue": "Maison de quartier",
        "address": "",
        "animators": [a.pk for a in animators],
        "expected_attendance": 12,
        "notes": "",
    }


def test_a_coordinator_creates_a_self_run_session_for_her_perimeter(
    send, login, alice, clsm_a, clsm_b, lea_of_a, leo, claire
):
    client = login(alice)
    url = reverse("sessions_app:self_run_create")
    qpv_b = QPV.objects.get(code="QN01330M")
    response, _sent = send(client, url, self_run_data(clsm_a, [qpv_b], [lea_of_a]))
    assert response.status_code == 200 and "qpvs" in response.context["form"].errors
    response, _sent = send(client, url, self_run_data(clsm_a, clsm_a.qpvs.all(), [leo]))
    assert "animators" in response.context["form"].errors  # Léo animates for CLSM B
    response, sent = send(client, url, self_run_data(clsm_a, clsm_a.qpvs.all(), [lea_of_a, claire]))
    assert response.status_code == 302
    session = AwarenessSession.objects.get(mode=AwarenessSession.Mode.TERRITORY)
    assert session.request is None and session.coordinator == alice
    assert session.validation == AwarenessSession.Validation.PENDING
    assert set(session.animators.all()) == {lea_of_a, claire}
    assert session.validation_changes.get().changed_by == alice
    assert {address for message in sent for address in message.to} >= {lea_of_a.email, claire.email}


def test_a_coordinator_without_clsm_cannot_create_one(login, alice):
    assert login(alice).get(reverse("sessions_app:self_run_create")).status_code == 403


# What a local animator sees ----------------------------------------------------------------------------------


def test_a_local_animator_sees_only_the_sessions_she_animates(login, lea_of_a, leo, self_run, session_a, session_b):
    assert list(AwarenessSession.objects.visible_to(lea_of_a)) == [self_run]
    assert list(AwarenessSession.objects.visible_to(leo)) == []
    client = login(lea_of_a)
    html = client.get(reverse("sessions_app:session_list")).content.decode()
    assert "2024-101" in html and session_a.reference not in html and session_b.reference not in html
    # The list's « Calendrier » link: her sessions in the month, no one else's (it answered her 403).
    month = client.get(reverse("sessions_app:session_calendar"), {"month": f"{self_run.date:%Y-%m}"})
    calendar = month.content.decode()
    assert month.status_code == 200 and self_run.reference in calendar and session_a.reference not in calendar
    # The CLSM's page is not hers: its name is written, not linked to a 403.
    detail = client.get(reverse("sessions_app:session_detail", args=[self_run.pk])).content.decode()
    assert self_run.clsm.name in detail and reverse("territories:clsm_detail", args=[self_run.clsm_id]) not in detail
    assert login(leo).get(reverse("sessions_app:session_detail", args=[self_run.pk])).status_code == 404
    # Taken off the CLSM, she no longer sees its sessions, even those she is still named on.
    self_run.clsm.local_animators.remove(lea_of_a)
    assert not AwarenessSession.objects.visible_to(lea_of_a).exists()


def test_a_local_animator_never_reads_the_bilan_nor_a_request(login, lea_of_a, self_run):
    client = login(lea_of_a)
    for name in ("evaluation:dashboard", "evaluation:bilan_json", "sessions_app:request_list", "territories:clsm_list"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("evaluation:bilan_json") + f"?clsm={self_run.clsm_id}").status_code == 403


def test_a_local_animator_types_sheets_that_keep_who_entered_them(login, lea_of_a, self_run, session_a):
    client = login(lea_of_a)
    for number in (1, 2):
        response = client.post(reverse("evaluation:paper_entry", args=[self_run.pk]), sheet_data(FULL, number=number))
        assert response.status_code == 303
    assert list(Response.objects.filter(session=self_run).values_list("entered_by", flat=True)) == [lea_of_a.pk] * 2
    # A session of the national centre: never, even one of her CLSM.
    session_a.animators.add(lea_of_a)
    assert client.get(reverse("evaluation:paper_entry", args=[session_a.pk])).status_code == 403


def test_a_category_picked_while_typing_a_sheet_records_who_gave_it(login, lea_of_a, claire, self_run):
    """Like one given on the needs screen: by whom and when, on creation and on correction."""
    need, other = "Se former à l'écoute", "Un annuaire des acteurs"
    client = login(lea_of_a)
    data = sheet_data(FULL, needs=[(need, "competences"), (other, "")], number=1)
    assert client.post(reverse("evaluation:paper_entry", args=[self_run.pk]), data).status_code == 303
    first, second = Need.objects.order_by("position")
    assert (first.category.code, first.categorised_by) == ("competences", lea_of_a) and first.categorised_at
    assert (second.category, second.categorised_by, second.categorised_at) == (None, None, None)
    given_at = first.categorised_at
    # Claire corrects the sheet: the unchanged category stays Léa's; the one she picks is hers.
    data = sheet_data(FULL, needs=[(need, "competences"), (other, "reseau")])
    response = login(claire).post(reverse("evaluation:sheet_edit", args=[self_run.pk, 1]), data)
    assert response.status_code in (302, 303)
    first, second = Need.objects.order_by("position")
    assert (first.categorised_by, first.categorised_at) == (lea_of_a, given_at)
    assert (second.category.code, second.categorised_by) == ("reseau", claire) and second.categorised_at
    # Another category on the same need: now hers.
    data = sheet_data(FULL, needs=[(need, "actions"), (other, "reseau")])
    login(claire).post(reverse("evaluation:sheet_edit", args=[self_run.pk, 1]), data)
    assert Need.objects.get(position=1).categorised_by == claire


def test_a_local_animator_sees_paper_sheets_never_online_answers(lea_of_a, self_run):
    create_response(self_run, Sheet(answers={"sat_logistique": 4}), channel="papier")
    create_response(self_run, Sheet(answers={"sat_logistique": 5}, comment="merci"), channel="en_ligne")
    assert list(Response.objects.visible_to(lea_of_a).values_list("channel", flat=True)) == ["papier"]


def test_the_local_animator_home_lists_her_sessions_in_few_queries(
    login, lea_of_a, clsm_a, django_assert_max_num_queries
):
    for n in range(4):
        AwarenessSessionFactory(clsm=clsm_a, self_run=True, animators=[lea_of_a], reference=f"2024-2{n:02d}")
    client = login(lea_of_a)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("home")).content.decode()
    assert html.count("2024-2") == 4


# Validation --------------------------------------------------------------------------------------------------


def test_validation_transitions_and_their_journal(claire, alice, clsm_a):
    planned = AwarenessSessionFactory(clsm=clsm_a, self_run=True)
    with pytest.raises(InvalidTransition):
        planned.validate(claire)  # a session not held yet has no data to validate
    held = AwarenessSessionFactory(clsm=clsm_a, self_run=True, held=True)
    with pytest.raises(InvalidTransition):
        held.send_back(claire, "  ")
    held.send_back(claire, "Il manque la feuille d'émargement")
    assert held.validation == "renvoyee" and held.validation_reason == "Il manque la feuille d'émargement"
    held.resubmit(alice)
    held.validate(claire)
    assert held.counts_nationally
    journal = list(SessionValidationChange.objects.filter(session=held).values_list("to_status", "changed_by"))
    assert journal == [("renvoyee", claire.pk), ("en_attente", alice.pk), ("validee", claire.pk)]
    centre = AwarenessSessionFactory(clsm=clsm_a, held=True)
    with pytest.raises(InvalidTransition):
        centre.validate(claire)  # a session of the national centre has nothing to validate


def test_only_the_national_centre_validates(login, alice, claire, lea_of_a, self_run):
    url = reverse("sessions_app:session_validation", args=[self_run.pk])
    assert login(alice).post(url, {"action": "validate"}).status_code == 403
    assert login(lea_of_a).post(url, {"action": "validate"}).status_code == 403
    login(claire).post(url, {"action": "send_back", "reason": "Feuilles 3 et 4 illisibles"})
    self_run.refresh_from_db()
    assert self_run.validation == "renvoyee"
    html = login(alice).get(reverse("sessions_app:session_detail", args=[self_run.pk])).content.decode()
    assert "Feuilles 3 et 4 illisibles" in html
    login(alice).post(url, {"action": "resubmit"})
    login(claire).post(url, {"action": "validate"})
    self_run.refresh_from_db()
    assert self_run.validation == "validee"


def test_the_review_list_in_few_queries(login, claire, clsm_a, django_assert_max_num_queries):
    for n in range(5):
        fill(AwarenessSessionFactory(clsm=clsm_a, self_run=True, held=True, reference=f"2024-3{n:02d}"), 2, 2)
    client = login(claire)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("sessions_app:validation_list")).content.decode()
    assert html.count("2024-3") == 5


# The bilan ---------------------------------------------------------------------------------------------------


def test_the_clsm_counts_its_self_run_session_at_once_the_nation_once_validated(claire, self_run, session_a):
    fill(self_run)
    fill(session_a, sheets=3, participants=3)
    clsm = compute_bilan(Scope.build(clsm="CLSM A de Lille"))
    assert clsm["key_figures"]["sessions"] == 2 and clsm["key_figures"]["self_run_sessions"] == 1
    assert clsm["pending_validation"] == {"sessions": 1, "participants": 6, "responses": 5}
    modes = {row["code"]: row for row in clsm["breakdown"]["modes"]}
    assert modes["territoire"]["responses"] == 5 and modes["centre"]["responses"] == 3
    national = compute_bilan(Scope.build())
    assert national["key_figures"]["sessions"] == 1 and national["key_figures"]["responses"] == 3
    assert national["key_figures"]["self_run_sessions"] == 0
    # The funder reads what the centre validated, even for one CLSM.
    funder = compute_bilan(Scope.build(clsm="CLSM A de Lille"), funder=True)
    assert funder["key_figures"]["sessions"] == 1 and funder["pending_validation"]["sessions"] == 0

    self_run.validate(claire)
    national = compute_bilan(Scope.build())
    assert national["key_figures"]["sessions"] == 2 and national["key_figures"]["self_run_sessions"] == 1
    territory = compute_bilan(Scope.build(mode="territoire"))
    assert territory["key_figures"]["sessions"] == 1 and territory["key_figures"]["responses"] == 5
    assert territory["key_figures"]["sollicitations"] == 0
    assert territory["scope"]["filters"] == {"mode": "territoire"}
    assert compute_bilan(Scope.build(clsm="CLSM A de Lille"))["pending_validation"]["sessions"] == 0


def test_an_official_edition_of_a_clsm_leaves_out_its_pending_self_run_sessions(
    claire, self_run, session_a, monkeypatch, django_capture_on_commit_callbacks
):
    """The CLSM's live bilan counts its sessions awaiting validation; its official edition (and the funder's PDF
    made from the same figures) counts only what the national centre validated."""
    from evaluation import editions
    from tests.commit import committed

    drawn, queued = [], []
    monkeypatch.setattr(
        "evaluation.report.bilan_pdf",
        lambda scope, *, funder=False, **kw: drawn.append((scope.pending, funder, kw["data"])) or b"%PDF-1.7",
    )
    monkeypatch.setattr("evaluation.tasks.prepare_edition", lambda *args: queued.append(args))
    fill(self_run)
    fill(session_a, sheets=3, participants=3)
    scope = Scope.build(clsm="CLSM A de Lille")
    assert compute_bilan(scope)["key_figures"]["sessions"] == 2  # the live bilan: pending included

    def edition_figures():
        queued.clear()
        with django_capture_on_commit_callbacks(execute=True):
            editions.publish(scope, claire)
        [(pk, handed_scope, base_url)] = queued
        edition = committed(editions.prepare)(pk, handed_scope, base_url)
        return edition.data

    data = edition_figures()
    assert (data["key_figures"]["sessions"], data["key_figures"]["responses"]) == (1, 3)
    assert data["key_figures"]["self_run_sessions"] == 0 and data["pending_validation"]["sessions"] == 0
    modes = {row["code"]: row["responses"] for row in data["breakdown"]["modes"]}
    assert modes.get("territoire", 0) == 0 and modes["centre"] == 3
    # Both PDFs are drawn from these figures, with a scope that leaves pending sessions out.
    assert [(pending, funder) for pending, funder, _data in drawn] == [(False, False), (False, True)]
    assert all(figures is data for _p, _f, figures in drawn)

    self_run.validate(claire)
    data = edition_figures()
    assert (data["key_figures"]["sessions"], data["key_figures"]["self_run_sessions"]) == (2, 1)


def test_the_dashboard_marks_pending_sessions_and_filters_on_mode(login, alice, claire, self_run):
    fill(self_run)
    html = login(alice).get(reverse("evaluation:dashboard") + "?period=tout").content.decode()
    assert 'id="pending-validation"' in html and "en attente de validation" in html
    data = login(claire).get(reverse("evaluation:bilan_json") + "?period=tout&mode=territoire").json()
    assert data["key_figures"]["sessions"] == 0  # national: not validated yet
    self_run.validate(claire)
    data = login(claire).get(reverse("evaluation:bilan_json") + "?period=tout&mode=territoire").json()
    assert data["key_figures"]["sessions"] == 1 and data["breakdown"]["modes"][0]["code"] == "territoire"


def test_the_spreadsheet_has_the_modes_and_the_pending_rows(self_run):
    from openpyxl import load_workbook

    from evaluation.spreadsheets import bilan_workbook

    fill(self_run)
    workbook = load_workbook(
        __import__("io").BytesIO(bilan_workbook(compute_bilan(Scope.build(clsm=self_run.clsm.name))))
    )
    assert "Modes d'animation" in workbook.sheetnames
    labels = [row[0].value for row in workbook["Chiffres clés"].iter_rows()]
    assert "dont séances en attente de validation" in labels


def test_the_funder_never_reads_a_small_number_of_categorised_needs(self_run, claire):
    """The funder's needs chart once printed « 3 besoins catégorisés » worked out as total − uncategorised."""
    for n in range(20):
        needs = [(f"besoin {n}", "reseau" if n < 3 else None)]
        create_response(self_run, Sheet(answers={"sat_logistique": 4}, needs=needs), channel="papier")
    self_run.validate(claire)
    bilan = compute_bilan(Scope.build())
    assert bilan["needs"]["categorised"] == 3
    funder = suppress_for_funder(bilan)
    assert funder["needs"]["categorised"] is None and "needs/categorised" in funder["suppressed"]
    assert funder["needs"]["uncategorised"] is None  # else total − uncategorised gives it away


# The guided kit and its reminders ------------------------------------------------------------------------------


def test_the_session_kit_lists_the_steps_and_the_documents(login, lea_of_a, alice, self_run):
    html = login(lea_of_a).get(reverse("kit:session_kit", args=[self_run.pk])).content.decode()
    for phase in ('data-phase="avant"', 'data-phase="pendant"', 'data-phase="apres"'):
        assert phase in html
    assert reverse("sessions_app:sign_in_sheet", args=[self_run.pk]) in html
    assert reverse("evaluation:paper_entry", args=[self_run.pk]) in html
    assert reverse("evaluation:followup_list") not in html  # the coordinator's
    assert (
        reverse("evaluation:followup_list")
        in login(alice).get(reverse("kit:session_kit", args=[self_run.pk])).content.decode()
    )


def test_reminders_follow_the_checklist(django_capture_on_commit_callbacks, clsm_a, lea_of_a, alice):
    today = date(2024, 3, 1)
    coming = AwarenessSessionFactory(
        clsm=clsm_a, self_run=True, confirmed=True, animators=[lea_of_a], date=today + timedelta(days=5)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_practical_kits(today=today, base_url="http://testserver")
    to_lea = [m for m in mail.outbox if m.to == [lea_of_a.email]]
    assert len(to_lea) == 1 and reverse("kit:session_kit", args=[coming.pk]) in to_lea[0].body
    assert "Imprimer la feuille d'émargement" in to_lea[0].body
    held = AwarenessSessionFactory(
        clsm=clsm_a, self_run=True, held=True, animators=[lea_of_a], date=today - timedelta(days=1)
    )
    fill(held, sheets=1, participants=4)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_sheets_to_type(today=today, base_url="http://testserver")
    (message,) = mail.outbox
    assert message.to == [lea_of_a.email] and "À saisir d'ici le 7 mars 2024." in message.body


def test_no_one_sees_another_clsms_rows_through_any_queryset(lea_of_a, leo, alice, self_run, clsm_b, session_a):
    """The property, for local animators: whatever the data, every row a local animator may see (or change) belongs
    to a session of one of their CLSM that they animate; named by mistake on another CLSM's session, nothing."""
    from evaluation.models import FollowUp
    from sessions_app.models import Participant, SessionRequest, Structure
    from territories.models import CLSM

    stray = AwarenessSessionFactory(clsm=clsm_b, held=True, self_run=True, animators=[lea_of_a, leo])
    for session in (self_run, session_a, stray):
        fill(session, sheets=2, participants=2)
        FollowUp.objects.create(session=session, due_on=date(2024, 9, 1))
    session_a.animators.add(lea_of_a)  # a session of the centre she helps with: visible, never its answers
    allowed = {self_run.pk, session_a.pk}
    for person, theirs in ((lea_of_a, allowed), (leo, {stray.pk})):
        for rows in (AwarenessSession.objects.visible_to(person), AwarenessSession.objects.editable_by(person)):
            assert set(rows.values_list("pk", flat=True)) <= theirs
        assert set(Participant.objects.visible_to(person).values_list("session", flat=True)) <= theirs
        assert set(Response.objects.visible_to(person).values_list("session", flat=True)) <= {
            pk for pk in theirs if AwarenessSession.objects.get(pk=pk).is_self_run
        }
        structures = set(Structure.objects.visible_to(person).values_list("pk", flat=True))
        assert structures <= set(Participant.objects.filter(session__in=theirs).values_list("structure", flat=True))
        for model in (SessionRequest, FollowUp, CLSM):
            assert not model.objects.visible_to(person).exists(), model
    assert stray.pk not in set(AwarenessSession.objects.visible_to(lea_of_a).values_list("pk", flat=True))


def test_the_funders_seasons_table_counts_validated_sessions_only(self_run, session_a):
    from evaluation.bilan import compute_seasons

    scope = Scope.build(clsm="CLSM A de Lille")
    assert [row["sessions"] for row in compute_seasons(scope)] == [2]
    assert [row["sessions"] for row in compute_seasons(scope, funder=True)] == [1]


def test_a_local_animators_calendar_holds_her_sessions_while_she_animates_for_the_clsm(lea_of_a, self_run, session_b):
    from sessions_app.calendar import feed_sessions_for

    session_b.animators.add(lea_of_a)  # named by mistake on another CLSM's session
    assert list(feed_sessions_for(lea_of_a)) == [self_run]
    self_run.clsm.local_animators.remove(lea_of_a)
    assert list(feed_sessions_for(lea_of_a)) == []


def test_the_chargees_home_counts_the_sessions_to_validate(login, claire, self_run):
    todos = {todo.key: todo for todo in login(claire).get(reverse("home")).context["todos"]}
    assert todos["validation"].count == 1 and todos["validation"].url == reverse("sessions_app:validation_list")
    self_run.validate(claire)
    todos = {todo.key: todo for todo in login(claire).get(reverse("home")).context["todos"]}
    assert todos["validation"].count == 0
