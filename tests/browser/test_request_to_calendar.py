"""The journey of issue « Sessions »: a coordinator files a request, the chargée de mission accepts and
schedules it, the coordinator sees the session in the calendar."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import AwarenessSession, SessionRequest

pytestmark = pytest.mark.browser


def test_request_accepted_then_seen_in_the_calendar(browser, live_server, page, log_in, alice, claire, clsm_a):
    start = timezone.localdate() + timedelta(days=40)
    end = start + timedelta(days=20)

    log_in(alice)
    page.get_by_role("link", name="Solliciter une séance").first.click()
    expect(page.locator("#id_clsm")).to_have_value(str(clsm_a.pk))  # her only CLSM comes chosen
    page.get_by_label(re.compile("QN05971M")).check()
    page.locator("input[name$='-0-start']").fill(start.isoformat())
    page.locator("input[name$='-0-end']").fill(end.isoformat())
    page.get_by_label("Public attendu").fill("Habitants et professionnels du centre social")
    page.get_by_label("Nombre de participants attendus").fill("18")
    page.get_by_role("button", name="Envoyer la sollicitation").click()
    expect(page.get_by_text("nouvelle").first).to_be_visible()
    request = SessionRequest.objects.get(clsm=clsm_a)
    assert list(request.qpvs.values_list("code", flat=True)) == ["QN05971M"]

    staff_context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url)
    staff = staff_context.new_page()
    staff.goto("/comptes/connexion/")
    staff.get_by_label("Identifiant").fill(claire.username)
    staff.get_by_label("Mot de passe").fill("motdepasse-de-test-42")
    staff.get_by_role("button", name="Se connecter").click()
    staff.goto("/sollicitations/")
    staff.get_by_role("link", name=re.compile(request.reference)).first.click()
    staff.get_by_role("link", name="Accepter").click()
    expect(staff.get_by_label("Date de la séance")).to_have_value(start.isoformat())
    staff.get_by_label("Lieu").fill("Centre social Les Moulins")
    staff.get_by_role("button", name="Accepter et créer la séance").click()
    expect(staff.get_by_role("heading", name=re.compile("Séance"))).to_be_visible()
    session = AwarenessSession.objects.get(request=request)
    assert (session.date, session.venue, session.clsm) == (start, "Centre social Les Moulins", clsm_a)
    staff.wait_for_load_state("networkidle")
    staff_context.close()

    page.goto(f"/seances/calendrier/?month={start:%Y-%m}")
    expect(page.get_by_role("link", name=re.compile("CLSM A de Lille")).first).to_be_visible()
