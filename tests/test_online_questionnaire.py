"""Online self-fill: the public questionnaire (no account), its link, QR code, poster and paper questionnaire."""

import datetime
import html
import re
import shutil
import subprocess

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import F
from django.test import Client
from django.urls import reverse

from evaluation import online
from evaluation.models import ClientSubmission, QuestionnaireLink, Response
from evaluation.responses import Sheet
from sessions_app.models import AwarenessSession
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db

SESSION_DAY = datetime.date(2024, 3, 12)  # the day of session_a
ALL_ANSWERS = {
    "sat_logistique": "5",
    "sat_dynamique": "4",
    "sat_animation": "5",
    "sat_duree": "3",
    "sat_contenu": "4",
    "sat_attentes": "4",
    "cap_expliquer": "3",
    "cap_posture": "2",
    "cap_ressources": "4",
    "cap_clsm": "1",
    "eng_concerne": "4",
    "eng_formation": "3",
    "eng_investir": "2",
}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Nonces and submission limits live in the database, not in the cache: a test that clears the cache between
    two submissions checks it. Each test starts and ends with an empty cache all the same."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def today(monkeypatch):
    """today(date) freezes the local date the link's validity is checked against."""

    def _freeze(day):
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)

    _freeze(SESSION_DAY + datetime.timedelta(days=1))
    return _freeze


@pytest.fixture
def link_a(session_a):
    return online.link_for(session_a)


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def form_url(link):
    return reverse("evaluation:public_questionnaire", args=[link.token])


def thanks_url(link):
    return reverse("evaluation:public_thanks", args=[link.token])


def fresh_nonce(client, link):
    page = text(client.get(form_url(link)))
    return re.search(r'name="nonce" value="([^"]+)"', page).group(1)


def submit(client, link, data=None, *, nonce=None, ip="203.0.113.7"):
    payload = {"nonce": nonce or fresh_nonce(client, link), **(ALL_ANSWERS if data is None else data)}
    return client.post(form_url(link), payload, REMOTE_ADDR=ip)


# The organisers' page: link, validity, QR code, downloads --------------------------------------------


@pytest.mark.parametrize(
    ("user_fixture", "status"),
    [(None, 302), ("bob", 404), ("fanny", 403), ("alice", 200), ("claire", 200), ("adam", 200)],
)
def test_link_page_access_per_role(request, client, clsm_b, session_a, user_fixture, status):
    if user_fixture:
        client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(reverse("evaluation:link_page", args=[session_a.pk]))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert not QuestionnaireLink.objects.exists()  # a GET never creates the link


def test_get_offers_to_create_the_link_and_post_creates_it_once(login, alice, session_a, today):
    client = login(alice)
    url = reverse("evaluation:link_page", args=[session_a.pk])
    page = text(client.get(url))
    assert "Créer le lien du questionnaire" in page
    assert reverse("evaluation:qr_code", args=[session_a.pk]) not in page
    assert not QuestionnaireLink.objects.exists()

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    link = QuestionnaireLink.objects.get(session=session_a)
    client.post(url)  # a second click keeps the same link: posters already printed stay valid
    assert QuestionnaireLink.objects.get().token == link.token

    page = text(client.get(url))
    assert f"http://testserver/q/{link.token}/" in page
    assert "du 12 mars 2024 au 26 mars 2024" in page
    assert ">ouvert</span>" in page
    assert f'src="{reverse("evaluation:qr_code", args=[session_a.pk])}"' in page
    assert reverse("evaluation:poster_pdf", args=[session_a.pk]) in page
    assert reverse("evaluation:paper_questionnaire_pdf", args=[session_a.pk]) in page
    assert "Créer le lien du questionnaire" not in page


