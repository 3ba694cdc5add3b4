import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import PendingImport
from territories.models import CLSM

pytestmark = pytest.mark.django_db

GOOD = "nom;qpv;statut;email_contact\nCLSM de Bourg;QN00101M;actif;clsm@bourg.fr\n"
BAD = "nom;qpv;statut\nCLSM de Bourg;QN00101M;actif\nCLSM X;QN99999Z;peut-être\n"


def upload(client, content, name="clsm.csv", kind="clsm"):
    return client.post(
        reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, content.encode("utf-8"))}
    )


def test_preview_then_confirm(login, claire):
    client = login(claire)
    response = upload(client, GOOD)
    html = response.content.decode()
    assert "Fichier valide" in html
    assert "Simulation\xa0: 1 CLSM importé (1 créé, 0 mis à jour)" in html
    assert not CLSM.objects.filter(name="CLSM de Bourg").exists()  # nothing written before confirmation
    pending = PendingImport.objects.get()
    response = client.post(reverse("imports:confirm", args=[pending.pk]), follow=True)
    assert "1 CLSM importé (1 créé, 0 mis à jour)" in response.content.decode()
    assert CLSM.objects.get(name="CLSM de Bourg").qpvs.get().code == "QN00101M"
    pending.refresh_from_db()
    assert pending.applied_at and pending.content in (b"", memoryview(b""))
    # A confirmed import cannot be replayed.
    assert client.post(reverse("imports:confirm", args=[pending.pk])).status_code == 404


def test_preview_lists_every_error_and_writes_nothing(login, claire):
    html = upload(login(claire), BAD).content.decode()
    assert "2 erreurs\xa0: rien n'a été importé" in html
    assert "ligne 3, colonne qpv\xa0: QPV inconnu «\xa0QN99999Z\xa0»" in html
    assert "ligne 3, colonne statut\xa0: valeur inconnue «\xa0peut-être\xa0»" in html
    assert not CLSM.objects.exists()


def test_file_errors_and_wrong_extension(login, claire):
    client = login(claire)
    assert "Le fichier est vide" in upload(client, "   ").content.decode()
    html = upload(client, GOOD, name="clsm.pdf").content.decode()
    assert "Seuls les fichiers .csv et .xlsx sont acceptés." in html


def test_someone_elses_pending_import_is_404(login, claire, adam):
    upload(login(adam), GOOD)
    pending = PendingImport.objects.get()
    assert login(claire).post(reverse("imports:confirm", args=[pending.pk])).status_code == 404


def test_template_download(login, claire):
    response = login(claire).get(reverse("imports:template", args=["clsm"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines()[0] == "nom;communes;qpv;statut;email_contact"
    assert login(claire).get(reverse("imports:template", args=["inconnu"])).status_code == 404


@pytest.mark.parametrize("user_fixture", ["alice", "fanny"])
def test_imports_are_for_the_national_centre(request, login, user_fixture):
    client = login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("imports:upload")).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.get(reverse("imports:template", args=["clsm"])).status_code == 403


def test_every_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    apps_of_ours = {"accounts", "territories", "imports", "sessions_app", "evaluation", "kit"}
    # Change-history tables (django-simple-history) are read through their model's history page.
    ours = [
        m for m in apps.get_models() if m._meta.app_label in apps_of_ours and not m.__name__.startswith("Historical")
    ]
    assert ours
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []


def test_preview_shows_the_format_columns_and_names_the_ignored_ones(login, claire):
    content = "nom;remarque interne;statut\nCLSM de Bourg;à rappeler;actif\n"
    html = upload(login(claire), content).content.decode()
    assert "Fichier valide" in html
    assert "Colonnes ignorées (absentes du format)\xa0: <code>remarque interne</code>" in html
    assert "à rappeler" not in html  # an ignored column is not kept, nor shown
