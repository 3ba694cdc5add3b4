"""From needs to actions: the need categories a bilan shows most lead to catalogue sheets that answer them
(`NeedActionMapping`, data editable in the admin), nearest territories first."""

import importlib

import pytest
from django.apps import apps
from django.template.loader import render_to_string
from django.urls import reverse

from evaluation.bilan import Scope, compute_bilan
from evaluation.models import NeedCategory
from evaluation.responses import Sheet, create_response
from kit.models import ActionSheet, Determinant, NeedActionMapping, ProjectType
from kit.suggestions import department_centres, suggest_actions, territory_of_scope
from territories.models import QPV, Department

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
# Lille (Nord, Hauts-de-France): the place of CLSM A.
LILLE = (50.63, 3.06)
MARSEILLE = (43.30, 5.37)


@pytest.fixture(autouse=True)
def kit_data(db):
    """A browser test (transactional) empties every table when it ends: put the migrations' data back."""
    if not Determinant.objects.exists():
        importlib.import_module("kit.migrations.0002_taxonomies").install(apps, None)
        importlib.import_module("kit.migrations.0003_actions_004").install(apps, None)
    if not NeedActionMapping.objects.exists():
        importlib.import_module("kit.migrations.0005_need_action_mappings").install(apps, None)


def needs(**counts):
    """A bilan's `needs`, with the real categories' labels and the counts given (others 0)."""
    total = sum(counts.values())
    return {
        "total": total,
        "categories": {
            c.code: {
                "count": counts.get(c.code, 0),
                "pct": counts.get(c.code, 0) * 100 / total if total else None,
                "label": c.label,
            }
            for c in NeedCategory.objects.order_by("order")
        },
        "uncategorised": 0,
    }


@pytest.fixture
def probe():
    """A determinant of its own, which only the sheets of a test have, and `competences` pointing at it alone."""
    determinant = Determinant.objects.create(code="test-proximite", label="Proximité (test)", order=99)
    mapping = NeedActionMapping.objects.get(need_category_code="competences")
    mapping.project_types.clear()
    mapping.determinants.set([determinant])
    return determinant


def sheet(title, department_code, determinant, status=ActionSheet.Status.PUBLISHED, **fields):
    department = Department.objects.get(code=department_code) if department_code else None
    created = ActionSheet.objects.create(title=title, department=department, status=status, **fields)
    created.determinants.add(determinant)
    return created


def titles(suggestion):
    return [s.title for s in suggestion["actions"]]


# The mapping installed by the migration ---------------------------------------------------------------------


def test_every_need_category_has_a_mapping_to_existing_taxonomy_entries():
    codes = set(NeedCategory.objects.values_list("code", flat=True))
    assert codes == {
        "competences",
        "actions",
        "connaissances",
        "implication",
        "reseau",
        "ressources_locales",
        "prise_en_charge",
    }
    for code in codes:
        mapping = NeedActionMapping.objects.get(need_category_code=code)
        assert mapping.project_types.exists() or mapping.determinants.exists(), code


def test_the_installed_mapping_says_what_the_programme_means():
    def of(code):
        mapping = NeedActionMapping.objects.get(need_category_code=code)
        return (
            set(mapping.project_types.values_list("code", flat=True)),
            set(mapping.determinants.values_list("code", flat=True)),
        )

    assert of("competences") == (set(), {"sensibilisation", "soutien-social"})
    assert of("actions") == ({"mode-de-vie"}, set())
    assert of("connaissances") == (set(), {"sensibilisation"})
    assert of("implication") == (set(), {"participation", "vie-citoyenne"})
    assert of("reseau") == ({"gouvernance"}, {"lien-social"})
    assert of("ressources_locales") == (set(), {"lieux-de-vie", "acces-soins"})
    assert of("prise_en_charge") == ({"acces-aux-soins"}, {"acces-soins"})


def test_installing_again_keeps_a_mapping_the_centre_changed():
    mapping = NeedActionMapping.objects.get(need_category_code="actions")
    mapping.project_types.set([ProjectType.objects.get(code="discriminations")])
    importlib.import_module("kit.migrations.0005_need_action_mappings").install(apps, None)
    assert list(mapping.project_types.values_list("code", flat=True)) == ["discriminations"]
    assert NeedActionMapping.objects.count() == 7


# Choosing the categories -------------------------------------------------------------------------------


def test_the_top_categories_by_count_and_never_one_without_needs():
    result = suggest_actions(needs(actions=5, reseau=9, implication=5, connaissances=1))
    # Equal counts keep the bilan's order of the categories (actions before implication).
    assert [s["category"] for s in result] == ["reseau", "actions", "implication"]
    assert [s["count"] for s in result] == [9, 5, 5]
    assert result[0]["label"] == "Travail en réseau"
    assert result[0]["pct"] == pytest.approx(45.0)
    assert [s["category"] for s in suggest_actions(needs(actions=2), top=3)] == ["actions"]
    assert suggest_actions(needs()) == []
    assert suggest_actions({}) == []


