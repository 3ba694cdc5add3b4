"""Session planning: transitions, the session form (overlap rule, perimeter warning), list filters,
the month calendar, who sees and changes what, and the personal iCal feed."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from sessions_app.calendar import MonthGrid, format_duration, parse_month, shift_month
from sessions_app.forms_sessions import AwarenessSessionForm
from sessions_app.models import AwarenessSession, InvalidTransition
from territories.models import QPV
from tests.factories import AwarenessSessionFactory, ParticipantFactory, SessionRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


def freeze_today(monkeypatch, day: date):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)


def messages_of(response) -> list[str]:
    """The messages shown on the page a POST redirected to (`follow=True`), which also consumes them."""
    assert response.redirect_chain, "follow the redirect to read the messages"
    return [str(m) for m in response.context["messages"]]


def form_data(clsm, **overrides):
    data = {
        "clsm": clsm.pk,
        "qpvs": list(clsm.qpvs.values_list("pk", flat=True)),
        "date": "2024-03-20",
        "start_time": "09:30",
        "duration_minutes": 180,
        "venue": "Maison de quartier Wazemmes",
        "address": "20 rue de l'Abbé Aerts",
        "commune": "59350",
        "animators": [],
        "coordinator": "",
        "expected_attendance": 20,
        "actual_attendance": "",
        "notes": "",
    }
    data.update(overrides)
    return data


# Transitions, through the model ----------------------------------------------------------------------


def test_planned_session_is_confirmed_then_held_on_its_day(monkeypatch, session_b, claire):
    session_b.confirm(claire)
    freeze_today(monkeypatch, date(2024, 5, 20))
    session_b.mark_held(claire, actual_attendance=17)
    session_b.refresh_from_db()
    assert session_b.status == "realisee"
    assert session_b.actual_attendance == 17
    steps = [(c.from_status, c.to_status, c.changed_by) for c in session_b.changes.all()]
    assert steps == [("planifiee", "confirmee", claire), ("confirmee", "realisee", claire)]


def test_a_session_cannot_be_held_before_its_date(monkeypatch, session_b, claire):
    session_b.confirm(claire)
    freeze_today(monkeypatch, date(2024, 5, 19))
    with pytest.raises(InvalidTransition, match="avant sa date"):
        session_b.mark_held(claire)
    session_b.refresh_from_db()
    assert session_b.status == "confirmee"


def test_a_planned_session_must_be_confirmed_before_being_held(monkeypatch, session_b, claire):
    freeze_today(monkeypatch, date(2024, 6, 1))
    with pytest.raises(InvalidTransition, match="ne peut pas passer"):
        session_b.mark_held(claire)
    assert AwarenessSession.objects.get(pk=session_b.pk).status == "planifiee"


def test_cancelling_needs_a_reason(session_b, claire):
    with pytest.raises(InvalidTransition, match="motif de l'annulation"):
        session_b.cancel(claire, "  ")
    session_b.cancel(claire, "Salle indisponible")
    session_b.refresh_from_db()
    assert (session_b.status, session_b.status_reason) == ("annulee", "Salle indisponible")


def test_postponed_session_is_replanned_with_its_new_season(session_b, claire):
    with pytest.raises(InvalidTransition, match="motif du report"):
        session_b.postpone(claire, "")
    session_b.postpone(claire, "Grève des transports")
    session_b.replan(claire, date(2024, 9, 17), time(9, 30))
    session_b.refresh_from_db()
    assert session_b.status == "planifiee"
    assert (session_b.date, session_b.start_time, session_b.season) == (date(2024, 9, 17), time(9, 30), "2024-2025")


def test_held_and_cancelled_sessions_are_final(session_a, claire):
    with pytest.raises(InvalidTransition):
        session_a.cancel(claire, "trop tard")
    cancelled = AwarenessSessionFactory(clsm=session_a.clsm, cancelled=True)
    with pytest.raises(InvalidTransition):
        cancelled.confirm(claire)


def test_reference_and_season_are_given_on_save(clsm_a):
    first = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 10, 5))
    second = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 11, 5))
    summer = AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 8, 31))
    assert (first.reference, first.season) == ("2023-001", "2023-2024")
    assert (second.reference, second.season) == ("2023-002", "2023-2024")
    assert (summer.reference, summer.season) == ("2024-001", "2023-2024")


# Transitions, through the page -----------------------------------------------------------------------


def test_staff_confirms_then_marks_held_with_attendance(monkeypatch, login, claire, session_b):
    client = login(claire)
    url = reverse("sessions_app:session_transition", args=[session_b.pk])
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert response.redirect_chain == [(reverse("sessions_app:session_detail", args=[session_b.pk]), 302)]
    assert "La séance 2024-002 est désormais « confirmée »." in messages_of(response)
    freeze_today(monkeypatch, date(2024, 5, 21))
    client.post(url, {"action": "held", "actual_attendance": "23"})
    session_b.refresh_from_db()
    assert (session_b.status, session_b.actual_attendance) == ("realisee", 23)


def test_refused_transitions_are_explained_and_change_nothing(monkeypatch, login, claire, session_b):
    client = login(claire)
    url = reverse("sessions_app:session_transition", args=[session_b.pk])
    freeze_today(monkeypatch, date(2024, 6, 1))
    response = client.post(url, {"action": "held", "actual_attendance": "12"}, follow=True)
    assert messages_of(response) == ["Une séance « planifiée » ne peut pas passer à « réalisée »."]
    session_b.refresh_from_db()
    assert (session_b.status, session_b.actual_attendance) == ("planifiee", None)  # attendance rolled back

    response = client.post(url, {"action": "cancel", "reason": ""}, follow=True)
    assert messages_of(response) == ["Indiquez le motif de l'annulation."]
    response = client.post(url, {"action": "replan", "new_date": "2024-07-01"}, follow=True)
    assert messages_of(response) == ["Une séance « planifiée » ne peut pas passer à « planifiée »."]
    session_b.refresh_from_db()
    assert (session_b.status, session_b.date) == ("planifiee", date(2024, 5, 20))  # date rolled back
    response = client.post(url, {"action": "teleport"})
    assert response.status_code == 302 and session_b.changes.count() == 0


def test_held_before_the_date_is_refused_by_the_page(monkeypatch, login, claire, session_b):
    session_b.confirm(claire)
    freeze_today(monkeypatch, date(2024, 5, 1))
    response = login(claire).post(
        reverse("sessions_app:session_transition", args=[session_b.pk]), {"action": "held"}, follow=True
    )
    assert messages_of(response) == ["Une séance ne peut pas être réalisée avant sa date (20/05/2024)."]
    assert AwarenessSession.objects.get(pk=session_b.pk).status == "confirmee"


def test_coordinator_postpones_and_replans_their_session(login, bob, session_b):
    client = login(bob)
    url = reverse("sessions_app:session_transition", args=[session_b.pk])
    client.post(url, {"action": "postpone", "reason": "Salle fermée pour travaux"}, follow=True)
    session_b.refresh_from_db()
    assert (session_b.status, session_b.status_reason) == ("reportee", "Salle fermée pour travaux")
    response = client.post(url, {"action": "replan", "reason": "", "new_date": ""}, follow=True)
    assert messages_of(response) == ["Indiquez la nouvelle date de la séance."]
    client.post(url, {"action": "replan", "new_date": "2024-06-18", "new_time": "10:00"})
    session_b.refresh_from_db()
    assert (session_b.status, session_b.date, session_b.start_time) == ("planifiee", date(2024, 6, 18), time(10))
    assert [c.changed_by for c in session_b.changes.all()] == [bob, bob]


def test_replanning_onto_a_busy_animator_is_refused(login, claire, clsm_b, session_a):
    postponed = AwarenessSessionFactory(
        clsm=clsm_b, date=date(2024, 3, 1), status="reportee", status_reason="neige", animators=[claire]
    )
    response = login(claire).post(
        reverse("sessions_app:session_transition", args=[postponed.pk]),
        {"action": "replan", "new_date": "2024-03-12", "new_time": "15:00"},
        follow=True,
    )
    [message] = messages_of(response)
    assert "Claire Martin anime déjà la séance 2024-001 du 12 mars 2024 de 14 h 00 à 17 h 00" in message
    postponed.refresh_from_db()
    assert (postponed.status, postponed.date) == ("reportee", date(2024, 3, 1))


def test_transition_access(client, login, alice, bob, fanny, session_a, session_b):
    url = reverse("sessions_app:session_transition", args=[session_b.pk])
    assert client.post(url, {"action": "confirm"})["Location"].startswith(reverse("login"))
    assert login(alice).post(url, {"action": "confirm"}).status_code == 404
    assert login(fanny).post(url, {"action": "confirm"}).status_code == 403
    assert login(bob).get(url).status_code == 405
    assert AwarenessSession.objects.get(pk=session_b.pk).status == "planifiee"


# The session form --------------------------------------------------------------------------------------


def test_overlapping_session_of_the_same_animator_is_refused(claire, clsm_b, session_a):
    data = form_data(clsm_b, date="2024-03-12", start_time="16:00", animators=[claire.pk])
    form = AwarenessSessionForm(data, user=claire)
    assert not form.is_valid()
    assert form.errors["animators"] == [
        "Claire Martin anime déjà la séance 2024-001 du 12 mars 2024 de 14 h 00 à 17 h 00 (CLSM A de Lille), "
        "qui chevauche cet horaire."
    ]


def test_adjacent_sessions_and_other_animators_are_fine(claire, adam, clsm_b, session_a):
    after = AwarenessSessionForm(
        form_data(clsm_b, date="2024-03-12", start_time="17:00", animators=[claire.pk]), user=claire
    )
    assert after.is_valid(), after.errors
    before = AwarenessSessionForm(
        form_data(clsm_b, date="2024-03-12", start_time="11:00", duration_minutes=180, animators=[claire.pk]),
        user=claire,
    )
    assert before.is_valid(), before.errors
    other = AwarenessSessionForm(
        form_data(clsm_b, date="2024-03-12", start_time="14:00", animators=[adam.pk]), user=claire
    )
    assert other.is_valid(), other.errors


def test_a_cancelled_session_does_not_block_its_animator(claire, clsm_a, clsm_b):
    AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 4, 2), cancelled=True, animators=[claire])
    form = AwarenessSessionForm(
        form_data(clsm_b, date="2024-04-02", start_time="14:00", animators=[claire.pk]), user=claire
    )
    assert form.is_valid(), form.errors


def test_an_edited_session_does_not_clash_with_itself(claire, session_a):
    data = form_data(session_a.clsm, date="2024-03-12", start_time="14:30", animators=[claire.pk], actual_attendance=14)
    assert AwarenessSessionForm(data, instance=session_a, user=claire).is_valid()


def test_a_session_to_come_moved_more_than_a_month_back_is_refused(claire, clsm_a, monkeypatch):
    """A typo in the year (« 2024 » for « 2027 ») was saved, e-mailed to everyone, and offered « Marquer comme
    réalisée »; a session held a few days earlier than planned is still moved."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2026, 11, 30))
    session = AwarenessSessionFactory(clsm=clsm_a, confirmed=True, date=date(2027, 1, 29))
    typo = AwarenessSessionForm(form_data(clsm_a, date="2024-01-15"), instance=session, user=claire)
    assert not typo.is_valid()
    assert typo.errors["date"] == [
        "Le 15 janvier 2024 est passé depuis plus d'un mois : une séance encore « confirmée » ne peut pas y être "
        "déplacée. Vérifiez l'année."
    ]
    earlier = AwarenessSessionForm(form_data(clsm_a, date="2026-11-20"), instance=session, user=claire)
    assert earlier.is_valid(), earlier.errors


