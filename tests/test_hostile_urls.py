"""Hostile but well-formed requests never make a server error: every URL of the project, for every role, with
hostile values in each path parameter and in the query parameters the pages read.

Production behaviour: the test client turns an exception into the 500 page (raise_request_exception=False), as
gunicorn with DEBUG=0 would. Like the access matrix (same URL list, same roles, same objects), a new URL is walked
without anyone adding it here. Query parameters are fuzzed on the pages that read the query string (found by
watching `request.GET` on a first visit); every page gets the NUL probe, which costs nothing.

Kept fast: PDFs are not drawn here (weasyprint is replaced by a stub; their templates still render), the examples
are bounded (a fixed list plus a few drawn by hypothesis per role, derandomised so CI runs are reproducible).
"""

import re
import threading
from datetime import date

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access_matrix import ROLES, world  # noqa: F401 – `world` is the access matrix's fixture

pytestmark = pytest.mark.django_db

# Values put raw (already percent-encoded) into a path parameter.
HOSTILE_INTS = ["0", "2147483648", "9223372036854775808", "1" + "0" * 30]
HOSTILE_SEGMENTS = [
    "%00",
    "a%00b",
    "%00.ics",
    "x" * 3000,
    "%C3%A9t%C3%A9%20%F0%9F%99%82",
    "%FF%FE",
    "-1",
    "99999999999999999999999",
]
# Query parameters of the project's pages and filters (the filter forms' own fields are added to these).
COMMON_PARAMETERS = [
    "q",
    "month",
    "season",
    "saison",
    "year",
    "date_from",
    "date_to",
    "page",
    "region",
    "department",
    "clsm",
    "period",
    "status",
    "next",
    "category",
    "kind",
    "audience",
]
# Hostile query values, each sent to every parameter of every page that reads its query string.
HOSTILE_QUERIES = [
    {"period": "saison", "season": "0-1", "month": "9999-12", "year": "0", "page": "99999999999999999999"},
    {"period": "saison", "season": "9999-10000", "month": "0001-01", "page": "-1", "clsm": "2147483648"},
    {"period": "dates", "date_from": "0001-01-01", "date_to": "9999-12-31", "month": "2024-13", "region": "-1"},
    {"period": "annee", "year": "1" + "0" * 20, "date_from": "10000-01-01", "date_to": "2024-02-30", "page": "0"},
]
FILLER = ["é🙂" * 200, "9" * 40, "-2147483649", "0001-01-01", "", " ", "NaN", "1e309", "../../etc/passwd"]


def routes(patterns=None, prefix="", namespace=None):
    """(name, route) of every named URL, as `tests/test_access_matrix.url_names` finds them."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.urlconf_module is admin_site.urls[0] or pattern.app_name == "admin":
                continue
            inner = pattern.namespace
            yield from routes(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                f"{namespace}:{inner}" if namespace and inner else inner or namespace,
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), prefix + str(pattern.pattern)


PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def build(route, values: dict) -> str:
    return "/" + PARAMETER.sub(lambda match: str(values[match["name"]]), route)


def valid_values(name, route, kwargs, pk) -> dict:
    known = kwargs.get(name) or {}
    return {match["name"]: known.get(match["name"], pk) for match in PARAMETER.finditer(route)}


def hostile_paths(name, route, kwargs, pk):
    """Each path parameter in turn gets each hostile value, the others keeping a valid one."""
    valid = valid_values(name, route, kwargs, pk)
    for match in PARAMETER.finditer(route):
        hostile = HOSTILE_INTS if match["converter"] == "int" else HOSTILE_SEGMENTS
        for value in hostile:
            yield build(route, {**valid, match["name"]: value})


def filter_parameters() -> list[str]:
    """The fields of the filter forms and of the bilan's scope form: a new filter is fuzzed too."""
    import django_filters

    from evaluation.forms_dashboard import ScopeForm
    from evaluation.forms_needs import NeedListForm

    get_resolver().url_patterns  # noqa: B018 – imports every view, hence every FilterSet
    names = set(ScopeForm.base_fields) | set(NeedListForm.base_fields)
    pending = list(django_filters.FilterSet.__subclasses__())
    while pending:
        filterset = pending.pop()
        pending.extend(filterset.__subclasses__())
        names |= set(filterset.base_filters)
    return sorted(set(COMMON_PARAMETERS) | names)