def test_no_link_is_created_once_its_answering_days_are_over(login, alice, session_a, today):
    """Created after its 14 days, a link was closed at once: « le lien a été créé », then « fermé » and a 410."""
    today(datetime.date(2024, 3, 27))  # the session was on 12 March: its days ended on the 26th
    client = login(alice)
    url = reverse("evaluation:link_page", args=[session_a.pk])
    page = text(client.get(url))
    assert "Créer le lien du questionnaire" not in page
    assert "Les 14 jours de réponse en ligne de cette séance sont passés" in page
    response = client.post(url, follow=True)
    assert text(response).count("ses questionnaires se saisissent sur papier") == 2  # the message, and the page
    assert not QuestionnaireLink.objects.exists()
    today(datetime.date(2024, 3, 26))  # its last day: still worth creating
    assert "Créer le lien du questionnaire" in text(client.get(url))


def test_link_page_shows_a_closed_link(login, claire, link_a, today):
    today(datetime.date(2024, 4, 2))
    page = text(login(claire).get(reverse("evaluation:link_page", args=[link_a.session.pk])))
    assert ">fermé</span>" in page
    assert "était ouvert du 12 mars 2024 au 26 mars 2024" in page


def test_no_link_for_a_session_that_is_not_confirmed(login, bob, session_b):
    client = login(bob)
    url = reverse("evaluation:link_page", args=[session_b.pk])
    page = text(client.get(url))
    assert "Créer le lien du questionnaire" not in page
    assert "une fois la séance confirmée" in page
    response = client.post(url, follow=True)
    assert "elle n'a pas de questionnaire en ligne" in text(response)
    assert not QuestionnaireLink.objects.exists()


def test_confirmed_session_gets_a_link(login, alice, clsm_a, today):
    today(datetime.date(2024, 5, 2))  # a month before: the poster is printed ahead
    session = AwarenessSessionFactory(clsm=clsm_a, confirmed=True, date=datetime.date(2024, 6, 4))
    login(alice).post(reverse("evaluation:link_page", args=[session.pk]))
    assert QuestionnaireLink.objects.filter(session=session).exists()


@pytest.mark.parametrize(("user_fixture", "status"), [("bob", 404), ("fanny", 403)])
def test_only_organisers_create_the_link(request, login, clsm_b, session_a, user_fixture, status):
    response = login(request.getfixturevalue(user_fixture)).post(reverse("evaluation:link_page", args=[session_a.pk]))
    assert response.status_code == status
    assert not QuestionnaireLink.objects.exists()


def test_link_for_refuses_sessions_without_questionnaire(session_b):
    with pytest.raises(ValidationError, match="pas de questionnaire en ligne"):
        online.link_for(session_b)
    assert not QuestionnaireLink.objects.exists()


def test_qr_code_is_an_svg_of_the_public_address(login, alice, session_a):
    client = login(alice)
    url = reverse("evaluation:qr_code", args=[session_a.pk])
    assert client.get(url).status_code == 404  # no link yet
    link = online.link_for(session_a)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content
    expected = online.qr_svg(f"http://testserver/q/{link.token}/", title="Questionnaire de la séance 2024-001")
    assert response.content == expected


@pytest.mark.parametrize("name", ["qr_code", "poster_pdf", "paper_questionnaire_pdf"])
@pytest.mark.parametrize(("user_fixture", "status"), [("bob", 404), ("fanny", 403)])
def test_downloads_are_for_organisers_only(request, client, clsm_b, link_a, name, user_fixture, status):
    url = reverse(f"evaluation:{name}", args=[link_a.session.pk])
    assert client.get(url).status_code == 302  # anonymous → log-in page
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("name", "filename"),
    [
        ("poster_pdf", "affiche-questionnaire-2024-001.pdf"),
        ("paper_questionnaire_pdf", "questionnaire-papier-2024-001.pdf"),
    ],
)
def test_pdfs_are_served(login, alice, session_a, name, filename):
    client = login(alice)
    url = reverse(f"evaluation:{name}", args=[session_a.pk])
    assert client.get(url).status_code == 404  # no link yet
    online.link_for(session_a)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert filename in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")


