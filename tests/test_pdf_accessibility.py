"""Every PDF is tagged (PDF/UA-1): structure tree, language, title, tables with their headers, charts read label by
label with their values; an official edition is an archive (PDF/A-3b) carrying its JSON and XLSX."""

import io
import json
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from evaluation import online
from evaluation.bilan import Scope
from evaluation.models import BilanEdition
from evaluation.report import bilan_pdf
from evaluation.suppression import suppress_for_funder
from smdq.pdf import ARCHIVE, EmbeddedFile, render_pdf
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SEASON = {"period": "saison", "season": "2022-2023"}


class Node:
    """A structure element of a tagged PDF: its type (« Figure », « TH »…), attributes and children."""

    def __init__(self, element: DictionaryObject):
        self.element = element
        self.tag = str(element["/S"])[1:]
        kids = element.get("/K", [])
        kids = kids if isinstance(kids, ArrayObject) else [kids]
        self.children = [
            Node(kid.get_object())
            for kid in kids
            if isinstance(kid.get_object(), DictionaryObject) and "/S" in kid.get_object()
        ]

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, tag: str) -> list["Node"]:
        return [node for node in self.walk() if node.tag == tag]


def structure(content: bytes) -> tuple[DictionaryObject, Node]:
    """The catalog and the root of the structure tree (its « Document » element)."""
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "PDF non balisé : pas d'arbre de structure"
    root = catalog["/StructTreeRoot"].get_object()
    kids = root["/K"]
    document = (kids[0] if isinstance(kids, ArrayObject) else kids).get_object()
    return catalog, Node(document)


def xmp(content: bytes) -> bytes:
    """The document's XMP metadata, where it says which standard it follows."""
    return PdfReader(io.BytesIO(content)).trailer["/Root"]["/Metadata"].get_object().get_data()


def assert_accessible(content: bytes, title: str) -> Node:
    """What PDF/UA-1 asks of every document, as `pdfinfo` and a screen reader see it."""
    reader = PdfReader(io.BytesIO(content))
    catalog, document = structure(content)
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == "fr"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True  # the title, not the file name
    assert reader.metadata.title == title
    assert document.tag == "Document" and (document.find("H1") or document.find("Table"))
    for figure in document.find("Figure"):
        assert str(figure.element.get("/Alt", "")).strip(), "image sans texte de remplacement"
    for table in document.find("Table"):
        for cell in table.find("TD"):
            # Every data cell is tied to a header cell (th scope="col" or scope="row").
            assert cell.element["/A"].get("/Headers"), "cellule de tableau sans en-tête"
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
        assert "Tagged:          yes" in info
    return document


def test_bilan_is_tagged_with_each_chart_read_label_by_value(programme):  # noqa: F811
    content = bilan_pdf(Scope.build(season="2022-2023"))
    document = assert_accessible(content, "Bilan – Saison 2022-2023 – La santé mentale dans mon quartier")
    assert b'pdfuaid:part="1"' in xmp(content)  # declared as PDF/UA-1 in its XMP metadata
    figures = document.find("Figure")
    alts = [str(figure.element["/Alt"]) for figure in figures]
    assert "Profils des participant·es, en part des participant·es au profil renseigné" in alts
    assert any(alt.startswith("Carte de France") for alt in alts)
    assert len(figures) == 6  # profiles, three groups of questions, needs, map
    for container in document.find("Div"):
        kinds = [child.tag for child in container.children]
        if "Figure" not in kinds:
            continue
        # Right after each chart, in reading order, its figures as a table: a row per label, then its value.
        assert kinds[:2] == ["Figure", "Div"], kinds
        table = container.children[1].find("Table")[0]
        rows = table.find("TBody")[0].find("TR")
        assert rows and all([cell.tag for cell in row.children][:2] == ["TH", "TD"] for row in rows)
    # Text extraction too reads « label … value » on one line (the chart's own text gives all labels first).
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True).stdout.decode()
        assert any("Organisation logistique" in line and "3,7/5" in line for line in text.splitlines())