class QueryWatch:
    """Which pages read their query string: `request.GET` is watched on a first visit."""

    def __init__(self, monkeypatch):
        self.readers: set[str] = set()
        self.local = threading.local()
        original = WSGIRequest.__dict__["GET"]
        watch = self

        def get(request):
            watch.readers.add(request.path)
            return original.__get__(request, WSGIRequest)

        monkeypatch.setattr(WSGIRequest, "GET", property(get))


@pytest.fixture
def no_pdf_drawing(monkeypatch):
    """The templates of the PDFs render (hostile values reach them), weasyprint does not draw them, nor
    matplotlib the charts (seconds a page, for no input handling of theirs)."""
    import weasyprint

    from evaluation import charts

    for chart in ("items_chart", "needs_chart", "profile_chart", "france_map"):
        monkeypatch.setattr(charts, chart, lambda *args, **kwargs: '<svg xmlns="http://www.w3.org/2000/svg"></svg>')

    class Drawn:
        def __init__(self, *args, **kwargs):
            pass

        def write_pdf(self, *args, **kwargs):
            return b"%PDF-1.7\n%stub\n"

    monkeypatch.setattr(weasyprint, "HTML", Drawn)


def client_for(users, role):
    client = Client(raise_request_exception=False)
    if users[role]:
        client.force_login(users[role])
    return client


def get(client, url, query=None):
    response = client.get(url, query or {})
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


# What is counted, for the report of the run (printed with -s).
WALKED = {"patterns": 0, "requests": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_walked():
    yield
    print(f"\nhostile walk: {WALKED['patterns']} URL patterns, {WALKED['requests']} requests")


@pytest.mark.parametrize("role", ROLES)
def test_hostile_path_parameters_never_make_a_server_error(world, role, no_pdf_drawing):  # noqa: F811
    kwargs, users, pk = world
    client = client_for(users, role)
    errors = {}
    all_routes = list(routes())
    for name, route in all_routes:
        for url in hostile_paths(name, route, kwargs, pk):
            status = get(client, url)
            WALKED["requests"] += 1
            if status >= 500:
                errors[url[:120]] = (name, status)
    WALKED["patterns"] = len(all_routes)
    assert errors == {}


hostile_value = st.one_of(
    st.sampled_from(FILLER + [value for query in HOSTILE_QUERIES for value in query.values()]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(date.isoformat),
    st.dates().map(lambda day: f"{day.year:04d}-{day.month:02d}"),
    st.dates().map(lambda day: f"{day.year}-{day.year + 1}"),
    st.text(max_size=40),  # any character, NUL included
)


@pytest.mark.parametrize("role", ROLES)
def test_hostile_query_parameters_never_make_a_server_error(world, role, monkeypatch, no_pdf_drawing):  # noqa: F811
    kwargs, users, pk = world
    client = client_for(users, role)
    parameters = filter_parameters()
    watch = QueryWatch(monkeypatch)
    pages = {}
    errors = {}
    for name, route in routes():
        url = build(route, valid_values(name, route, kwargs, pk))
        # The NUL probe, for every page (refused before any view); then a first visit tells whether the page
        # reads its query string.
        for probe in ({"q": "a\x00b", "page": "1"}, {"page": "1"}):
            status = get(client, url, probe)
            WALKED["requests"] += 1
            if status >= 500:
                errors[name] = (url, probe, status)
        pages[name] = url
    readers = {name: url for name, url in pages.items() if url in watch.readers}
    # The walk sees each role's pages that read a query string: the bilan's, or a local animator's session list.
    expected = {"anonymous": None, "local_animator": "sessions_app:session_list"}
    expected["other_local_animator"] = expected["local_animator"]
    reader = expected.get(role, "evaluation:dashboard")
    assert reader is None or reader in readers, sorted(readers)

    def walk(query):
        for name, url in readers.items():
            status = get(client, url, query)
            WALKED["requests"] += 1
            if status >= 500:
                errors[name] = (url, {k: v[:40] for k, v in query.items()}, status)

    for i, hostile in enumerate(HOSTILE_QUERIES):
        # Every parameter gets a hostile value: those of this line, and the filler's for the others.
        walk({parameter: FILLER[(i + j) % len(FILLER)] for j, parameter in enumerate(parameters)} | hostile)
    assert errors == {}

    @settings(
        max_examples=2,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(parameters, hostile_value)))
    def drawn(query):
        walk(query)
        assert errors == {}

    drawn()
