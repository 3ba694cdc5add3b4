"""The catalogue of inspiring actions: the 26 real sheets of the Villes-Santé collection, search, filters with
their counts, the printable sheet, proposals by coordinators and their review by the national centre.

Expected counts are computed here from `fixtures/actions_004.json` (the facts extracted from seed 004),
never from the app's own data file, so a mistake in that file shows up as a wrong count."""

import gzip
import importlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import mail
from django.urls import reverse

from kit.filters import CatalogueFilter, facets
from kit.models import ActionSheet, Determinant, ProjectType
from smdq.typography import french_text
from territories.models import Department

pytestmark = pytest.mark.django_db

FACTS = json.loads((Path(settings.BASE_DIR) / "fixtures" / "actions_004.json").read_text(encoding="utf-8"))
CATALOGUE = reverse("kit:catalogue")

# The taxonomies of the form, as domain.md writes them.
PROJECT_TYPE_LABELS = [
    "Gouvernance, coordination",
    "Agir sur un cadre de vie favorable à la santé mentale",
    "Permettre un mode de vie favorable à la santé mentale",
    "Lutter contre toutes les formes de discriminations",
    "Agir sur l'accès aux soins en santé mentale",
    "Autre",
]
DETERMINANT_LABELS = [
    "Nature, espaces verts et bleus",
    "Logement",
    "Bruit, nuisances sonores",
    "Transports et mobilité",
    "Perception des risques liés aux crises, aléas naturels ou accidents industriels",
    "Lieux de vie, promoteurs de santé (écoles, établissements hospitaliers, milieu professionnel, lieux « apaisés », "
    "etc.)",
    "Urbanisme",
    "Lien social, utilité sociale",
    "Soutien social : pair-aidance, écoute, etc.",
    "Participation des habitants",
    "Activité physique et mobilités actives",
    "Alimentation",
    "Éducation",
    "Arts et culture",
    "Vie citoyenne, diversité",
    "Exclusion sociale, discriminations",
    "Sensibilisation, formation",
    "Accès aux soins",
    "Autre",
]


def normalise(label: str) -> str:
    """Same label whatever the quotes, accents and the « précisez… » tail of the paper form."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\s+([,.;:)])", r"\1", " ".join(re.sub(r"['’‘«»]", "", text).split()))
    return "autre" if text.startswith("autre") else text


def expected_counts(facts, key: str, model) -> dict[str, int]:
    """{code: number of sheets of `facts` with that box ticked}, matching the form's labels to the data's."""
    code_of = {normalise(item.label): item.code for item in model.objects.all()}
    counter = Counter()
    for fact in facts:
        counter.update({code_of[normalise(label)] for label in fact[key]})
    return {code: counter.get(code, 0) for code in code_of.values()}


def shown_counts(html: str, name: str) -> dict[str, int]:
    """The number printed next to each option of the `name` filter of the catalogue page."""
    return {
        value: int(count)
        for value, count in re.findall(rf'for="{name}-([\w-]+)">[^<]*<span class="[^"]*facet-count">(\d+)', html)
    }


def result_count(html: str) -> int:
    return int(re.search(r'id="result-count" role="status">(\d+)', html).group(1))


def result_slugs(html: str) -> set[str]:
    return set(re.findall(r'<h3 class="h6 card-title mb-1"><a href="/kit/fiches/([\w-]+)/"', html))


@pytest.fixture(autouse=True)
def catalogue_data(db):
    """A browser test (transactional) empties every table when it ends: put the migrations' data back."""
    if not Determinant.objects.exists():
        importlib.import_module("kit.migrations.0002_taxonomies").install(apps, None)
        importlib.import_module("kit.migrations.0003_actions_004").install(apps, None)


def sheet_of(index: int) -> ActionSheet:
    return ActionSheet.objects.get(source__contains=f"fiche {index} ")


# The 26 real sheets and the taxonomies -------------------------------------------------------------------


