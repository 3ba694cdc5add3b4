"""What keeps the busiest staff pages fast at the national size (bench/bench_pages.py measures them): widgets
rendered without templates, DISTINCT reads without the model's ordering, the calendar prepared in Python."""

from datetime import date, time

import pytest
from django import forms
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.forms_dashboard import season_choices
from sessions_app.forms_participants import ParticipantFormSet
from smdq.forms_renderer import FormRenderer
from tests.factories import AwarenessSessionFactory


class EveryWidget(forms.Form):
    text = forms.CharField(
        initial='x"<y>&', widget=forms.TextInput(attrs={"class": "c", "required": True, "data-off": False})
    )
    email = forms.EmailField()
    number = forms.IntegerField(initial=3)
    hidden = forms.CharField(widget=forms.HiddenInput, initial=5)
    choice = forms.ChoiceField(choices=[("", "—"), ("f", "Femme & <co>"), ("Groupe", [("g1", "G1"), ("g2", "G2")])])
    yes_no = forms.NullBooleanField(widget=forms.NullBooleanSelect)
    several = forms.MultipleChoiceField(choices=[("1", "un"), ("2", "deux")], initial=["1", "2"])
    area = forms.CharField(widget=forms.Textarea, initial="<b>")
    flag = forms.BooleanField(initial=True)


@pytest.mark.parametrize(
    "data", [None, {"text": "é'\"<", "email": "pas un courriel", "number": "z", "choice": "g2", "yes_no": "true"}]
)
def test_the_fast_renderer_writes_exactly_what_djangos_templates_write(data):
    theirs, ours = EveryWidget(data, renderer=DjangoTemplates()), EveryWidget(data, renderer=FormRenderer())
    for name in EveryWidget.base_fields:
        assert str(ours[name]) == str(theirs[name]), name
    assert ours.as_div() == theirs.as_div()


@pytest.mark.django_db
def test_the_sign_in_sheet_renders_as_with_djangos_templates(session_a):
    theirs = ParticipantFormSet(session=session_a, attendance=3, form_kwargs={"renderer": DjangoTemplates()})
    ours = ParticipantFormSet(session=session_a, attendance=3, form_kwargs={"renderer": FormRenderer()})
    assert [str(field) for form in ours for field in form] == [str(field) for form in theirs for field in form]


@pytest.mark.django_db
def test_season_choices_read_one_row_per_season(clsm_a):
    for day in (date(2023, 10, 2), date(2023, 11, 6), date(2024, 10, 7)):
        AwarenessSessionFactory(clsm=clsm_a, date=day)
    with CaptureQueriesContext(connection) as queries:
        seasons = [value for value, _label in season_choices("v-test")]
    assert {"2024-2025", "2023-2024"} <= set(seasons) and len(seasons) == len(set(seasons))
    # With the model's ordering (date, time) in the query, DISTINCT would return one row per session.
    (query,) = queries.captured_queries
    assert "ORDER BY" not in query["sql"] and '"date"' not in query["sql"]


@pytest.mark.django_db
def test_season_choices_are_read_once_per_data_version(clsm_a):
    from evaluation.documents import data_version

    AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 10, 2))
    version = data_version()
    season_choices(version)
    with CaptureQueriesContext(connection) as queries:
        assert ("2023-2024", "2023-2024") in season_choices(version)
    assert not queries.captured_queries
    AwarenessSessionFactory(clsm=clsm_a, date=date(2019, 10, 7))  # a session saved: a new data version
    assert data_version() != version
    assert ("2019-2020", "2019-2020") in season_choices()


@pytest.mark.django_db
def test_the_calendar_shows_prepared_links_labels_and_times(login, claire, clsm_a):
    cancelled = AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 3, 5), start_time=time(9, 30), status="annulee")
    html = login(claire).get(reverse("sessions_app:session_calendar"), {"month": "2024-03"}).content.decode()
    cell = html.split('data-day="2024-03-05"')[1].split("</td>")[0]
    link = reverse("sessions_app:session_detail", args=[cancelled.pk])
    assert f'<a href="{link}" title="{cancelled.reference} – annulée" class="text-decoration-line-through">' in cell
    assert f"9\xa0h\xa030 · {clsm_a.name}" in cell
    assert f"({cancelled.reference}, annulée)" in cell