def test_coordinator_moving_the_date_onto_a_busy_animator_is_told(alice, claire, clsm_a, clsm_b, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2024, 4, 1))  # both to come
    AwarenessSessionFactory(clsm=clsm_b, date=date(2024, 4, 9), animators=[claire], reference="2024-040")
    mine = AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 4, 10), animators=[claire], reference="2024-041")
    form = AwarenessSessionForm(
        {"date": "2024-04-09", "start_time": "14:00", "venue": "Salle", "expected_attendance": 10},
        instance=mine,
        user=alice,
    )
    assert not form.is_valid()
    assert "Claire Martin anime déjà la séance 2024-040" in form.non_field_errors()[0]


def test_the_create_page_names_the_clashing_session(login, claire, clsm_b, session_a):
    data = form_data(clsm_b, date="2024-03-12", start_time="12:30", animators=[claire.pk])
    response = login(claire).post(reverse("sessions_app:session_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Claire Martin anime déjà la séance 2024-001 du 12 mars 2024 de 14\xa0h\xa000 à 17\xa0h\xa000" in html
    assert AwarenessSession.objects.count() == 1


def test_form_refuses_nonsense(monkeypatch, claire, bob, clsm_a, clsm_b, session_a):
    freeze_today(monkeypatch, date(2024, 3, 15))
    form = AwarenessSessionForm(
        form_data(clsm_a, date="2024-04-01", actual_attendance=12, coordinator=bob.pk, qpvs=[], duration_minutes=5),
        user=claire,
    )
    assert not form.is_valid()
    assert form.errors["actual_attendance"] == ["Le nombre de participants présents se renseigne après la séance."]
    assert form.errors["coordinator"] == ["Bob Lambert ne coordonne pas le CLSM « CLSM A de Lille »."]
    assert form.errors["qpvs"] == ["Choisissez au moins un QPV."]
    assert form.errors["duration_minutes"] == ["La durée doit être comprise entre 15 et 600 minutes."]
    held = AwarenessSessionForm(form_data(clsm_a, date="2024-04-01"), instance=session_a, user=claire)
    assert held.errors["date"] == ["Une séance réalisée ne peut pas avoir une date à venir."]


def test_staff_creates_a_session_with_reference_season_and_history(login, claire, alice, clsm_a):
    response = login(claire).post(
        reverse("sessions_app:session_create"),
        form_data(clsm_a, animators=[claire.pk], coordinator=alice.pk),
        follow=True,
    )
    session = AwarenessSession.objects.get(venue="Maison de quartier Wazemmes")
    assert response.redirect_chain == [(reverse("sessions_app:session_detail", args=[session.pk]), 302)]
    assert (session.reference, session.season, session.status) == ("2024-001", "2023-2024", "planifiee")
    assert (session.start_time, session.duration_minutes, session.commune_id) == (time(9, 30), 180, "59350")
    assert list(session.animators.all()) == [claire] and session.coordinator == alice
    assert set(session.qpvs.values_list("code", flat=True)) == {"QN05971M", "QN05972M"}
    assert [(c.to_status, c.changed_by) for c in session.changes.all()] == [("planifiee", claire)]
    assert messages_of(response) == ["La séance 2024-001 a été créée."]


def test_qpv_outside_the_perimeter_is_saved_with_a_warning(login, claire, clsm_a):
    qpvs = list(QPV.objects.filter(code__in=["QN05971M", "QN01330M"]).values_list("pk", flat=True))
    response = login(claire).post(reverse("sessions_app:session_create"), form_data(clsm_a, qpvs=qpvs), follow=True)
    session = AwarenessSession.objects.get()
    assert set(session.qpvs.values_list("code", flat=True)) == {"QN05971M", "QN01330M"}
    assert response.redirect_chain == [(reverse("sessions_app:session_detail", args=[session.pk]), 302)]
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "Hors du périmètre du CLSM « CLSM A de Lille » : QN01330M. La séance est enregistrée ; "
        "vérifiez qu'il ne s'agit pas d'une erreur."
    ]
    assert "hors périmètre du CLSM" in response.content.decode()


def test_form_renders_only_chosen_qpvs_and_commune(login, claire, session_a):
    session_a.commune_id = "59350"
    session_a.save()
    html = login(claire).get(reverse("sessions_app:session_edit", args=[session_a.pk])).content.decode()
    assert 'data-autocomplete-url="/territoires/qpv/recherche/"' in html
    assert f'data-autocomplete-url="{reverse("territories:commune_search")}"' in html
    assert "Lille (59350)" in html
    assert html.count("<option") < 40  # not the 1,584 QPV nor the 37,000 communes
    assert 'name="duration_minutes" value="180" min="15" max="600"' in html


def test_coordinator_edits_practical_details_but_not_the_animators(login, alice, adam, claire, session_a):
    client = login(alice)
    url = reverse("sessions_app:session_edit", args=[session_a.pk])
    html = client.get(url).content.decode()
    assert 'name="venue"' in html and 'name="animators"' not in html and 'name="qpvs"' not in html
    response = client.post(
        url,
        {
            "date": "2024-03-12",
            "start_time": "14:00",
            "venue": "Salle des fêtes",
            "address": "1 place du Marché",
            "commune": "59350",
            "expected_attendance": 25,
            "actual_attendance": 18,
            "notes": "Prévoir un vidéoprojecteur",
            "animators": [adam.pk],
            "clsm": "",
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 302
    session_a.refresh_from_db()
    assert (session_a.venue, session_a.actual_attendance, session_a.duration_minutes) == ("Salle des fêtes", 18, 180)
    assert list(session_a.animators.all()) == [claire]


# Pages: who sees and changes what ---------------------------------------------------------------------


PAGES = ("session_list", "session_calendar", "session_create", "calendar_feed_settings")


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(f"sessions_app:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", ["session_detail", "session_edit"])
def test_anonymous_is_sent_to_login_from_a_session(client, session_a, name):
    response = client.get(reverse(f"sessions_app:{name}", args=[session_a.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_coordinator_sees_only_their_clsm_sessions(login, bob, session_a, session_b):
    client = login(bob)
    listing = client.get(reverse("sessions_app:session_list"))
    assert [s.reference for s in listing.context["page"].object_list] == ["2024-002"]
    assert client.get(reverse("sessions_app:session_detail", args=[session_a.pk])).status_code == 404
    assert client.get(reverse("sessions_app:session_edit", args=[session_a.pk])).status_code == 404
    assert client.post(reverse("sessions_app:session_edit", args=[session_a.pk]), {"venue": "X"}).status_code == 404
    calendar = client.get(reverse("sessions_app:session_calendar"), {"month": "2024-03"}).content.decode()
    assert reverse("sessions_app:session_detail", args=[session_a.pk]) not in calendar
    assert client.get(reverse("sessions_app:session_create")).status_code == 403
    clsm_choices = listing.context["filter"].form.fields["clsm"].queryset
    assert [c.name for c in clsm_choices] == ["CLSM B de Marseille"]


def test_funder_reads_without_personal_data_and_cannot_write(login, fanny, alice, claire, session_a):
    session_a.coordinator = alice
    session_a.notes = "Appeler Mme Lefebvre au 06 12 34 56 78"
    session_a.save()
    session_a.animators.add(claire)  # her name was on the session and in the list's « Animation » filter
    ParticipantFactory(session=session_a, last_name="Dupontel", first_name="Albertine", email="albertine@example.fr")
    client = login(fanny)
    for name, args in (("session_list", []), ("session_calendar", []), ("session_detail", [session_a.pk])):
        response = client.get(reverse(f"sessions_app:{name}", args=args), {"month": "2024-03"} if args == [] else {})
        assert response.status_code == 200, name
        html = response.content.decode()
        for secret in (
            alice.email,
            alice.last_name,
            claire.email,
            claire.get_full_name(),
            "Dupontel",
            "Albertine",
            "Lefebvre",
        ):
            assert secret not in html, (name, secret)
    detail = client.get(reverse("sessions_app:session_detail", args=[session_a.pk])).content.decode()
    # One session's counts of people (here 1) are never the funder's: the bilan gives them, small ones hidden.
    assert "participant·e saisi·e" not in detail and "Participants présents" not in detail
    assert "Présents" not in client.get(reverse("sessions_app:session_list")).content.decode()
    staff = login(claire)
    assert (
        "1 participant·e saisi·e"
        in staff.get(reverse("sessions_app:session_detail", args=[session_a.pk])).content.decode()
    )
    assert "Présents" in staff.get(reverse("sessions_app:session_list")).content.decode()
    client = login(fanny)
    assert reverse("sessions_app:session_edit", args=[session_a.pk]) not in detail
    assert reverse("sessions_app:session_transition", args=[session_a.pk]) not in detail
    assert client.get(reverse("sessions_app:session_create")).status_code == 403
    assert client.post(reverse("sessions_app:session_create"), form_data(session_a.clsm)).status_code == 403
    assert client.get(reverse("sessions_app:session_edit", args=[session_a.pk])).status_code == 403
    assert client.post(reverse("sessions_app:session_edit", args=[session_a.pk]), {"venue": "X"}).status_code == 403
    assert client.get(reverse("sessions_app:calendar_feed_settings")).status_code == 403
    assert AwarenessSession.objects.get(pk=session_a.pk).venue == "Centre social du quartier"


def test_staff_and_coordinator_see_the_people(login, alice, claire, session_a):
    session_a.coordinator = alice
    session_a.save()
    for user in (alice, claire):
        html = login(user).get(reverse("sessions_app:session_detail", args=[session_a.pk])).content.decode()
        assert alice.email in html and claire.email in html
        assert reverse("sessions_app:sign_in_sheet", args=[session_a.pk]) in html
        assert reverse("sessions_app:participant_entry", args=[session_a.pk]) in html


def test_session_page_shows_everything(login, claire, clsm_a, session_a):
    request = SessionRequestFactory(clsm=clsm_a)
    session_a.request = request
    session_a.commune_id = "59350"
    session_a.address = "12 rue Racine"
    session_a.save()
    session_a.changes.create(from_status="confirmee", to_status="realisee", changed_by=claire, reason="Bonne séance")
    ParticipantFactory.create_batch(3, session=session_a)
    html = login(claire).get(reverse("sessions_app:session_detail", args=[session_a.pk])).content.decode()
    for text in (
        "Séance 2024-001",
        "mardi 12 mars 2024 à 14\xa0h\xa000",
        "3 h",
        "2023-2024",
        "Centre social du quartier",
        "12 rue Racine",
        "Lille (59350)",
        "Claire Martin",
        "QN05971M",
        "Nord (59)",
        "Hauts-de-France",
        "3 participant·es saisi·es",
        "confirmée → réalisée",
        "Bonne séance",
        reverse("sessions_app:request_detail", args=[request.pk]),
        request.reference,
    ):
        assert text in html, text
    assert "Changer le statut" not in html  # a held session is final


def test_funder_sees_the_request_reference_without_a_link(login, fanny, clsm_a, session_a):
    request = SessionRequestFactory(clsm=clsm_a)
    session_a.request = request
    session_a.save()
    html = login(fanny).get(reverse("sessions_app:session_detail", args=[session_a.pk])).content.decode()
    assert request.reference in html
    assert reverse("sessions_app:request_detail", args=[request.pk]) not in html


def test_transition_buttons_follow_the_status(monkeypatch, login, claire, bob, session_b):
    freeze_today(monkeypatch, date(2024, 5, 1))
    url = reverse("sessions_app:session_detail", args=[session_b.pk])
    html = login(bob).get(url).content.decode()
    assert "Confirmer" in html and "Reporter" in html and "Annuler la séance" in html
    assert "None" not in html  # blank attendance shows as « — »
    assert "Marquer comme réalisée" not in html and "Replanifier" not in html
    session_b.confirm(claire)
    html = login(claire).get(url).content.decode()
    assert "pourra être marquée comme réalisée à partir du 20 mai 2024" in html
    freeze_today(monkeypatch, date(2024, 5, 20))
    html = login(claire).get(url).content.decode()
    assert 'value="held"' in html and "Marquer comme réalisée" in html and 'value="confirm"' not in html
    session_b.postpone(claire, "Intempéries")
    html = login(claire).get(url).content.decode()
    assert "Replanifier" in html and "Motif du report\xa0:" in html and "Intempéries" in html


# The list: filters, pagination, queries -----------------------------------------------------------------


@pytest.fixture
def session_c(clsm_b, adam):
    return AwarenessSessionFactory(
        clsm=clsm_b,
        date=date(2024, 10, 1),
        confirmed=True,
        animators=[adam],
        venue="Maison des associations",
        reference="2024-003",
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"2024-001", "2024-002", "2024-003"}),
        ({"season": "2024-2025"}, {"2024-003"}),
        ({"season": "2023-2024"}, {"2024-001", "2024-002"}),
        ({"status": "realisee"}, {"2024-001"}),
        ({"status": "confirmee"}, {"2024-003"}),
        ({"region": "32"}, {"2024-001"}),
        ({"region": "93"}, {"2024-002", "2024-003"}),
        ({"department": "59"}, {"2024-001"}),
        ({"department": "13"}, {"2024-002", "2024-003"}),
        ({"clsm": "B"}, {"2024-002", "2024-003"}),
        ({"animator": "claire"}, {"2024-001"}),
        ({"animator": "adam"}, {"2024-003"}),
        ({"q": "maison des"}, {"2024-003"}),
        ({"q": "QN05971M"}, {"2024-001"}),
        ({"q": "2024-002"}, {"2024-002"}),
        ({"q": "Marseille", "status": "planifiee"}, {"2024-002"}),
    ],
)
def test_session_list_filters(login, claire, adam, clsm_b, session_a, session_b, session_c, params, expected):
    params = dict(params)
    if params.get("clsm") == "B":
        params["clsm"] = clsm_b.pk
    if params.get("animator") in ("claire", "adam"):
        params["animator"] = {"claire": claire, "adam": adam}[params["animator"]].pk
    response = login(claire).get(reverse("sessions_app:session_list"), params)
    assert {s.reference for s in response.context["page"].object_list} == expected


def test_season_choices_come_from_the_sessions(login, claire, session_a, session_c):
    response = login(claire).get(reverse("sessions_app:session_list"))
    assert response.context["filter"].form.fields["season"].choices == [
        ("", "Toutes"),
        ("2024-2025", "2024-2025"),
        ("2023-2024", "2023-2024"),
    ]


def test_session_list_shows_the_columns_in_french(login, claire, session_a):
    html = login(claire).get(reverse("sessions_app:session_list")).content.decode()
    for text in ("2024-001", "12 mars 2024", "CLSM A de Lille", "QN05971M", "QN05972M", "réalisée", ">15<", ">14<"):
        assert text in html, text


def test_session_list_htmx_returns_the_results_fragment(login, claire, session_a, session_b):
    response = login(claire).get(reverse("sessions_app:session_list"), {"q": "Lille"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "2024-001" in html and "2024-002" not in html
    assert "<html" not in html


def test_session_list_query_count_does_not_grow_with_rows(login, claire, clsm_a, django_assert_max_num_queries):
    client = login(claire)
    for index in range(30):
        AwarenessSessionFactory(
            clsm=clsm_a, date=date(2024, 3, 1) + timedelta(days=index), commune_id="59350", animators=[claire]
        )
    # session, user, season choices, count, page rows (+ CLSM, commune), their QPV, CLSM, région,
    # département and animator choices
    with django_assert_max_num_queries(10):
        response = client.get(reverse("sessions_app:session_list"))
    assert len(response.context["page"].object_list) == 25
    assert response.content.decode().count("QN05972M") == 25
    # + 1 to check the chosen région exists
    with django_assert_max_num_queries(11):
        response = client.get(reverse("sessions_app:session_list"), {"page": 2, "region": "32", "q": "Lille"})
    assert len(response.context["page"].object_list) == 5


# The month calendar -----------------------------------------------------------------------------------


def test_calendar_shows_a_session_on_its_day(login, alice, session_a):
    response = login(alice).get(reverse("sessions_app:session_calendar"), {"month": "2024-03"})
    html = response.content.decode()
    assert "Séances de mars 2024" in html
    grid = response.context["grid"]
    cells = {cell.day: cell for week in grid.weeks for cell in week}
    assert cells[date(2024, 3, 12)].sessions == [session_a]
    assert all(not cell.sessions for day, cell in cells.items() if day != date(2024, 3, 12))
    cell_html = html.split('data-day="2024-03-12"')[1].split("</td>")[0]
    assert reverse("sessions_app:session_detail", args=[session_a.pk]) in cell_html
    assert "14\xa0h\xa000 · CLSM A de Lille" in cell_html
    assert html.index(">Lundi<") < html.index(">Dimanche<")
    assert "?month=2024-02" in html and "?month=2024-04" in html


def test_calendar_keeps_filters_and_falls_back_to_the_current_month(monkeypatch, login, claire, session_a, session_b):
    client = login(claire)
    march = client.get(reverse("sessions_app:session_calendar"), {"month": "2024-03", "status": "planifiee"})
    assert all(not cell.sessions for week in march.context["grid"].weeks for cell in week)
    assert "?month=2024-04&amp;status=planifiee" in march.content.decode()
    freeze_today(monkeypatch, date(2024, 5, 6))
    may = client.get(reverse("sessions_app:session_calendar"), {"month": "2024-13"})
    assert may.context["grid"].month == date(2024, 5, 1)
    cells = {cell.day: cell for week in may.context["grid"].weeks for cell in week}
    assert cells[date(2024, 5, 20)].sessions == [session_b]
    assert cells[date(2024, 5, 6)].is_today


def test_calendar_query_count_does_not_grow_with_sessions(login, claire, clsm_a, django_assert_max_num_queries):
    client = login(claire)
    for index in range(30):
        AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 3, 1 + index % 28), start_time=time(9 + index % 8))
    # session, user, season choices, sessions of the grid (+ CLSM), CLSM, région, département, animator choices
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sessions_app:session_calendar"), {"month": "2024-03"})
    assert sum(len(cell.sessions) for week in response.context["grid"].weeks for cell in week) == 30


def test_month_helpers():
    assert parse_month("2024-03") == date(2024, 3, 1)
    assert parse_month("2024-13") is None and parse_month("mars") is None and parse_month(None) is None
    assert shift_month(date(2024, 1, 1), -1) == date(2023, 12, 1)
    assert shift_month(date(2024, 12, 1), 1) == date(2025, 1, 1)
    grid = MonthGrid.for_month(date(2024, 3, 1))
    assert grid.first_day == date(2024, 2, 26) and grid.first_day.weekday() == 0
    assert grid.last_day == date(2024, 3, 31)
    assert grid.day_names[0] == "lundi" and grid.day_names[6] == "dimanche"
    assert (format_duration(180), format_duration(90), format_duration(45)) == ("3 h", "1 h 30", "45 min")


# The personal iCal feed --------------------------------------------------------------------------------


def feed_events(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_settings_page_does_not_write_and_creates_a_token_on_post(login, claire):
    client = login(claire)
    page = client.get(reverse("sessions_app:calendar_feed_settings")).content.decode()
    claire.refresh_from_db()
    assert claire.calendar_token == ""
    assert "Créer mon adresse d'agenda" in page
    client.post(reverse("sessions_app:calendar_feed_settings"))
    claire.refresh_from_db()
    assert len(claire.calendar_token) >= 32
    page = client.get(reverse("sessions_app:calendar_feed_settings")).content.decode()
    assert f"http://testserver/agenda/{claire.calendar_token}.ics" in page


def test_feed_of_an_animator(login, client, claire, clsm_b, session_a, session_b):
    session_a.commune_id = "59350"
    session_a.address = "12 rue Racine"
    session_a.save()
    AwarenessSessionFactory(
        clsm=clsm_b, date=date(2024, 7, 2), cancelled=True, animators=[claire], reference="2024-010"
    )
    token = claire.rotate_calendar_token()
    client.logout()
    events = feed_events(client.get(reverse("sessions_app:calendar_feed", args=[token])))
    assert set(events) == {"2024-001@smdq", "2024-010@smdq"}  # not session_b: Claire does not animate it
    held = events["2024-001@smdq"]
    assert str(held["SUMMARY"]) == "Séance 2024-001 – CLSM A de Lille"
    assert str(held["LOCATION"]) == "Centre social du quartier, 12 rue Racine, Lille"
    assert str(held["STATUS"]) == "CONFIRMED"
    starts, ends = held.decoded("DTSTART"), held.decoded("DTEND")
    assert (starts.isoformat(), ends.isoformat()) == ("2024-03-12T14:00:00+01:00", "2024-03-12T17:00:00+01:00")
    assert held["DTSTART"].params["TZID"] == "Europe/Paris"
    assert str(events["2024-010@smdq"]["STATUS"]) == "CANCELLED"
    assert b"BEGIN:VTIMEZONE" in client.get(reverse("sessions_app:calendar_feed", args=[token])).content


def test_feed_of_a_coordinator_has_their_clsm_sessions(client, alice, clsm_a, session_a, session_b):
    summer = AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 7, 2), start_time=time(9), reference="2024-020")
    token = alice.rotate_calendar_token()
    events = feed_events(client.get(reverse("sessions_app:calendar_feed", args=[token])))
    assert set(events) == {"2024-001@smdq", "2024-020@smdq"}
    assert str(events["2024-020@smdq"]["STATUS"]) == "TENTATIVE"
    assert events["2024-020@smdq"].decoded("DTSTART").isoformat() == "2024-07-02T09:00:00+02:00"
    assert summer.reference == "2024-020"


def test_rotated_or_revoked_token_stops_working(login, client, claire, session_a):
    old = claire.rotate_calendar_token()
    response = login(claire).post(reverse("sessions_app:calendar_feed_settings"), {"action": "rotate"}, follow=True)
    assert "l'ancienne adresse ne fonctionne plus" in messages_of(response)[0]
    claire.refresh_from_db()
    new = claire.calendar_token
    assert new != old
    assert client.get(reverse("sessions_app:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("sessions_app:calendar_feed", args=[new])).status_code == 200
    login(claire).post(reverse("sessions_app:calendar_feed_settings"), {"action": "revoke"})
    claire.refresh_from_db()
    assert claire.calendar_token == ""
    assert client.get(reverse("sessions_app:calendar_feed", args=[new])).status_code == 404


def test_unknown_token_inactive_user_and_funder_get_404(client, claire, fanny):
    assert client.get(reverse("sessions_app:calendar_feed", args=["inconnu"])).status_code == 404
    assert client.get("/agenda/.ics").status_code == 404
    token = claire.rotate_calendar_token()
    claire.is_active = False
    claire.save()
    assert client.get(reverse("sessions_app:calendar_feed", args=[token])).status_code == 404
    funder_token = fanny.rotate_calendar_token()
    assert client.get(reverse("sessions_app:calendar_feed", args=[funder_token])).status_code == 404


def test_feed_query_count(client, claire, clsm_a, django_assert_max_num_queries):
    for index in range(30):
        AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 3, 1) + timedelta(days=index), animators=[claire])
    token = claire.rotate_calendar_token()
    other = UserFactory(national_staff=True)
    assert other.calendar_token == ""
    # user, sessions (+ CLSM, commune), their QPV
    with django_assert_max_num_queries(3):
        events = feed_events(client.get(reverse("sessions_app:calendar_feed", args=[token])))
    assert len(events) == 30


@pytest.mark.parametrize("move", ["cancel", "postpone"])
def test_the_funder_never_reads_the_reason_of_a_cancellation_or_postponement(
    login, claire, bob, fanny, session_b, move
):
    getattr(session_b, move)(claire, "Conflit avec la mairie de secteur")
    url = reverse("sessions_app:session_detail", args=[session_b.pk])
    funder = login(fanny).get(url)
    assert funder.status_code == 200
    html = funder.content.decode()
    assert "Conflit avec la mairie" not in html and "Motif" not in html  # neither the alert nor the history
    for user in (claire, bob):  # the centre and the CLSM's coordinator do
        assert "Conflit avec la mairie de secteur" in login(user).get(url).content.decode()
