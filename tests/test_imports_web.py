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
        reverse("imports:upload"),
        {"kind": kind, "file": SimpleUploadedFile(name, content.encode("utf-8"))},
        follow=True,  # to the file's page, where the worker's check shows (immediate in tests)
    )


def test_preview_then_confirm(login, claire):
    client = login(claire)
    response = upload(client, GOOD)
    html = response.content.decode()
    assert "Fichier valide" in html
    assert "Simulation : 1 CLSM importé (1 créé, 0 mis à jour)" in html
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
    assert "2 erreurs : rien n'a été importé" in html
    assert "ligne 3, colonne qpv : QPV inconnu « QN99999Z »" in html
    assert "ligne 3, colonne statut : valeur inconnue « peut-être »" in html
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
    assert not PendingImport.objects.exists()
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


# In the worker ---------------------------------------------------------------------------------------------


@pytest.fixture
def worker_away(monkeypatch):
    """What the upload and the confirmation hand to the worker is kept here instead of run."""
    handed = []
    monkeypatch.setattr("imports.tasks.check_import", lambda pk: handed.append(("check", pk)))
    monkeypatch.setattr("imports.tasks.apply_import", lambda pk: handed.append(("apply", pk)))
    return handed


def test_the_worker_checks_then_applies_with_progress(login, claire, worker_away, monkeypatch):
    from imports import processing

    many = "nom;qpv;statut\n" + "".join(f"CLSM n° {i};QN00101M;actif\n" for i in range(4500))
    client = login(claire)
    page = upload(client, many)
    pending = PendingImport.objects.get()
    assert page.redirect_chain[-1][0] == reverse("imports:detail", args=[pending.pk])
    html = page.content.decode()
    assert "Vérification du fichier en cours" in html and 'hx-trigger="every 2s"' in html
    assert worker_away == [("check", pending.pk)]

    seen = []
    real = processing._progress_of

    def spying(pk):
        progress = real(pk)

        def spy(step, done, total):
            progress(step, done, total)
            seen.append((step, done, PendingImport.objects.get(pk=pk).progress))

        return spy

    monkeypatch.setattr(processing, "_progress_of", spying)
    processing.check(pending.pk)
    # Rows 0, 2,000 and 4,000 of 4,500 checked, then the writing (rolled back: a check writes nothing).
    assert seen == [("rows", 0, 10), ("rows", 2000, 36), ("rows", 4000, 63), ("writing", 4500, 80)]
    assert not CLSM.objects.filter(name__startswith="CLSM n°").exists()  # a check writes nothing

    fragment = client.get(reverse("imports:detail", args=[pending.pk]), headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "hx-trigger" not in html and "Simulation : 4500 CLSM importés (4500 créés, 0 mis à jour)" in html
    assert "Confirmer l&#x27;import" in html or "Confirmer l'import" in html

    client.post(reverse("imports:confirm", args=[pending.pk]))
    client.post(reverse("imports:confirm", args=[pending.pk]))  # a double click
    assert worker_away[1:] == [("apply", pending.pk)]  # applied once
    processing.apply(pending.pk)
    page = client.get(reverse("imports:detail", args=[pending.pk])).content.decode()
    assert "4500 CLSM importés (4500 créés, 0 mis à jour)" in page
    assert CLSM.objects.filter(name__startswith="CLSM n°").count() == 4500


def test_a_file_gone_stale_before_its_import_writes_nothing(login, claire, worker_away):
    from imports import processing

    client = login(claire)
    upload(client, GOOD)
    pending = PendingImport.objects.get()
    processing.check(pending.pk)
    client.post(reverse("imports:confirm", args=[pending.pk]))
    # Between the check and the import, the QPV the file names disappears.
    from territories.models import QPV

    QPV.objects.filter(code="QN00101M").delete()
    processing.apply(pending.pk)
    html = client.get(reverse("imports:detail", args=[pending.pk])).content.decode()
    assert "Le fichier n&#x27;est plus valide" in html or "Le fichier n'est plus valide" in html
    assert not CLSM.objects.filter(name="CLSM de Bourg").exists()


def test_a_failing_worker_is_retried_then_says_so(login, claire, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def broken(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr("imports.processing.read_table", broken)
    client = login(claire)
    upload(client, GOOD)
    pending = PendingImport.objects.get()
    [retry] = HUEY.scheduled()
    HUEY.storage.flush_schedule()
    HUEY.execute(retry, timestamp=retry.eta)
    html = client.get(reverse("imports:detail", args=[pending.pk])).content.decode()
    assert "Le traitement du fichier a échoué" in html and "RuntimeError: disque plein" in html
