import datetime

import pytest
import weasyprint
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from sessions_app.forms_participants import (
    FORMSET_PREFIX,
    STATE_FIELD,
    ParticipantFormSet,
    extra_rows,
    numbered_profiles,
    resolve_profile,
)
from sessions_app.models import Participant, Structure
from sessions_app.views_participants import sheet_pages, sign_in_sheet_context
from smdq.pdf import StaticFilesFetcher, base_url_for, render_pdf, static_file_path
from tests.factories import AwarenessSessionFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def entry_url(session):
    return reverse("sessions_app:participant_entry", args=[session.pk])


def sheet_url(session):
    return reverse("sessions_app:sign_in_sheet", args=[session.pk])


def post_rows(client, session, rows, *, saved=(), state=None):
    """POST the grid: `saved` are the participants already on the sheet (their rows come first, as on screen),
    `rows` the values typed in each row, by field name without the formset prefix; `state`, the sheet state the form
    was drawn from (by default the sheet as saved now, as for a page just opened)."""
    data = {
        f"{FORMSET_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{FORMSET_PREFIX}-INITIAL_FORMS": str(len(saved)),
        STATE_FIELD: ParticipantFormSet(session=session).sheet_state() if state is None else state,
    }
    for index, row in enumerate(rows):
        if index < len(saved):
            data[f"{FORMSET_PREFIX}-{index}-id"] = str(saved[index].pk)
        for name, value in row.items():
            data[f"{FORMSET_PREFIX}-{index}-{name}"] = value
    return client.post(entry_url(session), data)


def row_of(participant, **changes):
    """The values the grid shows for a saved participant (what the browser posts back when untouched)."""
    values = {
        "last_name": participant.last_name,
        "first_name": participant.first_name,
        "email": participant.email,
        "gender": participant.gender,
        "profile": participant.get_profile_display() if participant.profile else "",
        "structure_name": participant.structure_spelling,
        "lives_in_qpv": {None: "unknown", True: "true", False: "false"}[participant.lives_in_qpv],
        "acts_in_qpv": {None: "unknown", True: "true", False: "false"}[participant.acts_in_qpv],
    }
    values.update(changes)
    return values


# The PDF helper --------------------------------------------------------------------------------------


def test_render_pdf_returns_the_bytes_of_a_pdf(session_a):
    pdf = render_pdf("sessions_app/pdf/sign_in_sheet.html", sign_in_sheet_context(session_a))
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-32:]


def test_static_files_are_read_from_disk_whatever_the_host(settings):
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_bytes()
    assert static_file_path("http://testserver/static/css/app.css").read_bytes() == css
    assert static_file_path("file:///static/css/app.css").read_bytes() == css
    response = StaticFilesFetcher().fetch("https://smdq.example.fr/static/css/app.css?v=2")
    assert response.read() == css
    assert response.headers.get_content_type() == "text/css"
    response.close()


def test_the_fetcher_refuses_other_addresses_and_escapes_from_the_static_folder():
    fetcher = StaticFilesFetcher()
    for url in (
        "https://example.com/tracker.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "http://testserver/static/../smdq/settings.py",
        "http://testserver/static/css/nothing-here.css",
    ):
        with pytest.raises(ValueError, match="adresse refusée"):
            fetcher.fetch(url)
    data = fetcher.fetch("data:text/plain;base64,Ym9uam91cg==")
    assert data.read() == b"bonjour"
    data.close()


def test_base_url_is_the_site_with_a_request_and_the_project_folder_without(rf, settings):
    assert base_url_for(rf.get("/seances/1/")) == "http://testserver/"
    assert base_url_for() == settings.BASE_DIR.as_uri() + "/"


# The printed sign-in sheet ---------------------------------------------------------------------------


