"""Onboarding at national scale: invitations (7 days, one use, resend, revoke), the coordinators page (deactivate
someone who left), and the public « Organiser une séance dans mon quartier » form with its spam guards."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from territories import onboarding
from territories.models import CLSM, ContactRequest, Invitation
from tests.factories import AwarenessSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-mot-de-passe-solide-2026"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Posts and returns (response, e-mails sent on commit)."""

    def post(client, url, data=None, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data or {}, **kwargs)
        return response, list(mail.outbox)

    return post


def link_in(message) -> str:
    return re.search(r"http://testserver(/territoires/invitation/[^/\s]+/)", message.body).group(1)


def invite_dora(send, client, clsms):
    data = {"first_name": "Dora", "last_name": "Leroy", "email": "Dora.Leroy@clsm.fr", "clsms": [c.pk for c in clsms]}
    return send(client, reverse("territories:invitation_create"), data)


def test_invitation_to_account(send, login, client, claire, clsm_a, clsm_b):
    response, sent = invite_dora(send, login(claire), [clsm_a, clsm_b])
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "dora.leroy@clsm.fr" and invitation.invited_by == claire
    (message,) = sent
    assert message.to == ["dora.leroy@clsm.fr"]
    assert message.subject == "Invitation\xa0: votre compte «\xa0La santé mentale dans mon quartier\xa0»"
    assert "CLSM A de Lille, CLSM B de Marseille" in message.body
    assert "Ce lien ne sert qu'une fois" in message.body and "Invitation envoyée par Claire Martin." in message.body
    url = link_in(message)

    client.logout()
    page = client.get(url)
    assert page.status_code == 200 and "dora.leroy@clsm.fr" in page.content.decode()
    assert not User.objects.filter(email="dora.leroy@clsm.fr").exists()  # GET writes nothing

    weak = client.post(url, {"new_password1": "court", "new_password2": "court"})
    assert weak.status_code == 200 and not User.objects.filter(email="dora.leroy@clsm.fr").exists()
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    dora = User.objects.get(email="dora.leroy@clsm.fr")
    assert (dora.username, dora.role, dora.is_active, dora.first_name) == (
        "dora.leroy@clsm.fr",
        Role.COORDINATOR,
        True,
        "Dora",
    )
    assert set(dora.clsms.all()) == {clsm_a, clsm_b}
    assert dora.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200  # logged in

    # One use only.
    client.logout()
    again = client.get(url)
    assert again.status_code == 410 and "déjà servi" in again.content.decode()
    assert client.post(url, {"new_password1": "x" * 20, "new_password2": "x" * 20}).status_code == 410


def test_an_invitation_expires_after_7_days(send, login, client, claire, clsm_a):
    _response, (message,) = invite_dora(send, login(claire), [clsm_a])
    url = link_in(message)
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=7, minutes=1))
    client.logout()
    response = client.get(url)
    assert response.status_code == 410 and "expiré" in response.content.decode()


def test_resend_replaces_the_link_and_revoke_closes_it(send, login, client, claire, clsm_a):
    staff = login(claire)
    _response, (first,) = invite_dora(send, staff, [clsm_a])
    invitation = Invitation.objects.get()
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=8))  # expired: it can be sent again
    _response, (second,) = send(staff, reverse("territories:invitation_resend", args=[invitation.pk]))
    old_url, new_url = link_in(first), link_in(second)
    assert old_url != new_url
    staff.logout()
    assert client.get(old_url).status_code == 410
    assert client.get(new_url).status_code == 200
    staff = login(claire)
    staff.post(reverse("territories:invitation_revoke", args=[invitation.pk]))
    staff.logout()
    assert "annulée" in client.get(new_url).content.decode()
    assert client.get("/territoires/invitation/forge/").status_code == 410


def test_an_address_with_an_account_or_a_pending_invitation_is_refused(send, login, claire, alice, clsm_a):
    staff = login(claire)
    data = {"first_name": "A", "last_name": "D", "email": alice.email.upper(), "clsms": [clsm_a.pk]}
    response, sent = send(staff, reverse("territories:invitation_create"), data)
    assert "Un compte existe déjà pour cette adresse (Alice Durand)" in response.context["form"].errors["email"][0]
    invite_dora(send, staff, [clsm_a])
    response, sent = invite_dora(send, staff, [clsm_a])
    assert "déjà en attente" in response.context["form"].errors["email"][0] and sent == []