@pytest.mark.django_db
def test_the_json_download_reads_the_figures_the_dashboard_cached(login, claire, session_a, monkeypatch):
    from django.core.cache import cache

    from evaluation import documents

    cache.clear()
    computed = []
    original = documents.compute_bilan
    monkeypatch.setattr(documents, "compute_bilan", lambda *a, **k: computed.append(1) or original(*a, **k))
    client = login(claire)
    assert client.get(reverse("evaluation:dashboard"), {"period": "tout"}).status_code == 200
    for _ in range(2):
        response = client.get(reverse("evaluation:bilan_json"), {"period": "tout"})
        assert response.status_code == 200 and "key_figures" in response.json()
    assert len(computed) == 1


@pytest.mark.django_db
def test_a_warm_chart_is_served_as_drawn_without_reading_the_figures(login, claire, fanny, session_a, monkeypatch):
    from evaluation import documents

    url = reverse("evaluation:bilan_chart", args=["satisfaction"])
    drawn = {}
    for user in (claire, fanny):
        client = login(user)
        drawn[user.username] = client.get(url, {"period": "tout"}).content
        monkeypatch.setattr(documents, "figures", lambda *a, **k: pytest.fail("figures read for a warm chart"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"period": "tout"})
        monkeypatch.undo()
        assert response.status_code == 200 and response.content == drawn[user.username]
        # The session, the user and the data version: nothing else (no season list, no choices of the form).
        assert len(queries.captured_queries) == 3, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_the_pdf_finds_the_charts_the_dashboard_drew(login, fanny, session_a, monkeypatch):
    """The funder looks at the dashboard, then asks for the PDF: its six charts are the dashboard's, not drawn again
    (0.5 to 0.7 s of a national PDF)."""
    from evaluation import charts, documents
    from evaluation.bilan import Scope
    from evaluation.report import report_context

    client = login(fanny)
    season = {"season": session_a.season}  # the funder chooses a season, nothing else
    assert client.get(reverse("evaluation:dashboard"), season).status_code == 200
    for name in ("satisfaction", "capacites", "engagement", "besoins", "profil", "carte"):
        assert client.get(reverse("evaluation:bilan_chart", args=[name]), season).status_code == 200
    for draw in ("items_chart", "needs_chart", "profile_chart", "france_map"):
        monkeypatch.setattr(charts, draw, lambda *args, draw=draw: pytest.fail(f"{draw} drawn again for the PDF"))
    scope = Scope.build(season=session_a.season, pending=False)
    context = report_context(scope, funder=True, data=documents.figures(scope, funder=True))
    assert context["map"].startswith("<svg") and len(context["item_charts"]) == 3


@pytest.mark.django_db
def test_the_dashboard_breakdowns_are_rendered_once_per_variant(login, claire, fanny, session_a, monkeypatch):
    from evaluation import views_dashboard

    rendered = []
    original = views_dashboard.render_to_string
    monkeypatch.setattr(views_dashboard, "render_to_string", lambda *a, **k: rendered.append(a[0]) or original(*a, **k))
    pages = {}
    for user in (claire, fanny, claire, fanny):
        html = login(user).get(reverse("evaluation:dashboard"), {"season": session_a.season}).content.decode()
        assert "Par département" in html and session_a.clsm.name in html
        tables = html[html.index("Par région") : html.index("Par mode d")]
        assert tables == pages.setdefault(user.username, tables)  # the same tables, warm
    assert len(rendered) == 2  # the staff's and the funder's, each once


@pytest.mark.django_db
def test_the_funders_figures_are_hidden_once_per_data_version(session_a, monkeypatch):
    from evaluation import documents
    from evaluation.bilan import Scope

    hidden = []
    original = documents.suppress_for_funder
    monkeypatch.setattr(documents, "suppress_for_funder", lambda data: hidden.append(1) or original(data))
    first = documents.figures(Scope.build(), funder=True)
    assert documents.figures(Scope.build(), funder=True) == first
    assert len(hidden) == 1