def test_sign_in_sheet_is_an_inline_pdf_named_after_the_session(login, claire, session_a):
    response = login(claire).get(sheet_url(session_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="emargement-2024-001.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 10_000


@pytest.mark.parametrize(("user_fixture", "status"), [("alice", 200), ("claire", 200), ("adam", 200), ("fanny", 403)])
def test_sign_in_sheet_access_per_role(request, login, session_a, user_fixture, status):
    user = request.getfixturevalue(user_fixture)
    assert login(user).get(sheet_url(session_a)).status_code == status


def test_sign_in_sheet_of_another_clsm_is_not_found(login, bob, session_a):
    assert login(bob).get(sheet_url(session_a)).status_code == 404


def test_sign_in_sheet_asks_anonymous_visitors_to_log_in(client, session_a):
    response = client.get(sheet_url(session_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_sign_in_sheet_content(session_a):
    session_a.venue = "Maison de quartier Wazemmes"
    session_a.address = "12 rue des Sarrazins"
    session_a.save()
    html = render_to_string("sessions_app/pdf/sign_in_sheet.html", sign_in_sheet_context(session_a))
    assert "La santé mentale dans mon quartier" in html
    assert "Séance 2024-001" in html
    assert "mardi 12 mars 2024, de 14 h 00 à 17 h 00" in html
    assert "Maison de quartier Wazemmes, 12 rue des Sarrazins" in html
    assert "CLSM A de Lille" in html
    for qpv in session_a.qpvs.all():
        assert qpv.code in html and qpv.name in html
    for column in ("N°", "Nom", "Prénom", "Structure", "Profil", "Genre", "Habite le QPV", "Agit dans le QPV"):
        assert f'<th scope="col">{column}' in html
    assert html.count('<th scope="row">') == 20
    assert '<th scope="row">20</th>' in html and '<th scope="row">21</th>' not in html
    for profile in numbered_profiles():
        assert f'<span class="n">{profile.number}</span> {profile.label}</li>' in html
    assert "Le nom et le prénom sont facultatifs" in html
    assert "effacés 24 mois après la séance" in html
    assert 'counter(page) " sur " counter(pages)' in html
    assert "size: A4 landscape" in html


def test_sign_in_sheet_fits_one_page_and_grows_with_the_expected_attendance(session_a):
    def page_count(session):
        html = render_to_string("sessions_app/pdf/sign_in_sheet.html", sign_in_sheet_context(session))
        return len(weasyprint.HTML(string=html).render().pages)

    assert page_count(session_a) == 1
    session_a.expected_attendance = 35
    session_a.save()
    assert [(lines.start, lines.stop - 1) for lines in sheet_pages(session_a)] == [(1, 20), (21, 40)]
    assert page_count(session_a) == 2


def test_sheet_pages_has_one_page_at_least_and_ten_at_most(clsm_a):
    session = AwarenessSessionFactory(clsm=clsm_a, expected_attendance=None)
    assert len(sheet_pages(session)) == 1
    session.expected_attendance = 1000
    assert len(sheet_pages(session)) == 10


# Reading what was typed in the profile column --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", ""),
        ("3", "elu"),
        ("16", "autre"),
        ("elu", "elu"),
        ("Élue", "elu"),
        ("élu·e", "elu"),
        ("personne_concernee", "personne_concernee"),
        ("pers", "personne_concernee"),
        ("médico", "medico_social"),
        ("SANTÉ, psychiatrie", "sante_psychiatrie"),
        ("  social ", "social"),
    ],
)
def test_resolve_profile(typed, code):
    assert resolve_profile(typed) == code


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("17", "Il n'y a pas de profil n° 17 : les numéros vont de 1 à 16."),
        ("0", "Il n'y a pas de profil n° 0"),
        ("s", "« s » correspond à plusieurs profils (« santé, psychiatrie », « social », « sport ») : précisez."),
        ("zorglub", "Profil inconnu « zorglub » : tapez un numéro de 1 à 16, un code ou le début d'un libellé."),
        ("…", "Profil inconnu « … »."),
    ],
)
def test_resolve_profile_errors_are_french(typed, message):
    with pytest.raises(ValidationError) as error:
        resolve_profile(typed)
    assert message in error.value.messages[0]


def test_extra_rows_follow_the_attendance():
    assert extra_rows(14, 0) == 14
    assert extra_rows(14, 12) == 5  # never fewer than five empty rows
    assert extra_rows(None, 3) == 5
    assert extra_rows(500, 0) == 60
    assert extra_rows(500, 298) == 5  # the formset's maximum caps the total anyway


# Entry screen: access --------------------------------------------------------------------------------