def test_coordinators_page_and_deactivation(login, client, claire, alice, bob, clsm_a, session_a, password):
    alice.last_login = timezone.now()
    alice.save()
    onboarding.invite(
        email="eve@clsm.fr", first_name="Eve", last_name="Noir", clsms=[clsm_a], invited_by=claire, base_url="/"
    )
    staff = login(claire)
    page = staff.get(reverse("territories:coordinator_list")).content.decode()
    assert "Alice Durand" in page and "CLSM A de Lille" in page and "eve@clsm.fr" in page and "jamais" in page
    staff.post(reverse("territories:coordinator_activation", args=[alice.pk]), {"action": "deactivate"})
    alice.refresh_from_db()
    assert alice.is_active is False
    assert session_a.clsm.coordinators.filter(pk=alice.pk).exists()  # the history stays
    listed = staff.get(reverse("territories:coordinator_list")).context["page"].object_list
    assert alice not in listed and bob in listed
    deactivated = staff.get(reverse("territories:coordinator_list") + "?comptes=desactives").context["page"]
    assert list(deactivated.object_list) == [alice]
    staff.logout()
    response = client.post(reverse("login"), {"username": "alice", "password": password})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    login(claire).post(reverse("territories:coordinator_activation", args=[alice.pk]), {"action": "reactivate"})
    alice.refresh_from_db()
    assert alice.is_active
    # Only coordinators: the national centre's accounts are the administrator's business.
    assert login(claire).post(reverse("territories:coordinator_activation", args=[claire.pk])).status_code == 404


def test_coordinators_page_query_count(login, claire, clsm_a, django_assert_max_num_queries):
    for index in range(20):
        UserFactory(username=f"coord{index}").clsms.add(clsm_a)
        onboarding.invite(
            email=f"i{index}@x.fr", first_name="I", last_name="X", clsms=[clsm_a], invited_by=claire, base_url="/"
        )
    staff = login(claire)
    with django_assert_max_num_queries(9):
        assert staff.get(reverse("territories:coordinator_list")).status_code == 200


# The public contact form ------------------------------------------------------------------------------------


def contact_data(**overrides):
    data = {
        "clsm_name": "CLSM de Tourcoing",
        "communes": "Tourcoing",
        "first_name": "Inès",
        "last_name": "Benali",
        "email": "ines.benali@tourcoing.fr",
        "phone": "",
        "message": "Nous aimerions une séance au quartier de la Bourgogne.",
        "website": "",
        "stamp": onboarding.form_stamp(timezone.now().timestamp() - 60),
    }
    data.update(overrides)
    return data


def test_a_contact_request_lands_in_the_inbox(client):
    page = client.get(reverse("territories:contact_request_create"))
    assert page.status_code == 200 and 'name="website"' in page.content.decode()
    assert ContactRequest.objects.count() == 0  # GET writes nothing
    response = client.post(reverse("territories:contact_request_create"), contact_data(), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response["Location"] == reverse("territories:contact_thanks")
    contact = ContactRequest.objects.get()
    assert (contact.clsm_name, contact.status) == ("CLSM de Tourcoing", ContactRequest.Status.NEW)
    assert "10.1.2.3" not in contact.client_key and len(contact.client_key) == 64
    assert mail.outbox == []  # no e-mail to an address typed by anyone: the form would be a spam relay


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"website": "http://spam.example"}, "n'a pas pu être envoyée"),
        ({"stamp": "falsifié"}, "n'est pas valable"),
        ({"stamp": onboarding.form_stamp(0)}, "a expiré"),
    ],
)
def test_spam_guards(client, overrides, expected):
    response = client.post(reverse("territories:contact_request_create"), contact_data(**overrides))
    assert response.status_code == 200
    assert expected in " ".join(response.context["form"].non_field_errors())
    assert not ContactRequest.objects.exists()


def test_a_form_sent_too_fast_is_refused(client):
    response = client.post(reverse("territories:contact_request_create"), contact_data(stamp=onboarding.form_stamp()))
    assert "trop vite" in " ".join(response.context["form"].non_field_errors())
    assert not ContactRequest.objects.exists()


