"""The fixed cast of every test: Alice coordinates CLSM A (Lille), Bob coordinates CLSM B (Marseille),
Claire is the national centre's chargée de mission, Fanny the funder, Adam the administrator.
The real reference data (COG 2024, 1,584 QPV) is loaded once per test database."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Role
from tests.commit import commit_callbacks_run_at_the_end
from tests.factories import TEST_PASSWORD, CLSMFactory, UserFactory

# Lille (59350) and Marseille (13055) QPV of the 2024 list.
CLSM_A_QPVS = ["QN05971M", "QN05972M"]
CLSM_B_QPVS = ["QN01330M"]


# Data installed by migrations, which a transactional (browser) test empties with every table when it ends:
# (model that holds it, migration module, function of that module that installs it).
DATA_MIGRATIONS = [
    ("evaluation.Questionnaire", "evaluation.migrations.0002_standard_questionnaire", "install"),
    ("evaluation.Effect", "evaluation.migrations.0005_effects", "install"),
    ("kit.ProjectType", "kit.migrations.0002_taxonomies", "install"),
    ("kit.ActionSheet", "kit.migrations.0003_actions_004", "install"),
    ("kit.NeedActionMapping", "kit.migrations.0005_need_action_mappings", "install"),
]


def _load_reference_data_if_missing():
    import importlib

    from django.apps import apps

    from territories.models import ReferenceDataset

    if not ReferenceDataset.objects.filter(name="qpv2024").exists():
        call_command("load_territories", verbosity=0, stdout=io.StringIO())
    for model, module, function in DATA_MIGRATIONS:
        if not apps.get_model(model).objects.exists():
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _tasks_run_immediately():
    """Unit tests run each task inside the call that enqueues it (Huey's immediate mode, in-memory store);
    tests/test_tasks_worker.py starts a real worker on each backend."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture(autouse=True)
def _empty_task_queue():
    """Retries a test left scheduled in the in-memory store do not leak into the next test."""
    from huey.contrib.djhuey import HUEY

    yield
    HUEY.storage.flush_all()


@pytest.fixture(autouse=True)
def _empty_memory_cache():
    """What is cached per data version (figures, charts, seasons) is keyed by a counter that each test's rollback
    sets back: a test starts with an empty per-process cache so that it never reads another test's entries. Only
    the memory cache: clearing a Redis one would empty the whole database, shared with others."""
    from django.conf import settings
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()


@pytest.fixture(autouse=True)
def _test_client_requests_commit(monkeypatch):
    """A test-client request ends like a real one, which commits (autocommit): what it registered with
    `transaction.on_commit` (e-mails handed to the task queue, files deleted) runs when it returns."""
    original = Client.request

    def request(self, **kwargs):
        with commit_callbacks_run_at_the_end():
            return original(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real reference data, committed once per test database (kept by --reuse-db)."""
    with django_db_blocker.unblock():
        _load_reference_data_if_missing()


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """A transactional (browser) test empties the tables when it ends; pytest-django runs those last,
    and the next one to need the reference data reloads it here."""
    if not ({"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        return
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        _load_reference_data_if_missing()


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Durand", role=Role.COORDINATOR)


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Lambert", role=Role.COORDINATOR)


@pytest.fixture
def claire(db):
    return UserFactory(username="claire", first_name="Claire", last_name="Martin", role=Role.NATIONAL_STAFF)


@pytest.fixture
def fanny(db):
    return UserFactory(username="fanny", first_name="Fanny", last_name="Roux", role=Role.FUNDER)


@pytest.fixture
def adam(db):
    return UserFactory(username="adam", first_name="Adam", last_name="Petit", role=Role.ADMINISTRATOR)


@pytest.fixture
def lea(db):
    """A local animator (of CLSM A once `clsm_a` is built: see `lea_of_a`)."""
    return UserFactory(username="lea", first_name="Léa", last_name="Bernard", role=Role.LOCAL_ANIMATOR)


@pytest.fixture
def leo(clsm_b):
    """A local animator of CLSM B."""
    person = UserFactory(username="leo", first_name="Léo", last_name="Garnier", role=Role.LOCAL_ANIMATOR)
    clsm_b.local_animators.add(person)
    return person


@pytest.fixture
def lea_of_a(lea, clsm_a):
    clsm_a.local_animators.add(lea)
    return lea


@pytest.fixture
def clsm_a(alice):
    return CLSMFactory(name="CLSM A de Lille", qpv_codes=CLSM_A_QPVS, coordinators=[alice])


@pytest.fixture
def clsm_b(bob):
    return CLSMFactory(name="CLSM B de Marseille", qpv_codes=CLSM_B_QPVS, coordinators=[bob])


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Real hashers cost ~0.3 s a password by design; tests only need passwords to round-trip."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def session_a(clsm_a, claire):
    """A held session of CLSM A (12 March 2024), animated by Claire."""
    from tests.factories import AwarenessSessionFactory

    return AwarenessSessionFactory(clsm=clsm_a, held=True, animators=[claire], reference="2024-001")


@pytest.fixture
def session_b(clsm_b):
    """A planned session of CLSM B."""
    import datetime

    from tests.factories import AwarenessSessionFactory

    return AwarenessSessionFactory(clsm=clsm_b, date=datetime.date(2024, 5, 20), reference="2024-002")


@pytest.fixture
def report_pdf():
    """The bilan PDF of a scope as its reader gets it: asked of the worker (tasks run at once in tests), then
    served by the same URL (evaluation/documents.py)."""
    from django.urls import reverse

    def get(client, params) -> bytes:
        client.post(reverse("evaluation:document_prepare"), {"kind": "pdf", **params}, headers={"HX-Request": "true"})
        response = client.get(reverse("evaluation:bilan_pdf"), params)
        assert response["Content-Type"] == "application/pdf", response.content[:200]
        return response.content

    return get
