"""Large imports checked and applied by the worker (issue #13): past IMPORT_BACKGROUND_ROWS data lines, the request
keeps only the bounded structural checks (size, archive, dimensions, headers) and stores the file; the worker
checks its rows, then applies it once confirmed, writing its progress for the page that polls. Still all or
nothing, re-runnable, and errors name their line in French. Tasks run immediately here; tests/test_tasks_worker.py
runs a large import through a real worker process."""

import datetime
import random
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from imports import background, tasks
from imports.base import Importer
from imports.models import PendingImport, purge_expired_pending_imports
from imports.tables import read_table
from territories.importers import CLSMImporter
from territories.models import CLSM
from tests.test_import_reruns import generate, write_csv

pytestmark = pytest.mark.django_db

ROWS = 5
GOOD = "nom;qpv;statut\n" + "".join(f"CLSM n° {n};QN00101M;actif\n" for n in range(ROWS))
BAD = GOOD + "CLSM X;QN99999Z;peut-être\n"


def plain(html: str) -> str:
    """The page's text with the typography filter's no-break spaces as plain ones, entities unescaped."""
    return unescape(html).replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = 3  # these files are « large »


def upload(client, content, name="clsm.csv", kind="clsm"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def page(client, pending) -> str:
    return plain(client.get(reverse("imports:detail", args=[pending.pk])).content.decode())


def test_a_large_file_is_checked_then_applied_by_the_worker(login, claire):
    client = login(claire)
    response = upload(client, GOOD)
    pending = PendingImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:detail", args=[pending.pk])
    assert pending.background and pending.rows_total == ROWS
    # The worker checked the rows (a dry run): preview and confirmation, nothing written yet.
    assert pending.state == PendingImport.State.READY and pending.rows_done == ROWS
    html = page(client, pending)
    assert "Fichier valide" in html and "Simulation : 5 CLSM importés (5 créés, 0 mis à jour)" in html
    assert "CLSM n° 4" in html and "hx-trigger" not in html  # the preview; no more polling
    assert not CLSM.objects.exists()
    response = client.post(reverse("imports:confirm", args=[pending.pk]))
    assert response["Location"] == reverse("imports:detail", args=[pending.pk])
    pending.refresh_from_db()
    assert pending.state == PendingImport.State.APPLIED and pending.applied_at
    assert bytes(pending.content) == b"" and "preview" not in pending.report  # no row data kept once applied
    assert "5 CLSM importés (5 créés, 0 mis à jour)" in page(client, pending)
    assert CLSM.objects.count() == ROWS
    # A confirmed import cannot be replayed; the same file again changes nothing.
    assert client.post(reverse("imports:confirm", args=[pending.pk])).status_code == 404
    upload(client, GOOD)
    again = PendingImport.objects.exclude(pk=pending.pk).get()
    client.post(reverse("imports:confirm", args=[again.pk]))
    again.refresh_from_db()
    assert again.summary == "5 CLSM importés (0 créé, 0 mis à jour)"


def test_bad_rows_found_by_the_worker_are_named_and_the_file_erased(login, claire):
    client = login(claire)
    upload(client, BAD)
    pending = PendingImport.objects.get()
    assert pending.state == PendingImport.State.REFUSED and bytes(pending.content) == b""
    html = page(client, pending)
    assert "2 erreurs : rien n'a été importé" in html
    assert "ligne 7, colonne qpv : QPV inconnu « QN99999Z »" in html
    assert "ligne 7, colonne statut : valeur inconnue « peut-être »" in html
    assert client.post(reverse("imports:confirm", args=[pending.pk])).status_code == 404
    assert not CLSM.objects.exists()


def test_structural_checks_stay_in_the_request_and_nothing_is_stored(login, claire):
    client = login(claire)
    html = plain(upload(client, "statut;qpv\n" + "actif;\n" * 10).content.decode())
    assert "ligne 1, colonne nom : colonne obligatoire absente de la ligne d'en-têtes" in html
    html = plain(upload(client, "nom;statut\nCLSM é;actif\n".encode("latin-1") * 10).content.decode())
    assert "n'est pas encodé en UTF-8" in html
    assert not PendingImport.objects.exists()


def test_small_files_stay_immediate(login, claire, settings):
    settings.IMPORT_BACKGROUND_ROWS = ROWS
    response = upload(login(claire), GOOD)
    assert response.status_code == 200 and "Fichier valide" in plain(response.content.decode())
    assert not PendingImport.objects.get().background


def test_the_page_polls_with_the_progress_while_the_worker_works(login, claire):
    pending = PendingImport.objects.create(
        user=claire,
        kind="clsm",
        filename="clsm.csv",
        content=b"x",
        state=PendingImport.State.CHECKING,
        background=True,
        rows_total=45000,
        rows_done=12000,
    )
    client = login(claire)
    html = page(client, pending)
    assert "Vérification en cours : 12 000 / 45 000 lignes" in html
    assert 'data-hx-trigger="every 2s"' in html and "<html" in html
    partial = client.get(reverse("imports:detail", args=[pending.pk]), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "12 000 / 45 000" in plain(partial.content.decode())
    PendingImport.objects.filter(pk=pending.pk).update(state=PendingImport.State.APPLYING, rows_done=45000)
    assert "Import en cours : enregistrement…" in page(client, pending)


def test_someone_elses_import_is_404(login, claire, adam):
    upload(login(adam), GOOD)
    pending = PendingImport.objects.get()
    assert login(claire).get(reverse("imports:detail", args=[pending.pk])).status_code == 404


def test_progress_is_reported_every_thousand_rows_and_before_writing(claire, monkeypatch):
    monkeypatch.setattr("imports.base.PROGRESS_EVERY", 2)
    seen = []
    table = read_table(GOOD.encode(), filename="clsm.csv")
    CLSMImporter(user=claire).run(table, dry_run=True, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_a_double_confirmation_applies_once(login, claire, monkeypatch, django_capture_on_commit_callbacks):
    client = login(claire)
    upload(client, GOOD)
    pending = PendingImport.objects.get()
    applied = []
    monkeypatch.setattr(tasks, "apply_import", lambda pk: applied.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert background.start_apply(pending) and not background.start_apply(pending)
    assert client.post(reverse("imports:confirm", args=[pending.pk])).status_code == 404  # already in hand
    assert applied == [pending.pk]
    background.apply(pending.pk)
    background.apply(pending.pk)  # a retry after the success does nothing
    pending.refresh_from_db()
    assert pending.state == PendingImport.State.APPLIED and CLSM.objects.count() == ROWS


def test_data_changed_since_the_check_refuses_the_file(login, claire, monkeypatch):
    client = login(claire)
    upload(client, GOOD)
    pending = PendingImport.objects.get()
    PendingImport.objects.filter(pk=pending.pk).update(content=BAD.encode())
    client.post(reverse("imports:confirm", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.state == PendingImport.State.REFUSED and bytes(pending.content) == b""
    html = page(client, pending)
    assert "n'est plus valide" in html and "ligne 7, colonne qpv" in html
    assert not CLSM.objects.exists()


def test_an_unexpected_error_is_retried_then_refuses_the_file(login, claire, monkeypatch):
    def broken(self, parsed, result):
        raise RuntimeError("panne")

    client = login(claire)
    upload(client, GOOD)
    pending = PendingImport.objects.get()
    monkeypatch.setattr(CLSMImporter, "apply", broken)
    PendingImport.objects.filter(pk=pending.pk).update(state=PendingImport.State.APPLYING)
    with pytest.raises(RuntimeError):
        tasks.apply_import.call_local(pending.pk)  # no task context: its last try
    pending.refresh_from_db()
    assert pending.state == PendingImport.State.REFUSED and bytes(pending.content) == b""
    assert "Erreur inattendue" in page(client, pending) and not CLSM.objects.exists()


def test_purge_keeps_an_import_being_written_and_drops_old_reports(claire):
    old = timezone.now() - datetime.timedelta(hours=30)
    states = [PendingImport.State.APPLYING, PendingImport.State.REFUSED, PendingImport.State.CHECKING]
    for state in states:
        row = PendingImport.objects.create(user=claire, kind="clsm", filename="f.csv", content=b"x", state=state)
        PendingImport.objects.filter(pk=row.pk).update(created_at=old)
    assert purge_expired_pending_imports() == 2
    assert PendingImport.objects.get().state == PendingImport.State.APPLYING


def test_every_kind_goes_through_the_worker_and_reruns_change_nothing(login, claire, tmp_path, settings):
    settings.IMPORT_BACKGROUND_ROWS = 100
    client = login(claire)
    files = generate(random.Random(13), timezone.localdate())
    assert set(files) == {"clsm", "sollicitations", "sessions", "participants", "questionnaires"}
    for kind in ["clsm", "sollicitations", "sessions", "participants", "questionnaires"]:
        header, rows = files[kind]
        path = tmp_path / f"{kind}.csv"
        write_csv(path, header, rows)
        summaries = []
        for _run in range(2):
            upload(client, path.read_bytes(), name=path.name, kind=kind)
            pending = PendingImport.objects.filter(kind=kind).first()  # the newest
            assert pending.background and pending.state == PendingImport.State.READY, (kind, pending.report)
            client.post(reverse("imports:confirm", args=[pending.pk]))
            pending.refresh_from_db()
            assert pending.state == PendingImport.State.APPLIED, (kind, pending.report)
            summaries.append(pending.summary)
        assert "(0 créé," not in summaries[0], (kind, summaries)
        assert summaries[1].endswith("(0 créé, 0 mis à jour)"), (kind, summaries)


def test_importer_run_without_progress_is_unchanged(claire):
    assert Importer.run.__kwdefaults__ == {"dry_run": False, "progress": None}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_inspecting_counts_the_data_lines_without_reading_the_rows(tmp_path, fmt):
    from imports.tables import inspect_table
    from tests.test_import_reruns import write_xlsx

    header = ["nom", "qpv", "statut", "autre"]
    rows = [[f"CLSM {n}", "QN00101M", "actif", "x"] for n in range(250)]
    rows[10] = ["", "", "", ""]  # a blank line is no data line
    path = tmp_path / f"clsm.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(path, header, rows)
    table, count = inspect_table(path.read_bytes(), filename=path.name, columns=CLSMImporter().read_columns())
    assert count == 249 == len(read_table(path.read_bytes(), filename=path.name).rows)
    assert (table.headers, table.ignored, table.rows) == (["nom", "qpv", "statut"], ["autre"], [])


def test_the_request_does_not_read_the_rows_of_a_large_file(login, claire, monkeypatch):
    def refuse_to_read(*args, **kwargs):
        raise AssertionError("rows read in the request")

    monkeypatch.setattr("imports.views.read_table", refuse_to_read)
    monkeypatch.setattr(tasks, "check_import", lambda pk: None)  # the worker has not started yet
    response = upload(login(claire), GOOD)
    assert response.status_code == 302
    assert PendingImport.objects.get().state == PendingImport.State.CHECKING