def test_funder_bilan_is_tagged(programme):  # noqa: F811
    content = bilan_pdf(Scope.build(season="2022-2023"), funder=True)
    assert_accessible(content, "Bilan – Saison 2022-2023 – La santé mentale dans mon quartier")


def test_sign_in_sheet_is_tagged(login, alice, session_a):
    response = login(alice).get(reverse("sessions_app:sign_in_sheet", args=[session_a.pk]))
    document = assert_accessible(response.content, f"Feuille d'émargement – séance {session_a.reference}")
    assert document.find("TH") and document.find("TD")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("poster_pdf", "Affiche du questionnaire – séance {}"),
        ("paper_questionnaire_pdf", "Questionnaire de satisfaction – séance {}"),
    ],
)
def test_questionnaire_documents_are_tagged(login, alice, session_a, name, title):
    client = login(alice)
    online.link_for(session_a)  # made ahead, as when the poster was printed before the session
    response = client.get(reverse(f"evaluation:{name}", args=[session_a.pk]))
    assert response.status_code == 200
    document = assert_accessible(response.content, title.format(session_a.reference))
    assert [str(figure.element["/Alt"]) for figure in document.find("Figure")] == ["Code QR du questionnaire en ligne"]


@pytest.mark.usefixtures("programme")
def test_edition_is_an_archive_carrying_its_figures(login, claire, fanny, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login(claire).post(reverse("evaluation:edition_publish"), SEASON)
    edition = BilanEdition.objects.get()
    for content, funder in ((bytes(edition.pdf), False), (bytes(edition.pdf_funder), True)):
        assert_accessible(content, "Bilan – Saison 2022-2023 – La santé mentale dans mon quartier")
        assert b'pdfaid:part="3"' in xmp(content) and b'pdfaid:conformance="B"' in xmp(content)
        reader = PdfReader(io.BytesIO(content))
        files = reader.attachments
        assert sorted(files) == ["bilan-edition-1.json", "bilan-edition-1.xlsx"]
        # The funder's PDF carries the funder's figures, as the funder downloads them: small numbers hidden.
        expected = suppress_for_funder(edition.data) if funder else edition.data
        assert unordered(json.loads(files["bilan-edition-1.json"][0])) == unordered(expected)
        assert ("suppressed" in expected) is funder
        workbook = load_workbook(io.BytesIO(files["bilan-edition-1.xlsx"][0]))
        assert workbook.sheetnames
        text = "\n".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row)
        assert ("< 5" in text) is funder  # the funder's PDF carries the funder's spreadsheet
        # PDF/A-3: each file is an « associated file » of the document, said to be its data.
        associated = {spec.idnum: spec.get_object() for spec in reader.trailer["/Root"]["/AF"]}
        assert sorted(str(spec["/UF"]) for spec in associated.values()) == sorted(files)
        assert {str(spec["/AFRelationship"]) for spec in associated.values()} == {"/Data"}
    # Downloaded as it was frozen, attachments included.
    assert login(fanny).get(reverse("evaluation:edition_pdf", args=[edition.pk])).content == bytes(edition.pdf_funder)
    funder_json = login(fanny).get(reverse("evaluation:edition_json", args=[edition.pk])).json()
    assert unordered(funder_json) == unordered(suppress_for_funder(edition.data))


def unordered(data: dict) -> dict:
    """The hidden paths as a set: PostgreSQL's jsonb keeps an object's keys in its own order, and the paths are
    listed in the order the engine walks them."""
    return {**data, "suppressed": set(data.get("suppressed", ()))}


def test_only_an_archive_carries_files():
    with pytest.raises(ValueError, match="archive"):
        render_pdf("evaluation/pdf/bilan.html", {}, attachments=[EmbeddedFile("a.json", b"{}")])
    assert ARCHIVE == "pdf/a-3b"
