import smtplib

import pytest
from django.core import mail
from django.urls import reverse

from territories.models import CLSM, QPV

pytestmark = pytest.mark.django_db


# Log-in, log-out, password reset ----------------------------------------------------------------------


def test_login_page_is_french_and_labelled(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "La santé mentale dans mon quartier" in html
    assert 'href="#contenu"' in html  # skip link
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_login_with_right_and_wrong_password(client, alice, password):
    bad = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert "Identifiant ou mot de passe incorrect" in bad.content.decode()
    assert (
        "Connexion refusée" in bad.content.decode()
        and "formulaire n&#x27;est pas enregistré" not in bad.content.decode()
    )
    good = client.post(reverse("login"), {"username": "alice", "password": password})
    assert good.status_code == 302 and good["Location"] == reverse("home")


def test_logout_is_a_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_reset_sends_a_french_email(client, alice):
    response = client.post(reverse("password_reset"), {"email": alice.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert "Réinitialisation de votre mot de passe" in message.subject
    assert "/comptes/mot-de-passe/reinitialiser/" in message.body


def test_password_reset_waits_in_the_queue_while_the_mail_server_is_down(client, alice, monkeypatch):
    """The e-mail goes through the worker: a mail server that refuses neither breaks the page nor loses it."""
    from huey.contrib.djhuey import HUEY

    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("serveur injoignable")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    response = client.post(reverse("password_reset"), {"email": alice.email})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    [retry] = [task for task in HUEY.scheduled() if task.name == "send_email"]
    assert retry.args[0]["to"] == [alice.email] and "Réinitialisation" in retry.args[0]["subject"]


def test_password_reset_is_limited_per_address_and_per_connection(client, alice):
    """25 requests for one address filled its mailbox: 3 e-mails an hour at most, the others answered as any request
    is (never telling whether the address has an account); and 10 requests an hour from one connection."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import PasswordResetRequest
    from accounts.views import RESET_EMAILS_PER_ADDRESS, RESET_REQUESTS_PER_CLIENT

    url, done = reverse("password_reset"), reverse("password_reset_done")
    for n in range(RESET_EMAILS_PER_ADDRESS + 3):
        response = client.post(url, {"email": alice.email.upper()}, REMOTE_ADDR=f"198.51.100.{n}")
        assert response.status_code == 302 and response["Location"] == done
    assert len(mail.outbox) == RESET_EMAILS_PER_ADDRESS
    for n in range(RESET_REQUESTS_PER_CLIENT):
        client.post(url, {"email": f"personne{n}@example.fr"}, REMOTE_ADDR="203.0.113.9")
    refused = client.post(url, {"email": "autre@example.fr"}, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert "Trop de demandes depuis cette connexion" in refused.content.decode()
    # An hour later, both may ask again.
    PasswordResetRequest.objects.update(created_at=timezone.now() - timedelta(hours=1, minutes=1))
    assert client.post(url, {"email": "autre@example.fr"}, REMOTE_ADDR="203.0.113.9").status_code == 302
    client.post(url, {"email": alice.email}, REMOTE_ADDR="198.51.100.1")
    assert len(mail.outbox) == RESET_EMAILS_PER_ADDRESS + 1
    assert PasswordResetRequest.objects.count() == 2  # the expired requests are forgotten


def test_anonymous_is_sent_to_login(client):
    for name in ("home", "territories:clsm_list", "territories:clsm_create", "imports:upload"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login") + "?next=")


# Home page per role ----------------------------------------------------------------------------------


def test_home_page_of_a_coordinator_lists_their_clsm_only(login, alice, clsm_a, clsm_b):
    html = login(alice).get(reverse("home")).content.decode()
    assert "CLSM A de Lille" in html
    assert "CLSM B de Marseille" not in html
    assert "Imports" not in html  # no staff entry in the navigation


@pytest.mark.parametrize(
    ("user_fixture", "heading", "nav_has_imports", "nav_has_admin"),
    [
        ("claire", "Centre national", True, False),
        ("fanny", "Vue nationale du programme", False, False),
        ("adam", "Administration technique", True, True),
    ],
)
def test_home_page_per_role(request, login, clsm_a, user_fixture, heading, nav_has_imports, nav_has_admin):
    user = request.getfixturevalue(user_fixture)
    html = login(user).get(reverse("home")).content.decode()
    assert heading in html
    assert (reverse("imports:upload") in html) is nav_has_imports
    assert (reverse("admin:index") in html) is nav_has_admin


def test_admin_is_for_administrators_only(login, claire, adam):
    assert login(claire).get(reverse("admin:index")).status_code == 302
    client = login(adam)
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.get(reverse("admin:territories_qpv_changelist"), {"q": "QN05971M"})
    assert response.status_code == 200
    assert "Secteur Ouest" in response.content.decode()


# CLSM pages: who sees and changes what ---------------------------------------------------------------


def test_coordinator_sees_own_clsm_and_gets_404_for_another(login, alice, clsm_a, clsm_b):
    client = login(alice)
    listing = client.get(reverse("territories:clsm_list")).content.decode()
    assert "CLSM A de Lille" in listing and "CLSM B de Marseille" not in listing
    assert client.get(reverse("territories:clsm_detail", args=[clsm_a.pk])).status_code == 200
    assert client.get(reverse("territories:clsm_detail", args=[clsm_b.pk])).status_code == 404
    assert client.get(reverse("territories:clsm_edit", args=[clsm_b.pk])).status_code == 404


def test_coordinator_cannot_change_their_clsm_nor_create_one(login, alice, clsm_a):
    client = login(alice)
    assert client.get(reverse("territories:clsm_edit", args=[clsm_a.pk])).status_code == 403
    assert client.post(reverse("territories:clsm_edit", args=[clsm_a.pk]), {"name": "X"}).status_code == 403
    assert client.get(reverse("territories:clsm_create")).status_code == 403
    clsm_a.refresh_from_db()
    assert clsm_a.name == "CLSM A de Lille"


def test_funder_reads_clsm_without_names_and_cannot_write(login, fanny, clsm_a, alice):
    client = login(fanny)
    detail = client.get(reverse("territories:clsm_detail", args=[clsm_a.pk])).content.decode()
    assert "QN05971M" in detail
    assert alice.last_name not in detail  # coordinators are personal data
    assert client.get(reverse("territories:clsm_create")).status_code == 403
    assert client.post(reverse("territories:clsm_edit", args=[clsm_a.pk]), {"name": "X"}).status_code == 403


def test_coordinator_and_staff_see_the_coordinators(login, alice, claire, clsm_a):
    for user in (alice, claire):
        html = login(user).get(reverse("territories:clsm_detail", args=[clsm_a.pk])).content.decode()
        assert alice.last_name in html


def test_staff_creates_a_clsm_with_communes_taken_from_its_qpvs(login, claire, alice):
    qpvs = list(QPV.objects.filter(code__in=["QN05971M", "QN05972M"]).values_list("pk", flat=True))
    response = login(claire).post(
        reverse("territories:clsm_create"),
        {
            "name": "CLSM de Roubaix",
            "status": "actif",
            "contact_email": "clsm@roubaix.fr",
            "qpvs": qpvs,
            "coordinators": [alice.pk],
        },
    )
    clsm = CLSM.objects.get(name="CLSM de Roubaix")
    assert response.status_code == 302 and response["Location"] == reverse("territories:clsm_detail", args=[clsm.pk])
    assert set(clsm.qpvs.values_list("code", flat=True)) == {"QN05971M", "QN05972M"}
    assert set(clsm.communes.values_list("code", flat=True)) == {"59220", "59346", "59350", "59360"}
    assert list(clsm.coordinators.all()) == [alice]


def test_clsm_form_reports_errors_in_french(login, claire, clsm_a):
    response = login(claire).post(reverse("territories:clsm_create"), {"name": clsm_a.name, "status": "actif"})
    assert response.status_code == 200
    assert "Un CLSM porte déjà ce nom." in response.content.decode()


def test_clsm_form_renders_only_the_chosen_qpvs(login, claire, clsm_a):
    html = login(claire).get(reverse("territories:clsm_edit", args=[clsm_a.pk])).content.decode()
    assert html.count("<option") < 20  # not the 1,584 QPV nor 37,000 communes
    assert "QN05971M" in html
    assert 'data-autocomplete-url="/territoires/qpv/recherche/"' in html


def test_staff_edits_a_clsm(login, claire, clsm_a):
    qpv = QPV.objects.get(code="QN05973M")
    response = login(claire).post(
        reverse("territories:clsm_edit", args=[clsm_a.pk]),
        {
            "name": "CLSM A de Lille",
            "status": "en_projet",
            "contact_email": "",
            "qpvs": [qpv.pk],
            "communes": ["59350"],
        },
    )
    assert response.status_code == 302
    clsm_a.refresh_from_db()
    assert clsm_a.status == "en_projet"
    assert list(clsm_a.qpvs.values_list("code", flat=True)) == ["QN05973M"]
    assert list(clsm_a.communes.values_list("code", flat=True)) == ["59350"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "Lille"}, {"CLSM A de Lille"}),
        ({"q": "QN01330M"}, {"CLSM B de Marseille"}),
        ({"region": "32"}, {"CLSM A de Lille"}),
        ({"region": "93"}, {"CLSM B de Marseille"}),
        ({"department": "13"}, {"CLSM B de Marseille"}),
        ({"status": "en_projet"}, {"CLSM C"}),
        ({}, {"CLSM A de Lille", "CLSM B de Marseille", "CLSM C"}),
    ],
)
def test_clsm_list_filters(login, claire, clsm_a, clsm_b, params, expected):
    from tests.factories import CLSMFactory

    CLSMFactory(name="CLSM C", status="en_projet")
    response = login(claire).get(reverse("territories:clsm_list"), params)
    names = {clsm.name for clsm, _ in response.context["rows"]}
    assert names == expected


def test_clsm_list_htmx_returns_the_results_fragment(login, claire, clsm_a):
    response = login(claire).get(reverse("territories:clsm_list"), {"q": "Lille"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "CLSM A de Lille" in html
    assert "<html" not in html


def test_clsm_list_query_count_does_not_grow_with_rows(login, claire, django_assert_max_num_queries):
    from tests.factories import CLSMFactory

    client = login(claire)
    for index in range(30):
        CLSMFactory(name=f"CLSM {index:02d}", qpv_codes=["QN05971M", "QN01330M"])
    # session + user, count, page rows, départements of the page, filter choices (régions, départements)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("territories:clsm_list"))
    assert len(response.context["rows"]) == 25
    assert "Nord (59)" in response.content.decode()
    with django_assert_max_num_queries(8):
        client.get(reverse("territories:clsm_list"), {"page": 2, "region": "32"})


def test_clsm_detail_query_count(login, claire, clsm_b, django_assert_max_num_queries):
    client = login(claire)
    # session, user, CLSM, its editability, coordinators, QPV (+ départements), their communes, communes
    with django_assert_max_num_queries(8):
        response = client.get(reverse("territories:clsm_detail", args=[clsm_b.pk]))
    assert "Centre Ville 1er et 2e Arrondissements" in response.content.decode()


# Autocomplete ----------------------------------------------------------------------------------------


def test_qpv_autocomplete_by_code_and_name(login, alice):
    client = login(alice)
    by_code = client.get(reverse("territories:qpv_search"), {"q": "QN0597"}).json()["results"]
    assert any(r["text"].startswith("QN05971M – Secteur Ouest") for r in by_code)
    by_name = client.get(reverse("territories:qpv_search"), {"q": "encagnane"}).json()["results"]
    assert [r["text"] for r in by_name] == ["QN01315M – Encagnane (Bouches-du-Rhône)"]
    assert client.get(reverse("territories:qpv_search"), {"q": "Q"}).json()["results"] == []


def test_commune_autocomplete(login, claire):
    results = login(claire).get(reverse("territories:commune_search"), {"q": "59350"}).json()["results"]
    assert results == [{"value": "59350", "text": "Lille (59350, Nord)"}]


def test_autocomplete_needs_login(client):
    assert client.get(reverse("territories:qpv_search"), {"q": "QN"}).status_code == 302
