"""Every download names its file for every browser (RFC 6266): an ASCII `filename="…"` and, for an accented name,
`filename*=UTF-8''…`. Read back as RFC 6266 says browsers do (`filename*` first).
The CSV import templates read back with the importer's own reader, one value per column."""

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from evaluation import documents
from evaluation.bilan import Scope
from imports import registry
from imports.tables import read_table
from smdq.downloads import ascii_filename, content_disposition
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SEASON = {"period": "saison", "season": "2022-2023"}


def parsed(header: str) -> tuple[str, str, str | None]:
    """(disposition, the name a browser saves the file as, the ASCII fallback), as RFC 6266 says a browser reads
    it: `filename*` when there is one (`charset'language'percent-encoded`), else `filename`."""
    disposition, _, rest = header.partition(";")
    params = {}
    for match in re.finditer(r'\s*([\w*]+)=("(?:[^"\\]|\\.)*"|[^;]*)\s*;?', rest):
        params[match.group(1).lower()] = match.group(2)
    fallback = params.get("filename")
    if fallback is not None:
        fallback = re.sub(r"\\(.)", r"\1", fallback[1:-1])
    name = fallback
    if "filename*" in params:
        charset, _language, value = params["filename*"].split("'", 2)
        name = unquote(value, encoding=charset, errors="strict")
    return disposition, name, fallback


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("bilan-saison-2022-2023.xlsx", "bilan-saison-2022-2023.xlsx"),
        ("bilan-région-auvergne-rhône-alpes.xlsx", "bilan-region-auvergne-rhone-alpes.xlsx"),
        ("Cœur de ville – été.pdf", "Coeur de ville - ete.pdf"),
        ('a "b"\\c/d.pdf', "a _b__c_d.pdf"),
        ("日本.pdf", "__.pdf"),
    ],
)
def test_content_disposition_has_an_ascii_name_and_the_utf8_one(name, fallback):
    header = content_disposition(name)
    assert header.isascii()
    assert ascii_filename(name) == fallback
    assert parsed(header) == ("attachment", name, name if name == fallback else fallback)
    if name == fallback:
        assert header == f'attachment; filename="{name}"'  # nothing more for a plain name
    else:
        assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert content_disposition(name, inline=True).startswith("inline; ")


def test_an_accented_bilan_spreadsheet_keeps_its_name(login, claire, programme):  # noqa: F811
    response = login(claire).get(reverse("evaluation:bilan_xlsx"), {**SEASON, "region": "93"})
    name = documents.filename("xlsx", Scope.build(season="2022-2023", region="93"))
    assert name == "bilan-saison-2022-2023-région-provence-alpes-côte-d-azur.xlsx"
    assert parsed(response["Content-Disposition"]) == (
        "attachment",
        name,
        "bilan-saison-2022-2023-region-provence-alpes-cote-d-azur.xlsx",
    )
    assert response["Content-Disposition"].endswith(
        "filename*=UTF-8''bilan-saison-2022-2023-r%C3%A9gion-provence-alpes-c%C3%B4te-d-azur.xlsx"
    )


def test_each_download_names_its_file(login, claire, alice, session_a, client, programme):  # noqa: F811
    staff = login(claire)
    checks = [
        (staff.get(reverse("imports:template", args=["clsm"])), "attachment", "modele_clsm.csv"),
        (staff.get(reverse("evaluation:bilan_xlsx"), SEASON), "attachment", "bilan-saison-2022-2023.xlsx"),
        (staff.get(reverse("evaluation:responses_export"), SEASON), "attachment", "reponses-saison-2022-2023.xlsx"),
        (staff.get(reverse("sessions_app:sign_in_sheet", args=[session_a.pk])), "inline", "emargement-2024-001.pdf"),
        (
            client.get(reverse("sessions_app:calendar_feed", args=[alice.rotate_calendar_token()])),
            "inline",
            "seances.ics",
        ),
    ]
    for response, disposition, name in checks:
        assert response.status_code == 200, name
        assert parsed(response["Content-Disposition"]) == (disposition, name, name)


@pytest.mark.parametrize("kind", registry.kinds())
def test_each_import_template_reads_back_one_value_per_column(kind):
    importer = registry.get(kind)
    table = read_table(("\ufeff" + importer.template_csv()).encode(), filename=f"modele_{kind}.csv")
    assert table.headers == [c.name for c in importer.columns]  # the headers of the format, exactly
    assert [table.rows[0].get(c.name) or "" for c in importer.columns] == [c.example for c in importer.columns]
