"""The fixed cast of every test: Alice coordinates CLSM A (Lille), Bob coordinates CLSM B (Marseille),
Claire is the national centre's chargée de mission, Fanny the funder, Adam the administrator.
The real reference data (COG 2024, 1,584 QPV) is loaded once per test database."""

import os

import pytest
from django.core.management import call_command

from accounts.models import Role
from tests.factories import TEST_PASSWORD, CLSMFactory, UserFactory

# Lille (59350) and Marseille (13055) QPV of the 2024 list.
CLSM_A_QPVS = ["QN05971M", "QN05972M"]
CLSM_B_QPVS = ["QN01330M"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_territories", verbosity=0, stdout=open(os.devnull, "w"))


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", role=Role.COORDINATOR)


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", role=Role.COORDINATOR)


@pytest.fixture
def claire(db):
    return UserFactory(username="claire", first_name="Claire", role=Role.NATIONAL_STAFF)


@pytest.fixture
def fanny(db):
    return UserFactory(username="fanny", first_name="Fanny", role=Role.FUNDER)


@pytest.fixture
def adam(db):
    return UserFactory(username="adam", first_name="Adam", role=Role.ADMINISTRATOR)


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