def test_entry_asks_anonymous_visitors_to_log_in(client, session_a):
    for response in (client.get(entry_url(session_a)), client.post(entry_url(session_a), {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("user_fixture", "status"), [("alice", 200), ("claire", 200), ("adam", 200), ("fanny", 403)])
def test_entry_access_per_role(request, login, session_a, user_fixture, status):
    user = request.getfixturevalue(user_fixture)
    assert login(user).get(entry_url(session_a)).status_code == status


def test_entry_of_another_clsm_is_not_found_and_writes_nothing(login, bob, session_a):
    client = login(bob)
    assert client.get(entry_url(session_a)).status_code == 404
    assert post_rows(client, session_a, [{"last_name": "Intrus"}]).status_code == 404
    assert not Participant.objects.exists()


def test_funder_cannot_post_a_sheet(login, fanny, session_a):
    assert post_rows(login(fanny), session_a, [{"last_name": "Intrus"}]).status_code == 403
    assert not Participant.objects.exists()


def test_entry_page_shows_names_to_the_sessions_coordinator(login, alice, session_a):
    ParticipantFactory(session=session_a, last_name="Lefebvre", first_name="Nadia", email="nadia@example.fr")
    html = login(alice).get(entry_url(session_a)).content.decode()
    assert 'value="Lefebvre"' in html and 'value="nadia@example.fr"' in html
    assert "ne sont visibles que du centre national et de la coordination du CLSM" in html


# Entry screen: the grid ------------------------------------------------------------------------------


def test_entry_page_offers_empty_rows_for_the_participants_present(login, claire, session_a):
    html = login(claire).get(entry_url(session_a)).content.decode()
    assert html.count('data-row="new"') == 14 + 1  # 14 present, plus the model row of the <template>
    assert 'name="participants-TOTAL_FORMS" value="14"' in html
    assert '<label class="visually-hidden" for="id_participants-0-last_name">Nom (ligne 1)</label>' in html
    assert "0 participant·e enregistré·e pour 14 présent·es" in html
    assert '<option value="élu·e">3 · elu</option>' in html
    assert 'data-search-url="/structures/recherche/"' in html
    assert "<script>" not in html  # behaviour lives in static/js/participants.js


def test_the_formset_saves_rows_with_their_fields(login, claire, session_a):
    response = post_rows(
        login(claire),
        session_a,
        [
            {
                "last_name": " Dupont ",
                "first_name": "Marie",
                "email": "marie.dupont@example.fr",
                "gender": "femme",
                "profile": "3",
                "structure_name": "Mairie de Lille",
                "lives_in_qpv": "true",
                "acts_in_qpv": "false",
            },
            {},  # an empty row is skipped
            {"gender": "homme", "profile": "médico", "lives_in_qpv": "unknown", "acts_in_qpv": "true"},
        ],
    )
    assert response.status_code == 303
    assert response["Location"] == entry_url(session_a)
    first, second = Participant.objects.filter(session=session_a).order_by("line")
    assert (first.line, first.last_name, first.first_name, first.email) == (
        1,
        "Dupont",
        "Marie",
        "marie.dupont@example.fr",
    )
    assert (first.gender, first.profile, first.lives_in_qpv, first.acts_in_qpv) == ("femme", "elu", True, False)
    assert first.structure.name == "Mairie de Lille" and first.structure_spelling == "Mairie de Lille"
    assert (second.line, second.last_name, second.email, second.structure, second.structure_spelling) == (
        2,
        "",
        "",
        None,
        "",
    )
    assert (second.gender, second.profile, second.lives_in_qpv, second.acts_in_qpv) == (
        "homme",
        "medico_social",
        None,
        True,
    )
    page = login(claire).get(entry_url(session_a)).content.decode()
    assert "Feuille d&#x27;émargement enregistrée\xa0: 2 participant·es (2 ajouts)." in page
    assert 'value="élu·e"' in page  # the saved profile shown as its label


def test_ccas_spellings_are_one_structure_and_each_participant_keeps_its_own(login, claire, session_a):
    post_rows(
        login(claire),
        session_a,
        [{"structure_name": "CCAS"}, {"structure_name": "ccas"}, {"structure_name": "  C.C.A.S "}],
    )
    assert list(Structure.objects.values_list("name", flat=True)) == ["CCAS"]
    spellings = list(Participant.objects.order_by("line").values_list("structure_spelling", "structure__name"))
    assert spellings == [("CCAS", "CCAS"), ("ccas", "CCAS"), ("C.C.A.S", "CCAS")]


def test_a_known_structure_keeps_its_first_spelling(login, claire, session_a):
    Structure.objects.create(name="Centre Communal d'Action Sociale")
    post_rows(login(claire), session_a, [{"structure_name": "centre communal d’action sociale"}])
    participant = Participant.objects.get()
    assert participant.structure.name == "Centre Communal d'Action Sociale"
    assert participant.structure_spelling == "centre communal d’action sociale"
    assert Structure.objects.count() == 1


def test_row_errors_are_french_and_nothing_is_saved(login, claire, session_a):
    response = post_rows(
        login(claire),
        session_a,
        [
            {"last_name": "Valide", "profile": "social"},
            {"last_name": "Martin", "email": "martin@", "profile": "zorglub", "structure_name": "…"},
        ],
    )
    assert response.status_code == 200
    assert not Participant.objects.exists()
    assert not Structure.objects.exists()
    html = response.content.decode()
    assert "La feuille n'a pas été enregistrée. Corrigez les lignes suivantes\xa0:" in html
    assert (
        '<a href="#id_participants-1-email">Ligne 2, e-mail</a>\xa0: Saisissez une adresse de courriel valide.' in html
    )
    assert "Profil inconnu «\xa0zorglub\xa0»" in html
    assert "Le nom de la structure doit contenir au moins une lettre ou un chiffre." in html
    # The typed values stay in place, and the invalid field is marked for screen readers.
    assert 'value="martin@"' in html and 'value="Valide"' in html
    assert 'aria-describedby="id_participants-1-email-error"' in html
    assert 'id="id_participants-1-email-error"' in html


def test_editing_and_deleting_rows(login, claire, session_a):
    structure = Structure.objects.get_or_create_by_name("Mission locale")
    first = ParticipantFactory(session=session_a, line=1, last_name="Un", structure=structure, structure_spelling="ML")
    second = ParticipantFactory(session=session_a, line=2, last_name="Deux", profile="jeunesse")
    third = ParticipantFactory(session=session_a, line=3, last_name="Trois", lives_in_qpv=None)
    response = post_rows(
        login(claire),
        session_a,
        [
            row_of(first, DELETE="on"),
            row_of(second, last_name="Deux-Corrigé", profile="2", structure_name="Régie de quartier"),
            row_of(third),
            {"last_name": "Quatre"},
        ],
        saved=[first, second, third],
    )
    assert response.status_code == 303
    assert not Participant.objects.filter(pk=first.pk).exists()
    rows = list(Participant.objects.filter(session=session_a).order_by("line"))
    assert [(p.line, p.last_name) for p in rows] == [(1, "Deux-Corrigé"), (2, "Trois"), (3, "Quatre")]
    assert rows[0].profile == "personne_concernee"
    assert rows[0].structure.name == "Régie de quartier" and rows[0].structure_spelling == "Régie de quartier"
    assert rows[1].pk == third.pk and rows[1].lives_in_qpv is None and rows[1].acts_in_qpv is True
    assert Structure.objects.filter(name="Mission locale").exists()  # structures outlive their participants
    page = login(claire).get(entry_url(session_a)).content.decode()
    assert "3 participant·es (1 ajout, 1 modification, 1 suppression)." in page


def test_an_untouched_row_keeps_its_structure_and_spelling(login, claire, session_a):
    structure = Structure.objects.get_or_create_by_name("CCAS")
    kept = ParticipantFactory(session=session_a, line=1, structure=structure, structure_spelling="c.c.a.s")
    assert post_rows(login(claire), session_a, [row_of(kept)], saved=[kept]).status_code == 303
    kept.refresh_from_db()
    assert (kept.structure, kept.structure_spelling, kept.line) == (structure, "c.c.a.s", 1)


def test_a_row_of_another_session_cannot_be_edited_through_this_one(login, claire, session_a, session_b):
    foreign = ParticipantFactory(session=session_b, last_name="Marseille")
    response = post_rows(login(claire), session_a, [row_of(foreign, last_name="Piraté")], saved=[foreign])
    assert response.status_code == 200
    assert "Cette ligne n&#x27;existe plus" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.last_name == "Marseille" and foreign.session == session_b
    assert not session_a.participants.exists()


def test_too_many_rows_are_refused(login, claire, session_a):
    response = post_rows(login(claire), session_a, [{"last_name": f"P{n}"} for n in range(301)])
    assert response.status_code == 200
    html = response.content.decode()
    assert "La feuille n'a pas été enregistrée.</h2>" in html
    assert "Veuillez soumettre au plus 300 formulaires." in html
    assert not Participant.objects.exists()


def test_a_full_sheet_of_300_rows_with_every_field_is_saved(login, claire, session_a):
    """Every field of 300 rows, then the same rows sent back with their ids (2,700 fields): Django's default limit of
    1,000 fields refused any sheet of more than about 100 rows with an English « Bad Request » page."""
    row = {"first_name": "Léa", "email": "", "gender": "femme", "profile": "1", "structure_name": "CCAS"}
    row |= {"lives_in_qpv": "true", "acts_in_qpv": "unknown"}
    client = login(claire)
    assert post_rows(client, session_a, [{"last_name": f"P{n}", **row} for n in range(300)]).status_code == 303
    saved = list(Participant.objects.order_by("line"))
    assert len(saved) == 300
    response = post_rows(client, session_a, [row_of(p, first_name="Zoé") for p in saved], saved=saved)
    assert response.status_code == 303
    assert set(Participant.objects.values_list("first_name", flat=True)) == {"Zoé"}


def test_a_tampered_form_is_refused_in_french(login, claire, session_a):
    state = ParticipantFormSet(session=session_a).sheet_state()
    data = {"participants-0-last_name": "Sans formulaire de gestion", STATE_FIELD: state}
    response = login(claire).post(entry_url(session_a), data)
    assert response.status_code == 200
    assert "ManagementForm sont manquantes ou ont été manipulées" in response.content.decode()
    assert not Participant.objects.exists()


def test_the_same_form_sent_twice_saves_its_rows_once_and_says_so(login, claire, session_a):
    """A double click or a re-sent POST carries the state of the sheet before the first save: its new rows would
    be added a second time, so nothing is saved and the sheet as saved is shown with a message."""
    client = login(claire)
    opened = ParticipantFormSet(session=session_a).sheet_state()
    rows = [{"last_name": "Durand", "first_name": "Léa", "gender": "femme"}]
    assert post_rows(client, session_a, rows, state=opened).status_code == 303
    again = post_rows(client, session_a, rows, state=opened)
    assert again.status_code == 303 and again["Location"] == entry_url(session_a)
    assert list(Participant.objects.values_list("last_name", flat=True)) == ["Durand"]
    page = client.get(again["Location"]).content.decode()
    assert "la feuille a changé depuis l&#x27;ouverture de ce formulaire (envoyé deux fois" in page


def test_a_form_drawn_before_another_save_does_not_undo_it(login, claire, session_a):
    """Someone else corrected a row after this form was drawn: sending it would put the old spelling back."""
    participant = ParticipantFactory(session=session_a, last_name="Durnad", line=1)
    client = login(claire)
    opened = ParticipantFormSet(session=session_a).sheet_state()
    post_rows(client, session_a, [row_of(participant, last_name="Durand")], saved=[participant])
    response = post_rows(client, session_a, [row_of(participant, first_name="Léa")], saved=[participant], state=opened)
    assert response.status_code == 303
    participant.refresh_from_db()
    assert (participant.last_name, participant.first_name) == ("Durand", participant.first_name)


def test_more_participants_than_present_is_pointed_out(login, claire, session_a):
    ParticipantFactory.create_batch(15, session=session_a)
    html = login(claire).get(entry_url(session_a)).content.decode()
    assert "15 participant·es enregistré·es pour 14 présent·es" in html
    assert "Plus de lignes que de participant·es" in html


def test_a_planned_session_takes_no_participants(login, claire, clsm_a):
    planned = AwarenessSessionFactory(clsm=clsm_a, date=datetime.date(2030, 1, 15))
    client = login(claire)
    html = client.get(entry_url(planned)).content.decode()
    assert "La séance est «\xa0planifiée\xa0»" in html
    assert "participants-TOTAL_FORMS" not in html
    response = post_rows(client, planned, [{"last_name": "Trop tôt"}])
    assert response.status_code == 200
    assert "Rien n&#x27;a été enregistré." in response.content.decode()
    assert not Participant.objects.exists()


def test_entry_page_query_budget_does_not_grow_with_rows(login, claire, session_a, django_assert_max_num_queries):
    structures = [Structure.objects.get_or_create_by_name(f"Structure {n}") for n in range(10)]
    for n in range(30):
        ParticipantFactory(session=session_a, line=n + 1, last_name=f"Nom {n}", structure=structures[n % 10])
    client = login(claire)
    # session + user, session visible, session editable, CLSM, QPVs, participants with their structures.
    with django_assert_max_num_queries(7):
        response = client.get(entry_url(session_a))
    html = response.content.decode()
    assert html.count('data-row="saved"') == 30
    assert '<option value="Structure 9"></option>' in html  # this sheet's structures are suggested


# Structure autocomplete ------------------------------------------------------------------------------


def typed_on(session, *names):
    """Participants of `session` from these structures (as a sign-in sheet would have them)."""
    for name in names:
        ParticipantFactory(session=session, structure=Structure.objects.get_or_create_by_name(name))


def search(client, text):
    response = client.get(reverse("sessions_app:structure_search"), {"q": text})
    assert response.status_code == 200
    return [result["value"] for result in response.json()["results"]]


def test_structure_search_matches_the_normalised_name(login, alice, session_a):
    typed_on(session_a, "CCAS de Lille", "C.C.A.S. Roubaix", "Mission locale", "Le CCAS (Tourcoing)")
    # Names starting with the query first, then the others containing it; alphabetical by grouping key.
    # « CCAS » is on the national list.
    assert search(login(alice), "c.c.a.s") == ["CCAS", "CCAS de Lille", "C.C.A.S. Roubaix", "Le CCAS (Tourcoing)"]


def test_structure_search_needs_two_characters_and_returns_twenty_at_most(login, claire):
    for n in range(25):
        Structure.objects.get_or_create_by_name(f"Association {n:02d}")
    client = login(claire)
    url = reverse("sessions_app:structure_search")
    assert client.get(url, {"q": "a"}).json() == {"results": []}
    assert client.get(url, {"q": "-.-"}).json() == {"results": []}
    assert len(client.get(url, {"q": "asso"}).json()["results"]) == 20


def test_a_coordinator_is_suggested_their_clsms_structures_and_the_national_list_only(
    login, alice, bob, claire, session_a, session_b
):
    """Structure names tell where a CLSM's sessions drew people from: another CLSM's stay out of sight."""
    typed_on(session_a, "Centre social Moulins", "Association Lilloise")
    typed_on(session_b, "Centre social Belsunce", "Association Marseillaise")
    Structure.objects.get_or_create_by_name("Centre social sans séance")  # typed nowhere any more
    assert search(login(alice), "centre social") == ["Centre social", "Centre social Moulins"]
    assert search(login(bob), "centre social") == ["Centre social", "Centre social Belsunce"]
    assert search(login(alice), "marseill") == []
    assert search(login(bob), "asso") == ["Association Marseillaise"]
    # The national centre sees every structure typed anywhere.
    assert search(login(claire), "centre social") == [
        "Centre social",
        "Centre social Belsunce",
        "Centre social Moulins",
        "Centre social sans séance",
    ]
    # A coordinator of no CLSM yet: the national list only.
    from accounts.models import Role
    from tests.factories import UserFactory

    newcomer = UserFactory(username="nouvelle", role=Role.COORDINATOR)
    assert search(login(newcomer), "mission") == ["Mission locale"]
    assert search(login(newcomer), "asso") == []


def test_structure_search_access(client, login, fanny, session_a):
    url = reverse("sessions_app:structure_search")
    response = client.get(url, {"q": "ccas"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert login(fanny).get(url, {"q": "ccas"}).status_code == 403
    assert client.post(url, {"q": "ccas"}).status_code == 405