def pdf_text(content: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext introuvable : installez le paquet Debian « poppler-utils ».")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def test_poster_carries_the_session_the_address_and_the_promise(login, claire, link_a):
    content = pdf_text(login(claire).get(reverse("evaluation:poster_pdf", args=[link_a.session.pk])).content)
    for expected in (
        "LA SANTÉ MENTALE DANS MON QUARTIER",
        "Votre avis compte",
        "Séance n° 2024-001",
        "CLSM A de Lille",
        "12 mars 2024",
        "3 minutes, anonyme",
    ):
        assert expected in content, expected
    assert f"testserver/q/{link_a.token}/" in "".join(content.split())  # the address may wrap


def test_paper_questionnaire_has_every_item_and_the_reconciliation_box(login, claire, link_a):
    content = pdf_text(
        login(claire).get(reverse("evaluation:paper_questionnaire_pdf", args=[link_a.session.pk])).content
    )
    for expected in (
        "2024-001",
        "N° de feuille :",
        "Vous pouvez aussi répondre en ligne",
        "Satisfaction",
        "Suite à cette séance, vous sentez-vous capable de…",
        "Engagement",
        "Organisation logistique",
        "Identifier votre CLSM",
        "1 = pas du tout satisfait … 5 = très satisfait",
        "1 = pas du tout … 4 = tout à fait",
        "sans réponse",
        "Vos besoins",
        "Un commentaire, une suggestion ?",
    ):
        assert expected in content, expected
    assert f"testserver/q/{link_a.token}/" in "".join(content.split())
    assert "page 1 sur 1" in content  # one sheet to hand out


# The public questionnaire: unknown, not yet open, closed ---------------------------------------------


@pytest.mark.parametrize("token", ["inconnu", "A" * 24, "ZmFrZS10b2tlbi1mb3ItdGVzdHM"])
def test_unknown_link_gets_a_clear_french_page(client, link_a, token):
    for url in (
        reverse("evaluation:public_questionnaire", args=[token]),
        reverse("evaluation:public_thanks", args=[token]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        page = text(response)
        assert "Ce lien de questionnaire n'existe pas" in page
        assert "Scannez à nouveau le code QR" in page


def test_link_before_the_session_day_says_when_it_opens(client, link_a, today):
    today(datetime.date(2024, 3, 11))
    response = client.get(form_url(link_a))
    assert response.status_code == 200
    page = text(response)
    assert "Ce questionnaire n'est pas encore ouvert" in page
    assert "Le questionnaire ouvrira le 12 mars 2024" in page
    assert 'name="nonce"' not in page
    assert client.post(form_url(link_a), {"nonce": "x", **ALL_ANSWERS}).status_code == 200
    assert not Response.objects.exists()


def test_link_is_open_until_its_last_day_then_closed(client, link_a, today, settings):
    assert settings.QUESTIONNAIRE_LINK_DAYS == 14
    today(datetime.date(2024, 3, 26))
    assert 'name="nonce"' in text(client.get(form_url(link_a)))
    today(datetime.date(2024, 3, 27))
    response = client.get(form_url(link_a))
    assert response.status_code == 410
    page = text(response)
    assert "Ce questionnaire est fermé" in page
    assert "Le questionnaire était ouvert du 12 mars 2024 au 26 mars 2024" in page
    assert submit(client, link_a, nonce="x").status_code == 410
    assert not Response.objects.exists()


def test_validity_follows_the_setting(client, link_a, today, settings):
    settings.QUESTIONNAIRE_LINK_DAYS = 30
    today(datetime.date(2024, 4, 10))
    assert client.get(form_url(link_a)).status_code == 200


def test_cancelled_session_closes_its_link(client, clsm_a, today):
    session = AwarenessSessionFactory(clsm=clsm_a, confirmed=True, date=SESSION_DAY)
    link = online.link_for(session)
    session.cancel(None, "salle indisponible")
    response = client.get(form_url(link))
    assert response.status_code == 410
    assert "La séance a été annulée" in text(response)


def test_postponed_session_suspends_its_link(client, clsm_a, today):
    session = AwarenessSessionFactory(clsm=clsm_a, confirmed=True, date=SESSION_DAY)
    link = online.link_for(session)
    AwarenessSession.objects.filter(pk=session.pk).update(status=AwarenessSession.Status.POSTPONED)
    response = client.get(form_url(link))
    assert response.status_code == 200
    assert "La séance n'est pas confirmée pour le moment" in text(response)


# The public questionnaire: the form and what it saves ------------------------------------------------


def test_form_is_anonymous_accessible_and_in_plain_french(client, link_a, today, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the link with its session and CLSM, the questionnaire, its items
        response = client.get(form_url(link_a))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    page = text(response)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "csrfmiddlewaretoken" in page
    assert "Votre avis compte" in page and "3 minutes, anonyme" in page
    assert page.count("<fieldset") == 13 and page.count("<legend>") == 13
    assert "<legend>Organisation logistique</legend>" in page
    assert "1 = pas du tout satisfait" in page and "5 = très satisfait" in page
    assert "1 = pas du tout</span>" in page and "4 = tout à fait" in page
    assert page.count("Je ne souhaite pas répondre") == 13
    assert page.count('type="radio"') == 6 * 6 + 7 * 5
    assert 'name="besoin_3"' in page and 'name="commentaire"' in page
    assert 'maxlength="500"' in page and 'maxlength="3000"' in page  # never « 3 000 »
    assert "categorie" not in page  # participants do not categorise their needs
    assert "Envoyer quand même" in page and "Compléter" in page
    assert "js/online-questionnaire.js" in page


def test_valid_submission_creates_one_online_response_with_blanks(client, link_a, today):
    data = {**ALL_ANSWERS, "sat_duree": "sans_reponse", "cap_clsm": ""}
    del data["eng_investir"]
    data |= {"besoin_1": " Des formations ", "besoin_2": "", "besoin_3": "Connaître le CLSM", "commentaire": "Merci !"}
    response = submit(client, link_a, data)
    assert response.status_code == 303
    assert response["Location"] == thanks_url(link_a)
    saved = Response.objects.get()
    assert saved.session == link_a.session
    assert saved.channel == Response.Channel.ONLINE
    assert saved.entered_by is None
    answers = dict(saved.answers.values_list("item__code", "value"))
    assert len(answers) == 10
    assert {"sat_duree", "cap_clsm", "eng_investir"}.isdisjoint(answers)  # blanks are no answer, never 0
    assert answers["sat_logistique"] == 5 and answers["cap_posture"] == 2
    assert list(saved.needs.values_list("position", "text", "category")) == [
        (1, "Des formations", None),
        (2, "Connaître le CLSM", None),
    ]
    assert saved.comment == "Merci !"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Merci pour votre réponse" in text(thanks)


@pytest.mark.parametrize(
    "data",
    [{}, dict.fromkeys(ALL_ANSWERS, "sans_reponse"), {"besoin_1": "   ", "commentaire": " "}],
    ids=["nothing", "no-answer-everywhere", "spaces"],
)
def test_an_empty_form_is_refused_with_a_friendly_message(client, link_a, today, data):
    """An empty questionnaire would count in « questionnaires reçus » and the response rate: not saved."""
    nonce = fresh_nonce(client, link_a)
    response = submit(client, link_a, data, nonce=nonce)
    assert response.status_code == 200
    page = text(response)
    assert "Votre réponse n'a pas été envoyée" in page
    assert "Votre questionnaire est vide\xa0: répondez à au moins une question" in page
    assert f'name="nonce" value="{nonce}"' in page  # the same form, still valid
    assert not Response.objects.exists()
    # One answer is enough, with the same form.
    assert submit(client, link_a, {"cap_clsm": "3"}, nonce=nonce).status_code == 303
    assert dict(Response.objects.get().answers.values_list("item__code", "value")) == {"cap_clsm": 3}


@pytest.mark.parametrize("data", [{"besoin_2": "Des formations"}, {"commentaire": "Merci"}])
def test_a_need_or_a_comment_alone_is_a_response(client, link_a, today, data):
    assert submit(client, link_a, data).status_code == 303
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "value"), [("sat_logistique", "6"), ("cap_clsm", "5"), ("sat_duree", "0"), ("eng_concerne", "beaucoup")]
)
def test_values_outside_the_scale_are_a_form_error(client, link_a, today, code, value):
    response = submit(client, link_a, {**ALL_ANSWERS, code: value, "besoin_1": "Des formations"})
    assert response.status_code == 200
    page = text(response)
    assert "Votre réponse n'a pas été envoyée" in page
    assert f'href="#q-{code}"' in page
    assert "Choisissez une réponse de 1 à" in page
    assert 'value="Des formations"' in page  # what was typed is kept
    assert not Response.objects.exists()


def test_too_long_texts_are_a_form_error(client, link_a, today):
    response = submit(client, link_a, {"besoin_1": "x" * 501})
    assert response.status_code == 200
    assert not Response.objects.exists()


def test_the_same_form_sent_twice_saves_one_response(client, link_a, today):
    nonce = fresh_nonce(client, link_a)
    first = submit(client, link_a, nonce=nonce)
    second = submit(client, link_a, nonce=nonce)
    assert first.status_code == second.status_code == 303
    assert second["Location"] == thanks_url(link_a)
    assert Response.objects.count() == 1


def test_a_form_sent_again_after_the_cache_was_emptied_is_not_saved_twice(client, link_a, today):
    """The production cache forgets (culled when full, cleared): the used token is kept with the response."""
    nonce = fresh_nonce(client, link_a)
    assert submit(client, link_a, nonce=nonce).status_code == 303
    cache.clear()
    second = submit(client, link_a, {**ALL_ANSWERS, "commentaire": "envoyé deux fois"}, nonce=nonce)
    assert (second.status_code, second["Location"]) == (303, thanks_url(link_a))
    saved = Response.objects.get()
    assert saved.comment == ""  # the first sending is the one kept
    assert saved.form_nonce == online.nonce_digest(nonce) != nonce  # a digest, not the token itself


def test_a_saved_form_sent_again_after_its_nonce_expired_is_thanked_not_saved(client, link_a, today, monkeypatch):
    nonce = fresh_nonce(client, link_a)
    assert submit(client, link_a, nonce=nonce).status_code == 303
    monkeypatch.setattr(online, "NONCE_MAX_AGE_SECONDS", -1)  # the next day, from the browser's history
    response = submit(client, link_a, nonce=nonce)
    assert (response.status_code, response["Location"]) == (303, thanks_url(link_a))
    assert Response.objects.count() == 1


def test_a_form_that_failed_to_save_is_not_thanked_when_sent_again(link_a, today, monkeypatch):
    """A server error while saving: the retry saves it (before, the token was spent first and the retry was
    thanked with nothing saved)."""
    client = Client(raise_request_exception=False)
    nonce = fresh_nonce(client, link_a)

    def broken(*args, **kwargs):
        raise DatabaseError("connexion perdue")

    monkeypatch.setattr(online, "create_response", broken)
    assert submit(client, link_a, nonce=nonce).status_code == 500
    assert not Response.objects.exists()
    monkeypatch.undo()
    today(SESSION_DAY)
    assert submit(client, link_a, nonce=nonce).status_code == 303
    assert Response.objects.count() == 1


def test_save_submission_saves_once_per_form(link_a, today):
    """The service itself (under the session lock) recognises a form already saved, whatever the view checked."""
    nonce = online.new_nonce(link_a)
    sheet = Sheet(answers={"sat_logistique": 4})
    first, created = online.save_submission(link_a, sheet, nonce=nonce, address="203.0.113.7")
    again, created_again = online.save_submission(link_a, sheet, nonce=nonce, address="203.0.113.8")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and Response.objects.count() == 1
    assert ClientSubmission.objects.count() == 1


def test_forged_or_foreign_nonce_is_refused_and_replaced(client, clsm_a, link_a, today):
    other = online.link_for(AwarenessSessionFactory(clsm=clsm_a, held=True, date=SESSION_DAY))
    for nonce in ("forge", online.new_nonce(other)):
        response = submit(client, link_a, nonce=nonce)
        assert response.status_code == 200
        page = text(response)
        assert "Ce formulaire a expiré" in page
        new = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
        assert online.nonce_is_valid(link_a, new)
    assert not Response.objects.exists()


def test_nonce_expires_after_a_day(link_a, monkeypatch):
    nonce = online.new_nonce(link_a)
    assert online.nonce_is_valid(link_a, nonce)
    monkeypatch.setattr(online, "NONCE_MAX_AGE_SECONDS", -1)
    assert not online.nonce_is_valid(link_a, nonce)


def test_a_room_on_one_wifi_can_answer_together(settings):
    assert settings.QUESTIONNAIRE_CLIENT_LIMIT >= 20  # a whole session's participants may share the venue's address


def test_flood_from_one_client_is_refused_after_the_limit(client, link_a, today, settings):
    settings.QUESTIONNAIRE_CLIENT_LIMIT = 5
    for _ in range(5):
        assert submit(client, link_a, ip="198.51.100.1").status_code == 303
    response = submit(client, link_a, {**ALL_ANSWERS, "besoin_1": "Des formations"}, ip="198.51.100.1")
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    page = text(response)
    assert "trop de réponses depuis cette connexion" in page
    assert 'value="Des formations"' in page  # nothing typed is lost
    assert Response.objects.count() == 5
    assert submit(client, link_a, ip="198.51.100.2").status_code == 303  # another client still may answer
    assert Response.objects.count() == 6


def test_behind_the_proxy_each_phone_has_its_own_limit(client, link_a, today, settings):
    """Behind the README's reverse proxy every request comes from the proxy: the limit counts the address the
    proxy forwards, or one room would use up the whole venue's quota."""
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.QUESTIONNAIRE_CLIENT_LIMIT = 2
    for _ in range(2):
        assert (
            client.post(
                form_url(link_a),
                {"nonce": fresh_nonce(client, link_a), **ALL_ANSWERS},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR="198.51.100.1",
            ).status_code
            == 303
        )
    for phone, expected in (("198.51.100.1", 429), ("198.51.100.2", 303)):
        response = client.post(
            form_url(link_a),
            {"nonce": fresh_nonce(client, link_a), **ALL_ANSWERS},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=phone,
        )
        assert response.status_code == expected, phone


def test_one_host_cannot_go_past_the_limit_by_changing_its_ipv6_address(client, link_a, today, settings):
    """A host is given a whole /64: address by address it could send 2^64 times, and use up the session's limit."""
    settings.QUESTIONNAIRE_CLIENT_LIMIT = 3
    for host in range(1, 4):
        assert submit(client, link_a, ip=f"2001:db8:1:2::{host}").status_code == 303
    assert submit(client, link_a, ip="2001:db8:1:2::4").status_code == 429
    assert submit(client, link_a, ip="2001:db8:1:3::1").status_code == 303  # another /64: another home
    assert Response.objects.count() == 4


def ago(model, minutes, **filters):
    """Moves the rows of `model` `minutes` back in time (auto_now_add cannot be set at creation)."""
    model.objects.filter(**filters).update(created_at=F("created_at") - datetime.timedelta(minutes=minutes))


def test_refused_form_can_be_sent_again_later(client, link_a, today, settings):
    settings.QUESTIONNAIRE_CLIENT_LIMIT = 5
    for _ in range(5):
        submit(client, link_a, ip="198.51.100.1")
    nonce = fresh_nonce(client, link_a)
    assert submit(client, link_a, nonce=nonce, ip="198.51.100.1").status_code == 429
    ago(ClientSubmission, 9)
    assert submit(client, link_a, nonce=nonce, ip="198.51.100.1").status_code == 429  # nine minutes later
    ago(ClientSubmission, 1)
    assert submit(client, link_a, nonce=nonce, ip="198.51.100.1").status_code == 303  # ten minutes later
    assert Response.objects.count() == 6


def test_the_client_limit_holds_when_the_cache_is_emptied(client, link_a, today, settings):
    settings.QUESTIONNAIRE_CLIENT_LIMIT = 3
    for _ in range(3):
        assert submit(client, link_a, ip="198.51.100.1").status_code == 303
        cache.clear()
    assert submit(client, link_a, ip="198.51.100.1").status_code == 429
    assert Response.objects.count() == 3


def test_no_client_address_is_kept_and_old_hashes_are_forgotten(client, clsm_a, link_a, today):
    other = AwarenessSessionFactory(clsm=clsm_a, held=True, date=SESSION_DAY)
    ClientSubmission.objects.create(session=other, client=online.client_key("192.0.2.50"))
    ago(ClientSubmission, 11)  # older than the ten minutes the per-client limit looks back
    assert submit(client, link_a, ip="198.51.100.1").status_code == 303
    kept = ClientSubmission.objects.get()
    assert kept.session == link_a.session
    assert kept.client == online.client_key("198.51.100.1") and "198.51.100.1" not in kept.client
    assert online.client_key("198.51.100.1") != online.client_key("198.51.100.2")
    assert not Response.objects.filter(comment__contains="198.51").exists()


def test_flood_on_a_session_is_refused_beyond_its_hourly_limit(client, link_a, today, settings):
    settings.QUESTIONNAIRE_SESSION_LIMIT = 3
    for n in range(3):
        assert submit(client, link_a, ip=f"192.0.2.{n}").status_code == 303
    response = submit(client, link_a, {**ALL_ANSWERS, "besoin_1": "Des formations"}, ip="192.0.2.99")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    page = text(response)
    assert "trop de réponses en ce moment" in page
    assert 'value="Des formations"' in page  # nothing typed is lost
    assert Response.objects.count() == 3


def test_the_session_limit_holds_when_the_cache_is_emptied(client, link_a, today, settings):
    settings.QUESTIONNAIRE_SESSION_LIMIT = 3
    for n in range(3):
        assert submit(client, link_a, ip=f"192.0.2.{n}").status_code == 303
        cache.clear()
    assert submit(client, link_a, ip="192.0.2.99").status_code == 429
    assert Response.objects.count() == 3
    ago(Response, 61)  # an hour later the session may receive again
    assert submit(client, link_a, ip="192.0.2.99").status_code == 303


def test_csrf_protection_is_kept(link_a, today):
    client = Client(enforce_csrf_checks=True)
    page = text(client.get(form_url(link_a)))
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    assert client.post(form_url(link_a), {"nonce": nonce, **ALL_ANSWERS}).status_code == 403
    assert not Response.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(form_url(link_a), {"csrfmiddlewaretoken": token, "nonce": nonce, **ALL_ANSWERS})
    assert response.status_code == 303
    assert Response.objects.count() == 1


def test_link_state_unit(link_a):
    assert online.link_state(link_a, datetime.date(2024, 3, 11)).code == "not_yet"
    assert online.link_state(link_a, SESSION_DAY).is_open
    assert online.link_state(link_a, datetime.date(2024, 3, 26)).is_open
    closed = online.link_state(link_a, datetime.date(2024, 3, 27))
    assert (closed.code, closed.http_status) == ("closed", 410)
    assert link_a.is_open(SESSION_DAY) and not link_a.is_open(datetime.date(2024, 3, 27))


def test_an_empty_post_is_answered_with_the_form(client, link_a, today):
    response = client.post(form_url(link_a), {})
    assert response.status_code == 200
    assert "Ce formulaire a expiré" in text(response)
    assert not Response.objects.exists()


def test_link_page_query_budget(login, claire, link_a, django_assert_max_num_queries):
    client = login(claire)
    url = reverse("evaluation:link_page", args=[link_a.session.pk])
    # log-in session, user, the session, its write check, its link, its CLSM, the response counts
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200