def test_the_26_sheets_of_the_collection_are_published_from_the_start():
    sheets = ActionSheet.objects.all()
    assert sheets.count() == len(FACTS) == 26
    assert set(sheets.values_list("status", flat=True)) == {ActionSheet.Status.PUBLISHED}
    assert not sheets.filter(published_at=None).exists()
    assert not sheets.filter(region=None).exists()
    for fact in FACTS:
        sheet = sheet_of(fact["index"])
        assert sheet.context and sheet.objectives and sheet.course_of_action, fact["index"]
        assert sheet.qpv_specific is fact["qpv_specific"], fact["index"]
        assert sheet.proposed_by is None
        sheet.full_clean()  # every value fits its column, even where SQLite would not check


def test_sheets_are_placed_in_their_territory():
    caen = sheet_of(1)
    assert caen.department_id == "14" and caen.region.name == "Normandie"
    assert list(caen.communes.order_by("code").values_list("name", flat=True)) == [
        "Caen",
        "Hérouville-Saint-Clair",
        "Mondeville",
    ]
    assert sheet_of(3).communes.get().name == "Lyon"
    assert sheet_of(24).region.name == "Pays de la Loire"
    assert set(sheet_of(5).communes.values_list("name", flat=True)) == {"Paris", "Bagnolet"}


def test_narratives_are_rewritten_not_pasted_from_the_seed():
    """No run of 12 words of a sheet's description is found in its pages of the source collection
    (tests/data/seed_004_villes_sante.txt.gz, a copy of the Villes-Santé collection the sheets come from)."""
    seed = gzip.decompress((Path(__file__).parent / "data" / "seed_004_villes_sante.txt.gz").read_bytes())
    seed = seed.decode("utf-8").splitlines()
    run = 12
    for fact in FACTS:
        words = re.findall(r"\w+", " ".join(seed[fact["start_line"] - 1 : fact["end_line"]]).lower())
        source_runs = {tuple(words[i : i + run]) for i in range(len(words) - run + 1)}
        sheet = sheet_of(fact["index"])
        for field in ("context", "objectives", "course_of_action", "what_helped", "what_hindered", "lessons"):
            mine = re.findall(r"\w+", getattr(sheet, field).lower())
            copied = [
                " ".join(mine[i : i + run])
                for i in range(len(mine) - run + 1)
                if tuple(mine[i : i + run]) in source_runs
            ]
            assert not copied, (fact["index"], field, copied[:1])


def test_taxonomies_have_the_labels_of_the_form():
    assert list(ProjectType.objects.values_list("label", flat=True)) == PROJECT_TYPE_LABELS
    assert list(Determinant.objects.values_list("label", flat=True)) == DETERMINANT_LABELS
    assert list(ProjectType.objects.filter(is_other=True).values_list("code", flat=True)) == ["autre"]
    assert list(Determinant.objects.filter(is_other=True).values_list("code", flat=True)) == ["autre"]


def test_taxonomy_install_is_idempotent_and_keeps_edited_labels():
    Determinant.objects.filter(code="logement").update(label="Logement, habitat")
    importlib.import_module("kit.migrations.0002_taxonomies").install(apps, None)
    importlib.import_module("kit.migrations.0003_actions_004").install(apps, None)
    assert Determinant.objects.count() == len(DETERMINANT_LABELS)
    assert Determinant.objects.get(code="logement").label == "Logement, habitat"
    assert ActionSheet.objects.count() == 26


# Facet counts on the 26 real sheets ---------------------------------------------------------------------


def test_every_determinant_shows_the_number_of_sheets_that_tick_it(client):
    expected = expected_counts(FACTS, "determinants_checked_canonical", Determinant)
    html = client.get(CATALOGUE).content.decode()
    assert shown_counts(html, "determinant") == expected
    assert expected["lien-social"] == 16 and expected["autre"] == 4  # read in the seed by hand, as a check
    assert result_count(html) == 26


def test_every_project_type_shows_the_number_of_sheets_that_tick_it(client):
    expected = expected_counts(FACTS, "project_types_checked_canonical", ProjectType)
    html = client.get(CATALOGUE).content.decode()
    assert shown_counts(html, "type") == expected
    assert expected["mode-de-vie"] == 14 and expected["autre"] == 5


