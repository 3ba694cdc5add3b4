"""Uploaded import files are kept only while their preview waits (issue #12, finding 2): a refused file is never
stored, a confirmed one is emptied once applied, an abandoned one is deleted after PENDING_IMPORT_HOURS by
`purge_expired_pending_imports` (hourly `purge_pending_imports`, and at each upload)."""

import datetime
import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from imports.models import PendingImport, purge_expired_pending_imports
from territories.models import CLSM

pytestmark = pytest.mark.django_db

GOOD = "nom;qpv;statut\nCLSM de Bourg;QN00101M;actif\n"
BAD_ROWS = "nom;qpv;statut\nCLSM X;QN99999Z;peut-être\n"


def upload(client, content: str | bytes, name="clsm.csv", kind="clsm"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def pending(user, *, hours_ago=0.0, applied=False, content=b"nom\nA\n"):
    row = PendingImport.objects.create(user=user, kind="clsm", filename="clsm.csv", content=content)
    changes = {"created_at": timezone.now() - datetime.timedelta(hours=hours_ago)}
    if applied:
        changes.update(applied_at=timezone.now(), content=b"")
    PendingImport.objects.filter(pk=row.pk).update(**changes)
    return row


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (BAD_ROWS, "rien n'a été importé"),
        ("   ", "Le fichier est vide"),
        ("nom;statut\nCLSM é;actif\n".encode("latin-1"), "n'est pas encodé en UTF-8"),
    ],
)
def test_a_refused_file_is_never_stored(login, claire, content, shown):
    response = upload(login(claire), content)
    assert shown in unescape(response.content.decode())
    assert not PendingImport.objects.exists()


def test_a_file_that_passes_waits_for_its_confirmation_then_is_emptied(login, claire):
    client = login(claire)
    assert "Fichier valide" in upload(client, GOOD).content.decode()
    waiting = PendingImport.objects.get()
    assert bytes(waiting.content) == GOOD.encode()
    client.post(reverse("imports:confirm", args=[waiting.pk]))
    waiting.refresh_from_db()
    assert waiting.applied_at and bytes(waiting.content) == b""
    assert waiting.summary == "1 CLSM importé (1 créé, 0 mis à jour)"


def test_a_file_that_became_invalid_at_confirmation_is_deleted(login, claire):
    client = login(claire)
    upload(client, GOOD)
    waiting = PendingImport.objects.get()
    PendingImport.objects.filter(pk=waiting.pk).update(content=BAD_ROWS.encode())
    response = client.post(reverse("imports:confirm", args=[waiting.pk]), follow=True)
    assert "n'est plus valide" in unescape(response.content.decode())
    assert not PendingImport.objects.exists()


def test_an_expired_preview_cannot_be_confirmed_and_is_deleted(login, claire, settings):
    client = login(claire)
    upload(client, GOOD)
    waiting = PendingImport.objects.get()
    PendingImport.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    response = client.post(reverse("imports:confirm", args=[waiting.pk]), follow=True)
    assert "Cette vérification a expiré\xa0: déposez le fichier à nouveau." in unescape(response.content.decode())
    assert not PendingImport.objects.exists()
    assert not CLSM.objects.filter(name="CLSM de Bourg").exists()


def test_purge_deletes_only_abandoned_files_past_the_delay(claire, settings):
    fresh = pending(claire, hours_ago=23)
    abandoned = pending(claire, hours_ago=25)
    applied = pending(claire, hours_ago=100, applied=True)
    assert purge_expired_pending_imports() == 1
    assert set(PendingImport.objects.values_list("pk", flat=True)) == {fresh.pk, applied.pk}
    assert not PendingImport.objects.filter(pk=abandoned.pk).exists()
    settings.PENDING_IMPORT_HOURS = 1  # the delay is a setting
    assert purge_expired_pending_imports() == 1
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [applied.pk]


def test_purge_command(claire):
    pending(claire, hours_ago=30)
    pending(claire, hours_ago=31)
    pending(claire, hours_ago=1)
    out = io.StringIO()
    call_command("purge_pending_imports", stdout=out)
    assert out.getvalue() == "2 fichiers d'import non confirmés depuis plus de 24 h supprimés.\n"
    assert PendingImport.objects.count() == 1
    out = io.StringIO()
    call_command("purge_pending_imports", stdout=out)
    assert out.getvalue() == "0 fichier d'import non confirmé depuis plus de 24 h supprimé.\n"


def test_each_upload_also_purges_abandoned_files(login, claire, adam):
    old = pending(adam, hours_ago=48)
    upload(login(claire), BAD_ROWS)
    assert not PendingImport.objects.filter(pk=old.pk).exists()