def test_it_takes_the_needs_or_their_categories(probe):
    sheet("Action de Lille", "59", probe)
    full = suggest_actions(needs(competences=3))
    only_categories = suggest_actions(needs(competences=3)["categories"])
    assert titles(full[0]) == titles(only_categories[0]) == ["Action de Lille"]


def test_every_suggested_real_sheet_answers_its_category():
    """On the 26 real sheets: each suggested sheet has one of the category's project types or determinants."""
    result = suggest_actions(needs(**dict.fromkeys(NeedCategory.objects.values_list("code", flat=True), 10)), top=7)
    assert len(result) == 7
    for suggestion in result:
        mapping = NeedActionMapping.objects.get(need_category_code=suggestion["category"])
        wanted_types = set(mapping.project_types.values_list("pk", flat=True))
        wanted_determinants = set(mapping.determinants.values_list("pk", flat=True))
        assert suggestion["actions"], suggestion["category"]
        assert len(suggestion["actions"]) <= 3
        for action in suggestion["actions"]:
            assert action.status == ActionSheet.Status.PUBLISHED
            assert (
                set(action.project_types.values_list("pk", flat=True)) & wanted_types
                or set(action.determinants.values_list("pk", flat=True)) & wanted_determinants
            )


# Nearest first -------------------------------------------------------------------------------------------


@pytest.fixture
def spread(probe):
    """Sheets answering `competences` all over France (titles chosen against the alphabetical order)."""
    sheet("Z – dans le Nord", "59", probe, territory_text="Roubaix")
    sheet("Y – dans le Pas-de-Calais", "62", probe)  # same région as Lille (Hauts-de-France)
    sheet("A – à Marseille", "13", probe)
    sheet("B – à Paris", "75", probe)
    sheet("C – sans territoire", None, probe)
    sheet("D – brouillon du Nord", "59", probe, status=ActionSheet.Status.SUBMITTED)
    return probe


def test_same_departement_first_then_same_region_then_by_distance(spread):
    [suggestion] = suggest_actions(
        needs(competences=4),
        latitude=LILLE[0],
        longitude=LILLE[1],
        department_code="59",
        region_code="32",
        top=1,
        per_category=10,
    )
    assert titles(suggestion) == [
        "Z – dans le Nord",
        "Y – dans le Pas-de-Calais",
        "B – à Paris",
        "A – à Marseille",
        "C – sans territoire",  # no place: last; an unpublished sheet: never
    ]


def test_from_marseille_marseille_comes_first(spread):
    [suggestion] = suggest_actions(
        needs(competences=4), latitude=MARSEILLE[0], longitude=MARSEILLE[1], top=1, per_category=10
    )
    assert titles(suggestion)[:2] == ["A – à Marseille", "B – à Paris"]
    assert set(titles(suggestion)[2:4]) == {"Z – dans le Nord", "Y – dans le Pas-de-Calais"}
    assert titles(suggestion)[4:] == ["C – sans territoire"]


def test_a_departement_alone_places_the_bilan_at_its_centre(spread):
    [suggestion] = suggest_actions(needs(competences=4), department_code="13", region_code="93", per_category=2)
    assert titles(suggestion) == ["A – à Marseille", "B – à Paris"]
    [suggestion] = suggest_actions(needs(competences=4), region_code="32", per_category=2)
    assert set(titles(suggestion)) == {"Z – dans le Nord", "Y – dans le Pas-de-Calais"}


def test_without_a_place_the_order_is_the_title(spread):
    [suggestion] = suggest_actions(needs(competences=4), per_category=10)
    assert titles(suggestion) == sorted(titles(suggestion), key=str.casefold)
    assert len(titles(suggestion)) == 5


def test_departement_centres_are_the_mean_of_their_qpv():
    centres = department_centres()
    nord = QPV.objects.filter(department="59", latitude__isnull=False)
    mean = sum(q.latitude for q in nord) / nord.count()
    assert centres["59"]["point"][0] == pytest.approx(mean)
    assert centres["59"]["region"] == "32"
    assert 50 < centres["59"]["point"][0] < 51 and 2.5 < centres["59"]["point"][1] < 4


# The mapping is data: changing it changes the suggestions ---------------------------------------------------


def test_changing_the_mapping_changes_the_suggestions(probe):
    sheet("Une action de proximité", "59", probe)
    assert titles(suggest_actions(needs(reseau=5))[0]) != ["Une action de proximité"]
    mapping = NeedActionMapping.objects.get(need_category_code="reseau")
    mapping.project_types.clear()
    mapping.determinants.set([probe])
    assert titles(suggest_actions(needs(reseau=5))[0]) == ["Une action de proximité"]
    mapping.determinants.clear()
    result = suggest_actions(needs(reseau=5))
    assert result[0]["actions"] == [] and result[0]["catalogue_links"] == []