def test_qpv_filter_shows_yes_and_no_counts(client):
    yes = sum(1 for fact in FACTS if fact["qpv_specific"])
    html = client.get(CATALOGUE).content.decode()
    assert shown_counts(html, "qpv") == {"toutes": 26, "oui": yes, "non": 26 - yes}
    assert yes == 12
    only_qpv = client.get(CATALOGUE, {"qpv": "oui"}).content.decode()
    assert result_count(only_qpv) == 12
    assert result_slugs(only_qpv) == {sheet_of(f["index"]).slug for f in FACTS if f["qpv_specific"]}


@pytest.mark.parametrize("code", ["logement", "urbanisme", "arts-culture", "autre"])
def test_counts_of_the_other_filters_follow_a_ticked_determinant(client, code):
    label = Determinant.objects.get(code=code).label
    kept = [f for f in FACTS if normalise(label) in {normalise(x) for x in f["determinants_checked_canonical"]}]
    html = client.get(CATALOGUE, {"determinant": code}).content.decode()
    assert result_count(html) == len(kept)
    assert result_slugs(html) == {sheet_of(f["index"]).slug for f in kept}
    # Options of the same filter keep their counts: ticking a second one adds sheets.
    assert shown_counts(html, "determinant") == expected_counts(FACTS, "determinants_checked_canonical", Determinant)
    # The other filters count only the sheets kept.
    assert shown_counts(html, "type") == expected_counts(kept, "project_types_checked_canonical", ProjectType)
    yes = sum(1 for f in kept if f["qpv_specific"])
    assert shown_counts(html, "qpv") == {"toutes": len(kept), "oui": yes, "non": len(kept) - yes}


def test_options_of_one_filter_add_up_and_filters_narrow_each_other(client):
    def ticks(fact, key, code, model):
        label = normalise(model.objects.get(code=code).label)
        return label in {normalise(x) for x in fact[key]}

    either = [
        f
        for f in FACTS
        if ticks(f, "determinants_checked_canonical", "logement", Determinant)
        or ticks(f, "determinants_checked_canonical", "bruit", Determinant)
    ]
    html = client.get(CATALOGUE, {"determinant": ["logement", "bruit"]}).content.decode()
    assert result_count(html) == len(either) == 7

    both = [f for f in either if ticks(f, "project_types_checked_canonical", "gouvernance", ProjectType)]
    html = client.get(CATALOGUE, {"determinant": ["logement", "bruit"], "type": "gouvernance"}).content.decode()
    assert result_count(html) == len(both)
    assert result_slugs(html) == {sheet_of(f["index"]).slug for f in both}
    # The project-type counts are those of the sheets about housing or noise.
    assert shown_counts(html, "type") == expected_counts(either, "project_types_checked_canonical", ProjectType)


def test_region_filter_and_its_counts(client):
    html = client.get(CATALOGUE).content.decode()
    shown = {name: int(n) for _, name, n in re.findall(r'<option value="(\d+)"[^>]*>([^<(]+) \((\d+)\)</option>', html)}
    assert shown == {
        "Auvergne-Rhône-Alpes": 4,  # Lyon, Roanne, Valence, Bourg-en-Bresse
        "Grand Est": 1,  # Metz
        "Hauts-de-France": 3,  # Lille ×3
        "Normandie": 4,  # Caen ×3, Caen la Mer
        "Nouvelle-Aquitaine": 7,  # Poitiers ×5, Limoges, Bordeaux
        "Pays de la Loire": 1,  # Nantes
        "Bretagne": 3,  # Rennes ×2, Lorient
        "Île-de-France": 3,  # Paris, Boulogne-Billancourt, Montreuil
    }
    assert "Toutes les régions (26)" in html
    normandie = client.get(CATALOGUE, {"region": "28"}).content.decode()
    assert result_count(normandie) == 4
    normandie_qpv = sum(1 for f in FACTS if f["index"] in (1, 2, 20, 21) and f["qpv_specific"])
    assert shown_counts(normandie, "qpv") == {"toutes": 4, "oui": normandie_qpv, "non": 4 - normandie_qpv}
    assert '<option value="28" selected>Normandie (4)</option>' in normandie


