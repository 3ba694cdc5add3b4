"""The PDF report: opened with pypdf, the key figures are there in French format."""

import io
import re

import pytest
from pypdf import PdfReader

from evaluation.bilan import Scope
from evaluation.report import bilan_pdf
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def test_staff_report_has_the_figures_in_french(programme):  # noqa: F811
    content = bilan_pdf(Scope.build(season="2022-2023"))
    assert content.startswith(b"%PDF-")
    text = text_of(content)
    assert "Saison 2022-2023" in text
    assert "Du 1er septembre 2022 au 31 août 2023" in text
    assert "3,7/5" in text  # sat_logistique: (5 + 4 + 2) / 3
    assert "66,7 %" in text.replace("\u00a0", " ")  # women
    assert "Provence-Alpes-Côte d'Azur" in text and "Hauts-de-France" in text
    assert "Notes de méthode" in text and "Taux de réponse" in text
    assert "page 1 sur" in text or "page 2 sur" in text


def test_funder_report_hides_small_numbers(programme):  # noqa: F811
    text = text_of(bilan_pdf(Scope.build(season="2022-2023"), funder=True))
    assert "< 5" in text
    assert "version financeurs" in text
    assert "toute moyenne ou tout pourcentage calculé sur moins de 5 personnes" in text
    # 3 questionnaires for 13 participants: neither the count nor « 23,1 % » (which gives it back) is printed.
    assert "23,1" not in text and "questionnaires reçus (taux" not in text
    assert "3,7/5" not in text  # sat_logistique: a mean of 3 answers
