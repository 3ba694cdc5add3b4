"""Bilan documents of large scopes: made by the worker (immediate in tests), kept per scope and data version,
served at once while the data is unchanged; a page waits with the progress instead of a long request."""

import pytest
from django.urls import reverse

from evaluation import documents
from evaluation.models import BilanDocument, Response
from evaluation.responses import delete_response
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("programme")]

SEASON = {"period": "saison", "season": "2022-2023"}


@pytest.fixture
def renders(monkeypatch):
    """A PDF takes seconds: a stub that says for whom it was made (test_bilan_pdf.py renders real ones)."""
    made = []

    def bilan_pdf(scope, *, funder=False, **kwargs):
        made.append((scope.label, funder))
        return f"%PDF-1.7 {scope.label} hide_small={funder}".encode()

    monkeypatch.setattr("evaluation.report.bilan_pdf", bilan_pdf)
    return made


def ask(client, kind="pdf", **params):
    return client.post(
        reverse("evaluation:document_prepare"), {"kind": kind, **SEASON, **params}, headers={"HX-Request": "true"}
    )


def test_a_report_pdf_waits_on_a_page_then_is_kept_for_the_same_data(login, claire, renders):
    client = login(claire)
    page = client.get(reverse("evaluation:bilan_pdf"), SEASON)
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert f'data-hx-post="{reverse("evaluation:document_prepare")}"' in html and 'data-hx-trigger="load"' in html
    assert not BilanDocument.objects.exists()  # a GET asks for nothing

    fragment = ask(client)  # what the page's htmx sends at once; the worker starts when it is committed
    assert 'data-hx-trigger="every 2s"' in fragment.content.decode()
    document = BilanDocument.objects.get()
    assert (document.kind, document.label, document.state) == ("pdf", "Saison 2022-2023", "prete")
    assert renders == [("Saison 2022-2023", False)]
    # The status htmx polls sends the browser to the file once it is ready.
    status = client.get(reverse("evaluation:document_detail", args=[document.pk]), headers={"HX-Request": "true"})
    assert status["HX-Redirect"] == reverse("evaluation:document_download", args=[document.pk])
    download = client.get(status["HX-Redirect"])
    assert download.content == b"%PDF-1.7 Saison 2022-2023 hide_small=False"
    assert download["Content-Disposition"] == 'inline; filename="bilan-saison-2022-2023.pdf"'

    # Asked again with the same data: served at once, nothing rendered again.
    again = client.get(reverse("evaluation:bilan_pdf"), SEASON)
    assert again["Content-Type"] == "application/pdf" and again.content == download.content
    assert len(renders) == 1

    # A sheet of the next season deleted (through its write path, which bumps that season's data version): this
    # season's report does not read it, and is still served as it was.
    delete_response(Response.objects.get(session__season="2023-2024"), user=claire)
    assert client.get(reverse("evaluation:bilan_pdf"), SEASON)["Content-Type"] == "application/pdf"
    assert len(renders) == 1

    # New data of this season: a new version to make.
    delete_response(Response.objects.filter(session__season="2022-2023").first(), user=claire)
    assert client.get(reverse("evaluation:bilan_pdf"), SEASON)["Content-Type"].startswith("text/html")


def test_while_it_is_made_the_page_polls_its_progress(login, claire, renders, monkeypatch):
    monkeypatch.setattr("evaluation.tasks.render_document", lambda *args: None)  # the worker is away
    client = login(claire)
    ask(client)
    ask(client)  # a double click: the same document
    document = BilanDocument.objects.get()
    assert document.state == "en_preparation"
    page = client.get(reverse("evaluation:bilan_pdf"), SEASON).content.decode()
    assert 'data-hx-trigger="every 2s"' in page and 'aria-valuenow="0"' in page
    status = client.get(reverse("evaluation:document_detail", args=[document.pk]), headers={"HX-Request": "true"})
    assert "HX-Redirect" not in status and 'data-hx-trigger="every 2s"' in status.content.decode()
    assert client.get(reverse("evaluation:document_download", args=[document.pk]))["Location"] == reverse(
        "evaluation:document_detail", args=[document.pk]
    )


def test_a_document_whose_worker_died_is_asked_again(login, claire, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    handed = []
    monkeypatch.setattr("evaluation.tasks.render_document", lambda *args: handed.append(args))
    client = login(claire)
    ask(client)
    ask(client)
    assert len(handed) == 1
    BilanDocument.objects.update(created_at=timezone.now() - timedelta(minutes=16))  # the worker was killed
    ask(client)
    assert len(handed) == 2 and BilanDocument.objects.count() == 1


def test_each_audience_gets_its_own_file(login, claire, fanny, alice, renders):
    ask(login(claire))
    staff_document = BilanDocument.objects.get()
    funder = login(fanny)
    assert funder.get(reverse("evaluation:document_download", args=[staff_document.pk])).status_code == 404
    ask(funder)
    funder_document = BilanDocument.objects.get(hide_small=True)
    assert funder.get(reverse("evaluation:document_download", args=[funder_document.pk])).content.endswith(
        b"hide_small=True"
    )
    assert renders == [("Saison 2022-2023", False), ("Saison 2022-2023", True)]
    # A coordinator sees neither (their own CLSM's bilan is theirs alone).
    coordinator = login(alice)
    for document in (staff_document, funder_document):
        assert coordinator.get(reverse("evaluation:document_detail", args=[document.pk])).status_code == 404


def test_the_responses_of_a_large_scope_are_for_staff_and_funders(login, alice, claire, monkeypatch):
    monkeypatch.setitem(documents.IMMEDIATE_MAX_SESSIONS, BilanDocument.Kind.RESPONSES, 0)
    assert ask(login(alice), kind="responses").status_code == 403
    page = login(claire).get(reverse("evaluation:responses_export"), SEASON)
    assert page["Content-Type"].startswith("text/html")
    ask(login(claire), kind="responses")
    document = BilanDocument.objects.get()
    assert (document.kind, document.free_text, document.filename) == (
        "responses",
        True,
        "reponses-saison-2022-2023.xlsx",
    )
    assert bytes(document.content).startswith(b"PK")  # an XLSX (zip) file


def test_small_spreadsheets_are_made_in_the_request(login, claire):
    response = login(claire).get(reverse("evaluation:bilan_xlsx"), SEASON)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert not BilanDocument.objects.exists()


def test_a_failed_document_is_tried_again_when_asked_again(login, claire, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint a échoué")

    monkeypatch.setattr("evaluation.report.bilan_pdf", broken)
    client = login(claire)
    ask(client)
    for _ in range(2):  # the retries
        [retry] = HUEY.scheduled()
        HUEY.storage.flush_schedule()
        HUEY.execute(retry, timestamp=retry.eta)
    document = BilanDocument.objects.get()
    assert document.state == "echouee" and "WeasyPrint a échoué" in document.error
    monkeypatch.setattr("evaluation.report.bilan_pdf", lambda scope, **kwargs: b"%PDF-1.7 ok")
    ask(client)
    document.refresh_from_db()
    assert document.state == "prete" and bytes(document.content) == b"%PDF-1.7 ok"