def test_facets_function_agrees_with_the_page():
    filterset = CatalogueFilter({"type": ["acces-aux-soins"]}, queryset=ActionSheet.objects.published())
    result = facets(filterset)
    kept = [
        f
        for f in FACTS
        if any(normalise(t).startswith("agir sur lacces") for t in f["project_types_checked_canonical"])
    ]
    assert filterset.qs.count() == len(kept) == 13
    assert {o["value"]: o["count"] for o in result["determinant"]} == expected_counts(
        kept, "determinants_checked_canonical", Determinant
    )
    assert [o["value"] for o in result["type"] if o["checked"]] == ["acces-aux-soins"]


def test_an_unknown_filter_value_is_ignored(client):
    html = client.get(CATALOGUE, {"determinant": "inconnu", "qpv": "peut-etre", "region": "zz"}).content.decode()
    assert result_count(html) == 26


# Search ------------------------------------------------------------------------------------------------


def test_search_finds_a_sheet_by_a_word_of_its_title(client):
    html = client.get(CATALOGUE, {"q": "ECOVIP"}).content.decode()
    assert result_slugs(html) == {sheet_of(3).slug}
    assert result_count(html) == 1


def test_search_finds_a_sheet_by_a_word_of_its_description(client):
    # « vidéaste » is only in the course of action of the Bourg-en-Bresse sheet, not in its title.
    assert "vidéaste" not in sheet_of(18).title.lower()
    html = client.get(CATALOGUE, {"q": "vidéaste"}).content.decode()
    assert result_slugs(html) == {sheet_of(18).slug}


def test_search_needs_every_word_and_combines_with_filters(client):
    assert result_slugs(client.get(CATALOGUE, {"q": "psychologue Lorient"}).content.decode()) == {sheet_of(9).slug}
    assert result_count(client.get(CATALOGUE, {"q": "ECOVIP vidéaste"}).content.decode()) == 0
    html = client.get(CATALOGUE, {"q": "Poitiers", "qpv": "oui"}).content.decode()
    assert result_slugs(html) == {sheet_of(25).slug}
    # The counts take the search into account.
    assert shown_counts(html, "qpv")["toutes"] == result_count(
        client.get(CATALOGUE, {"q": "Poitiers"}).content.decode()
    )


def test_search_queryset_ignores_blank_text():
    assert ActionSheet.objects.published().search("   ").count() == 26


# Pages -------------------------------------------------------------------------------------------------