def test_behind_the_proxy_the_limit_counts_each_visitor_not_the_proxy(client, settings):
    """Behind the README's reverse proxy every request comes from the proxy's address: counted by it, three
    visitors closed the public form to everyone for a day."""
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    url = reverse("territories:contact_request_create")
    for index in range(onboarding.CONTACT_LIMIT_PER_DAY + 2):
        data = contact_data(email=f"p{index}@x.fr")
        response = client.post(url, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")
        assert response.status_code == 302, index


def test_rate_limit_per_address_kept_in_the_database(client):
    url = reverse("territories:contact_request_create")
    for index in range(onboarding.CONTACT_LIMIT_PER_DAY):
        response = client.post(url, contact_data(email=f"p{index}@x.fr"), REMOTE_ADDR="10.9.9.9")
        assert response.status_code == 302
    refused = client.post(url, contact_data(email="autre@x.fr"), REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    assert client.post(url, contact_data(email="autre@x.fr"), REMOTE_ADDR="10.9.9.10").status_code == 302
    # The same e-mail address from elsewhere counts too.
    for index in range(onboarding.CONTACT_LIMIT_PER_DAY - 1):
        client.post(url, contact_data(email="autre@x.fr"), REMOTE_ADDR=f"10.8.0.{index}")
    assert client.post(url, contact_data(email="AUTRE@x.fr"), REMOTE_ADDR="10.7.0.1").status_code == 429
    # A day later the address may write again.
    ContactRequest.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert client.post(url, contact_data(email="autre@x.fr"), REMOTE_ADDR="10.9.9.9").status_code == 302


def test_accepting_a_contact_request_creates_the_clsm_and_invites(send, login, client, claire):
    contact = ContactRequest.objects.create(
        client_key="k", **{k: v for k, v in contact_data().items() if k not in ("website", "stamp")}
    )
    staff = login(claire)
    inbox = staff.get(reverse("territories:contact_request_list")).content.decode()
    assert "Demandes de contact (1 à traiter)" in inbox and "CLSM de Tourcoing" in inbox
    url = reverse("territories:contact_request_detail", args=[contact.pk])
    response, sent = send(staff, url, {"name": "CLSM de Tourcoing", "communes": ["59599"]})
    clsm = CLSM.objects.get(name="CLSM de Tourcoing")
    assert response["Location"] == reverse("territories:clsm_detail", args=[clsm.pk])
    assert clsm.status == CLSM.Status.PLANNED and [c.code for c in clsm.communes.all()] == ["59599"]
    contact.refresh_from_db()
    assert (contact.status, contact.clsm, contact.handled_by) == (ContactRequest.Status.ACCEPTED, clsm, claire)
    (message,) = sent
    assert message.to == ["ines.benali@tourcoing.fr"] and "CLSM de Tourcoing" in message.body
    assert set(Invitation.objects.get().clsms.all()) == {clsm}
    # Twice: nothing more.
    response, sent = send(staff, url, {"name": "CLSM de Tourcoing 2"}, follow=True)
    assert sent == [] and CLSM.objects.filter(name__startswith="CLSM de Tourcoing").count() == 1


def test_a_contact_request_for_a_known_name_is_refused_and_one_can_be_filed(login, claire, clsm_a):
    contact = ContactRequest.objects.create(
        client_key="k", **{k: v for k, v in contact_data().items() if k not in ("website", "stamp")}
    )
    staff = login(claire)
    response = staff.post(reverse("territories:contact_request_detail", args=[contact.pk]), {"name": "clsm a de lille"})
    assert response.context["form"].errors["name"] == ["Un CLSM porte déjà ce nom."]
    staff.post(reverse("territories:contact_request_file", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.FILED
    assert (
        "Demandes de contact (0 à traiter)" in staff.get(reverse("territories:contact_request_list")).content.decode()
    )


def test_pages_for_roles(login, alice, fanny, client):
    for user in (alice, fanny):
        assert login(user).get(reverse("territories:coordinator_list")).status_code == 403
        assert login(user).get(reverse("territories:contact_request_list")).status_code == 403
    client.logout()
    assert client.get(reverse("territories:contact_request_create")).status_code == 200
    assert "Organiser une séance dans mon quartier" in client.get(reverse("login")).content.decode()


def test_a_deactivated_coordinator_gets_no_session_email(alice, claire, clsm_a, django_capture_on_commit_callbacks):
    from sessions_app.notifications import SessionEvent, notify_session

    session = AwarenessSessionFactory(clsm=clsm_a, animators=[claire])
    alice.is_active = False
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify_session(session, SessionEvent.CONFIRMED, base_url="/")
    assert [m.to for m in mail.outbox] == [[claire.email]]
