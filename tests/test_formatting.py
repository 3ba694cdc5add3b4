from datetime import date

import pytest

from smdq.formatting import fr_date, fr_decimal, fr_int, fr_mean, fr_pct, fr_signed, in_french_order


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (fr_mean, (4.5, 5), "4,5/5"),
        (fr_mean, (4.0, 5), "4/5"),
        (fr_mean, (3.2456, 4), "3,2/4"),
        (fr_mean, (None, 4), "–"),
        (fr_pct, (8.5,), "8,5\u00a0%"),
        (fr_pct, (28.04,), "28\u00a0%"),
        (fr_int, (2150,), "2\u202f150"),
        (fr_int, (150,), "150"),
        (fr_decimal, (1234.56, 2), "1\u202f234,56"),
        (fr_signed, (0.23,), "+0,2"),
        (fr_signed, (-3,), "\u22123"),
        (fr_signed, (0.01,), "0"),
        (fr_date, (date(2023, 3, 12),), "12 mars 2023"),
        (fr_date, (date(2023, 8, 1),), "1er août 2023"),
    ],
)
def test_french_formats(function, value, expected):
    assert function(*value) == expected


def test_names_are_sorted_as_a_french_reader_looks_for_them():
    """Accented capitals sorted after Z (SQLite's and PostgreSQL's « C » collation): « Île-de-France » after
    « Provence-Alpes-Côte d'Azur », « Élu·e » after « Sport »."""
    choices = [("", "Toutes"), ("93", "Provence-Alpes-Côte d'Azur"), ("11", "Île-de-France"), ("28", "Normandie")]
    assert [label for _code, label in in_french_order(choices)] == [
        "Toutes",
        "Île-de-France",
        "Normandie",
        "Provence-Alpes-Côte d'Azur",
    ]


@pytest.mark.django_db
def test_the_region_filters_list_ile_de_france_among_the_i(login, claire):
    from django.urls import reverse

    for name in ("sessions_app:session_list", "sessions_app:request_list", "evaluation:dashboard"):
        html = login(claire).get(reverse(name)).content.decode()
        assert html.index("Île-de-France") < html.index("Normandie") < html.index("Provence-Alpes"), name