def test_catalogue_answers_htmx_with_the_fragment(client):
    response = client.get(CATALOGUE, {"determinant": "urbanisme"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert result_count(html) == 2
    assert 'id="determinant-urbanisme" checked' in html


def test_catalogue_page_is_public_and_labelled(client):
    response = client.get(CATALOGUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Actions inspirantes en santé mentale" in html
    assert '<label class="form-label" for="id_q">' in html
    assert "<legend" in html and 'for="id_region"' in html
    assert reverse("kit:propose") not in html  # a visitor is not offered to propose


def test_catalogue_is_paginated_by_20(client):
    first = client.get(CATALOGUE).content.decode()
    assert len(result_slugs(first)) == 20 and "Page 1 sur 2" in first
    second = client.get(CATALOGUE, {"page": 2}).content.decode()
    assert len(result_slugs(second)) == 6
    assert result_slugs(first).isdisjoint(result_slugs(second))


def _extra_published_sheets(n):
    housing = Determinant.objects.get(code="logement")
    governance = ProjectType.objects.get(code="gouvernance")
    department = Department.objects.get(code="59")
    for i in range(n):
        sheet = ActionSheet.objects.create(
            title=f"Action supplémentaire {i}",
            department=department,
            status=ActionSheet.Status.PUBLISHED,
            objectives="Un objectif.",
        )
        sheet.determinants.add(housing)
        sheet.project_types.add(governance)


def test_catalogue_query_budget_does_not_grow_with_sheets(client, django_assert_max_num_queries):
    # count, page, project types of the page, 2 × (grouped counts + options), région counts + list, QPV counts
    with django_assert_max_num_queries(10):
        client.get(CATALOGUE)
    _extra_published_sheets(40)
    with django_assert_max_num_queries(10):
        response = client.get(CATALOGUE)
    assert result_count(response.content.decode()) == 66
    # Active filters add one query each to check the chosen codes exist.
    with django_assert_max_num_queries(13):
        client.get(CATALOGUE, {"determinant": "logement", "type": "gouvernance", "region": "32", "q": "action"})


def test_sheet_page_shows_every_section_in_order_and_prints(client):
    sheet = sheet_of(1)
    response = client.get(sheet.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    headings = [
        "Territoire et organisation",
        "Budget",
        "Thématiques de l'action",
        "Description de l'action",
        "Bilan de l'action",
    ]
    positions = [html.index(f'<h2 class="h5">{h}</h2>') for h in headings]
    assert positions == sorted(positions)
    for text in (
        "Contexte",
        "Objectifs",
        "Déroulé de l'action",
        "Ce qui a favorisé l'action",
        "Apprentissages",
    ):
        assert f'<h3 class="h6">{text}</h3>' in html
    assert french_text(sheet.title) in html and "Caen, Hérouville-Saint-Clair, Mondeville" in html
    assert "Calvados (14), Normandie" in html and "<li>UDAF14</li>" in html
    assert "Imprimer la fiche" in html and "js/kit.js" in html and "css/kit.css" in html
    css = Path(finders.find("css/kit.css")).read_text(encoding="utf-8")
    assert "@media print" in css and ".no-print" in css


def test_sheet_page_says_when_a_part_is_not_filled(client):
    html = client.get(sheet_of(8).get_absolute_url()).content.decode()  # Boulogne: no « difficultés » part
    assert "Non renseigné" in html


def test_unknown_sheet_is_404(client):
    assert client.get(reverse("kit:sheet_detail", args=["nexiste-pas"])).status_code == 404


# Proposals and review ----------------------------------------------------------------------------------


def proposal(**changes):
    data = {
        "title": "Café santé mentale au centre social",
        "territory_text": "Quartier de Lille-Sud",
        "communes": ["59350"],
        "department": "59",
        "period_text": "Depuis 2024, un jeudi par mois",
        "start_year": "2024",
        "lead": "CLSM de Lille",
        "authority_role": "Pilote",
        "services": "Service santé\nCCAS",
        "partners": "Centre social\nGEM",
        "budget_operating": "1 200 € par an",
        "project_types": [ProjectType.objects.get(code="mode-de-vie").pk],
        "qpv_specific": "on",
        "determinants": [
            Determinant.objects.get(code="lien-social").pk,
            Determinant.objects.get(code="soutien-social").pk,
        ],
        "context": "Des habitants isolés après la fermeture d'une association.",
        "objectives": "Recréer un lieu d'échange convivial.",
        "course_of_action": "Un café mensuel co-animé par une infirmière et une animatrice.",
        "what_helped": "Un centre social très impliqué.",
        "soumettre": "Soumettre à la relecture",
    }
    data.update(changes)
    return data


def test_review_workflow_end_to_end(client, login, alice, claire, adam, clsm_a):
    # Alice proposes a sheet: it waits for review, the national centre is told.
    response = login(alice).post(reverse("kit:propose"), proposal(clsm=clsm_a.pk))
    sheet = ActionSheet.objects.get(title="Café santé mentale au centre social")
    assert response.status_code == 302 and response["Location"] == sheet.get_absolute_url()
    assert sheet.status == ActionSheet.Status.SUBMITTED
    assert sheet.proposed_by == alice and sheet.clsm == clsm_a
    assert sheet.region.name == "Hauts-de-France" and sheet.services_list == ["Service santé", "CCAS"]
    assert [m.to for m in mail.outbox] == [[claire.email]]
    assert "Fiche action à relire" in mail.outbox[0].subject and sheet.title in mail.outbox[0].body

    # Not public yet.
    client.logout()
    assert client.get(sheet.get_absolute_url()).status_code == 404
    assert sheet.slug not in result_slugs(client.get(CATALOGUE).content.decode())

    # Claire sees it in the queue and asks for changes.
    staff = login(claire)
    assert sheet.title in staff.get(reverse("kit:review_queue")).content.decode()
    assert "Publier dans le catalogue" in staff.get(sheet.get_absolute_url()).content.decode()
    staff.post(reverse("kit:review", args=[sheet.slug]), {"decision": "modifier", "comment": "Précisez le budget."})
    sheet.refresh_from_db()
    assert sheet.status == ActionSheet.Status.CHANGES_REQUESTED
    assert mail.outbox[-1].to == [alice.email]
    assert "modifications sont demandées" in mail.outbox[-1].subject
    assert "Précisez le budget." in mail.outbox[-1].body
    assert reverse("kit:sheet_edit", args=[sheet.slug]) in mail.outbox[-1].body

    # Alice reads the comment, edits and submits again.
    coordinator = login(alice)
    assert "Précisez le budget." in coordinator.get(reverse("kit:sheet_edit", args=[sheet.slug])).content.decode()
    coordinator.post(
        reverse("kit:sheet_edit", args=[sheet.slug]),
        proposal(budget_operating="1 200 € par an, dont 400 € de la CAF", soumettre="Soumettre à nouveau"),
    )
    sheet.refresh_from_db()
    assert sheet.status == ActionSheet.Status.SUBMITTED
    assert sheet.budget_operating == "1 200 € par an, dont 400 € de la CAF"
    assert mail.outbox[-1].to == [claire.email]

    # Claire publishes: public, counted in the catalogue, Alice is told.
    login(claire).post(reverse("kit:review", args=[sheet.slug]), {"decision": "publier"})
    sheet.refresh_from_db()
    assert sheet.status == ActionSheet.Status.PUBLISHED and sheet.published_at is not None
    assert sheet.review_comment == ""
    assert mail.outbox[-1].to == [alice.email] and "est publiée" in mail.outbox[-1].subject
    assert len(mail.outbox) == 4

    client.logout()
    assert client.get(sheet.get_absolute_url()).status_code == 200
    html = client.get(CATALOGUE).content.decode()
    assert result_count(html) == 27
    expected = expected_counts(FACTS, "determinants_checked_canonical", Determinant)
    assert shown_counts(html, "determinant")["soutien-social"] == expected["soutien-social"] + 1

    # Published, the sheet is no longer Alice's to change; the national centre still can.
    assert login(alice).get(reverse("kit:sheet_edit", args=[sheet.slug])).status_code == 403
    assert login(adam).get(reverse("kit:sheet_edit", args=[sheet.slug])).status_code == 200


def test_a_draft_needs_only_a_title_and_stays_private(login, alice, claire):
    response = login(alice).post(reverse("kit:propose"), {"title": "Idée à compléter", "brouillon": "Enregistrer"})
    sheet = ActionSheet.objects.get(title="Idée à compléter")
    assert response.status_code == 302
    assert sheet.status == ActionSheet.Status.DRAFT
    assert mail.outbox == []
    assert sheet.title in login(alice).get(reverse("kit:my_sheets")).content.decode()
    # Submitting it incomplete is refused with French messages, and changes nothing.
    response = login(alice).post(
        reverse("kit:sheet_edit", args=[sheet.slug]), {"title": "Idée à compléter", "soumettre": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est nécessaire pour soumettre la fiche." in html
    assert "Cochez au moins un déterminant pour soumettre la fiche." in html
    sheet.refresh_from_db()
    assert sheet.status == ActionSheet.Status.DRAFT and mail.outbox == []


def test_other_needs_its_text_and_a_text_ticks_other(login, alice):
    autre = Determinant.objects.get(code="autre")
    response = login(alice).post(reverse("kit:propose"), proposal(determinants=[autre.pk]))
    assert "Précisez ce que recouvre «\xa0Autre\xa0»." in response.content.decode()
    assert not ActionSheet.objects.filter(proposed_by=alice).exists()

    login(alice).post(reverse("kit:propose"), proposal(project_type_other="Aller vers les habitants"))
    sheet = ActionSheet.objects.get(proposed_by=alice)
    assert set(sheet.project_types.values_list("code", flat=True)) == {"mode-de-vie", "autre"}


def test_a_coordinator_chooses_only_their_own_clsm(login, bob, clsm_a):
    response = login(bob).post(reverse("kit:propose"), proposal(clsm=clsm_a.pk))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not ActionSheet.objects.filter(proposed_by=bob).exists()


def test_review_refuses_what_makes_no_sense(login, alice, claire):
    login(alice).post(reverse("kit:propose"), {"title": "Brouillon", "brouillon": "x"})
    draft = ActionSheet.objects.get(title="Brouillon")
    staff = login(claire)
    response = staff.post(reverse("kit:review", args=[draft.slug]), {"decision": "publier"}, follow=True)
    assert "ne peut pas être publiée" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ActionSheet.Status.DRAFT

    login(alice).post(reverse("kit:sheet_edit", args=[draft.slug]), proposal(title="Brouillon"))
    draft.refresh_from_db()
    assert draft.status == ActionSheet.Status.SUBMITTED
    response = login(claire).post(
        reverse("kit:review", args=[draft.slug]), {"decision": "modifier", "comment": " "}, follow=True
    )
    assert "Indiquez les modifications attendues." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ActionSheet.Status.SUBMITTED
    assert login(claire).get(reverse("kit:review", args=[draft.slug])).status_code == 405


# Access per role ---------------------------------------------------------------------------------------


@pytest.fixture
def submitted_by_alice(alice):
    sheet = ActionSheet.objects.create(title="Proposition d'Alice", proposed_by=alice, department_id="59")
    sheet.submit()
    return sheet


@pytest.mark.parametrize(
    ("user_fixture", "may_propose", "may_review"),
    [("alice", True, False), ("claire", True, True), ("adam", True, True), ("fanny", False, False)],
)
def test_every_role_reads_the_catalogue(request, login, user_fixture, may_propose, may_review):
    user = login(request.getfixturevalue(user_fixture))
    html = user.get(CATALOGUE).content.decode()
    assert result_count(html) == 26
    assert (reverse("kit:propose") in html) is may_propose
    assert (reverse("kit:review_queue") in html) is may_review
    assert user.get(sheet_of(7).get_absolute_url()).status_code == 200
    assert user.get(reverse("kit:propose")).status_code == (200 if may_propose else 403)
    assert user.get(reverse("kit:review_queue")).status_code == (200 if may_review else 403)


def test_anonymous_reads_but_logs_in_to_propose(client, submitted_by_alice):
    assert client.get(CATALOGUE).status_code == 200
    assert client.get(sheet_of(2).get_absolute_url()).status_code == 200
    assert client.get(submitted_by_alice.get_absolute_url()).status_code == 404
    for url in (
        reverse("kit:propose"),
        reverse("kit:my_sheets"),
        reverse("kit:review_queue"),
        reverse("kit:sheet_edit", args=[submitted_by_alice.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    response = client.post(reverse("kit:review", args=[submitted_by_alice.slug]), {"decision": "publier"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_funder_reads_only(login, fanny, submitted_by_alice):
    funder = login(fanny)
    assert funder.get(CATALOGUE).status_code == 200
    assert funder.get(sheet_of(2).get_absolute_url()).status_code == 200
    assert funder.get(submitted_by_alice.get_absolute_url()).status_code == 404
    assert funder.get(reverse("kit:propose")).status_code == 403
    assert funder.post(reverse("kit:propose"), proposal()).status_code == 403
    assert funder.get(reverse("kit:review_queue")).status_code == 403
    assert funder.get(reverse("kit:sheet_edit", args=[submitted_by_alice.slug])).status_code == 404
    assert funder.get(reverse("kit:sheet_edit", args=[sheet_of(2).slug])).status_code == 403
    assert funder.post(reverse("kit:sheet_edit", args=[sheet_of(2).slug]), proposal()).status_code == 403
    assert (
        funder.post(reverse("kit:review", args=[submitted_by_alice.slug]), {"decision": "publier"}).status_code == 403
    )
    assert not ActionSheet.objects.filter(title="Café santé mentale au centre social").exists()


def test_another_coordinator_does_not_see_a_proposal(login, bob, submitted_by_alice):
    other = login(bob)
    assert other.get(submitted_by_alice.get_absolute_url()).status_code == 404
    assert other.get(reverse("kit:sheet_edit", args=[submitted_by_alice.slug])).status_code == 404
    assert other.get(reverse("kit:review_queue")).status_code == 403
    assert other.post(reverse("kit:review", args=[submitted_by_alice.slug]), {"decision": "publier"}).status_code == 403
    assert submitted_by_alice.title not in other.get(reverse("kit:my_sheets")).content.decode()
    # A published sheet is readable by all but edited by none of the coordinators.
    assert other.get(reverse("kit:sheet_edit", args=[sheet_of(2).slug])).status_code == 403


def test_the_author_sees_and_edits_their_proposal(login, alice, submitted_by_alice):
    author = login(alice)
    html = author.get(submitted_by_alice.get_absolute_url()).content.decode()
    assert "Statut\xa0: soumise à relecture." in html and "Publier dans le catalogue" not in html
    assert author.get(reverse("kit:sheet_edit", args=[submitted_by_alice.slug])).status_code == 200
    assert author.get(reverse("kit:review_queue")).status_code == 403
    assert (
        author.post(reverse("kit:review", args=[submitted_by_alice.slug]), {"decision": "publier"}).status_code == 403
    )
    submitted_by_alice.refresh_from_db()
    assert submitted_by_alice.status == ActionSheet.Status.SUBMITTED


@pytest.mark.parametrize("user_fixture", ["claire", "adam"])
def test_national_centre_reviews(request, login, user_fixture, submitted_by_alice):
    staff = login(request.getfixturevalue(user_fixture))
    assert "Proposition d&#x27;Alice" in staff.get(reverse("kit:review_queue")).content.decode()
    assert staff.get(submitted_by_alice.get_absolute_url()).status_code == 200
    assert staff.get(reverse("kit:sheet_edit", args=[sheet_of(1).slug])).status_code == 200


def test_review_queue_query_budget(login, claire, alice, django_assert_max_num_queries):
    for i in range(30):
        ActionSheet.objects.create(title=f"Proposition {i}", proposed_by=alice, status=ActionSheet.Status.SUBMITTED)
    staff = login(claire)
    with django_assert_max_num_queries(4):
        response = staff.get(reverse("kit:review_queue"))
    assert response.content.decode().count("Proposition ") >= 30


def test_my_sheets_query_budget(login, alice, django_assert_max_num_queries):
    for i in range(30):
        ActionSheet.objects.create(title=f"Brouillon {i}", proposed_by=alice)
    author = login(alice)
    with django_assert_max_num_queries(4):
        html = author.get(reverse("kit:my_sheets")).content.decode()
    assert html.count(">Modifier<") == 30


# Model -------------------------------------------------------------------------------------------------


def test_region_follows_the_department_and_slugs_stay_unique():
    first = ActionSheet.objects.create(title="Même titre", department_id="13")
    second = ActionSheet.objects.create(title="Même titre", department_id="59")
    assert (first.slug, second.slug) == ("meme-titre", "meme-titre-2")
    assert first.region.name == "Provence-Alpes-Côte d'Azur"
    second.department_id = "75"
    second.save(update_fields=["department"])
    second.refresh_from_db()
    assert second.region.name == "Île-de-France"


def test_admin_pages_are_in_french(login, adam):
    admin = login(adam)
    for url in (
        reverse("admin:kit_actionsheet_changelist"),
        reverse("admin:kit_actionsheet_change", args=[sheet_of(1).pk]),
        reverse("admin:kit_determinant_changelist"),
        reverse("admin:kit_projecttype_changelist"),
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
    html = admin.get(reverse("admin:kit_determinant_changelist")).content.decode()
    assert "déterminants de la santé mentale" in html.lower()