def test_the_mapping_is_editable_in_the_admin(login, adam, probe):
    client = login(adam)
    mapping = NeedActionMapping.objects.get(need_category_code="reseau")
    page = client.get(reverse("admin:kit_needactionmapping_changelist"))
    assert page.status_code == 200
    assert "Travail en réseau" in page.content.decode()
    url = reverse("admin:kit_needactionmapping_change", args=[mapping.pk])
    assert client.get(url).status_code == 200
    governance = ProjectType.objects.get(code="gouvernance")
    response = client.post(
        url, {"need_category_code": "reseau", "project_types": [governance.pk], "determinants": [probe.pk]}
    )
    assert response.status_code == 302
    assert set(mapping.determinants.all()) == {probe}
    # Only the questionnaire's categories can be chosen.
    response = client.post(url, {"need_category_code": "inconnue", "project_types": [governance.pk]})
    assert response.status_code == 200
    assert NeedActionMapping.objects.filter(need_category_code="reseau").exists()


# Costs ------------------------------------------------------------------------------------------------------


def test_query_budget_does_not_grow_with_sheets(probe, django_assert_max_num_queries):
    every = needs(**dict.fromkeys(NeedCategory.objects.values_list("code", flat=True), 10))
    # mapping, sheets by project type, sheets by determinant, the sheets, the départements' centres
    with django_assert_max_num_queries(5):
        suggest_actions(every, latitude=LILLE[0], longitude=LILLE[1], department_code="59", region_code="32")
    for i in range(40):
        sheet(f"Action {i}", ("59", "13", "75", "33")[i % 4], probe)
    with django_assert_max_num_queries(5):
        result = suggest_actions(
            every, latitude=LILLE[0], longitude=LILLE[1], department_code="59", region_code="32", top=7
        )
    # Rendering needs nothing more: the département comes with the sheets.
    with django_assert_max_num_queries(0):
        render_to_string("kit/includes/suggested_actions.html", {"suggestions": result})


# The place of a bilan's scope ------------------------------------------------------------------------------


def test_territory_of_a_session_or_a_clsm_is_where_its_qpv_are(session_a):
    place = territory_of_scope(Scope.build(session="2024-001"))
    assert place["department_code"] == "59" and place["region_code"] == "32"
    assert 50 < place["latitude"] < 51 and 2.8 < place["longitude"] < 3.3
    assert territory_of_scope(Scope.build(clsm="cLsM a de lille")) == place


def test_territory_of_a_departement_a_region_or_the_nation():
    assert territory_of_scope(Scope.build(department="13")) == {
        "latitude": None,
        "longitude": None,
        "department_code": "13",
        "region_code": "93",
    }
    assert territory_of_scope(Scope.build(region="32"))["region_code"] == "32"
    assert territory_of_scope(Scope.build(season="2023-2024")) == {
        "latitude": None,
        "longitude": None,
        "department_code": None,
        "region_code": None,
    }


def test_from_a_real_bilan_to_actions(session_a, probe):
    for text, category in (("Se former", "competences"), ("Savoir écouter", "competences"), ("Un lieu", None)):
        create_response(session_a, Sheet(needs=[(text, category)]), channel="papier")
    sheet("Loin", "13", probe)
    sheet("Tout près", "59", probe)
    scope = Scope.build(session="2024-001")
    data = compute_bilan(scope)
    result = suggest_actions(data["needs"], **territory_of_scope(scope), top=1)
    assert [s["category"] for s in result] == ["competences"]
    assert result[0]["count"] == 2 and result[0]["pct"] == pytest.approx(100.0)
    assert titles(result[0]) == ["Tout près", "Loin"]


# The include the bilan page shows ----------------------------------------------------------------------------


def test_the_include_names_the_need_links_the_sheets_and_the_filtered_catalogue(client, spread):
    result = suggest_actions(
        needs(competences=28, actions=72), department_code="59", region_code="32", top=2, per_category=2
    )
    html = render_to_string("kit/includes/suggested_actions.html", {"suggestions": result})
    assert f"Besoin exprimé : Développement de compétences (28{NBSP}%)" in html
    assert f"Besoin exprimé : Développement d'actions (72{NBSP}%)" in html or (
        f"Besoin exprimé : Développement d&#x27;actions (72{NBSP}%)" in html
    )
    nord = ActionSheet.objects.get(title="Z – dans le Nord")
    assert f'href="{nord.get_absolute_url()}"' in html
    assert "Roubaix (Nord)" in html  # the territory of the sheet
    assert "Pas-de-Calais" in html
    catalogue_link = f"{reverse('kit:catalogue')}?determinant=test-proximite"
    assert f'href="{catalogue_link}"' in html
    # The catalogue link shows the sheets of the category.
    page = client.get(catalogue_link).content.decode()
    assert nord.get_absolute_url() in page
    assert "Y – dans le Pas-de-Calais" in page


def test_the_include_says_when_no_action_answers_yet(probe):
    NeedActionMapping.objects.get(need_category_code="connaissances").determinants.set([probe])
    html = render_to_string(
        "kit/includes/suggested_actions.html", {"suggestions": suggest_actions(needs(connaissances=3))}
    )
    assert "Aucune action du catalogue ne répond encore à ce besoin." in html
    assert render_to_string("kit/includes/suggested_actions.html", {"suggestions": []}).strip() == ""
