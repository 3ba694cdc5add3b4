import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Role, User
from territories.models import CLSM, QPV, Commune, Department, Region

pytestmark = pytest.mark.django_db


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_reference_data_is_france_2024():
    assert Region.objects.count() == 18
    # 101 départements and the 6 overseas collectivities (which belong to no région).
    assert Department.objects.count() == 107
    assert Department.objects.filter(region__isnull=True).count() == 6
    assert QPV.objects.filter(list_year=2024).count() == 1584
    assert Commune.objects.get(code="01053").name == "Bourg-en-Bresse"


@pytest.mark.parametrize(
    ("code", "department", "region"),
    [("QN07501M", "75", "11"), ("QN02A01M", "2A", "94"), ("QN97651C", "976", "06"), ("QN98701M", "987", None)],
)
def test_a_qpv_knows_its_departement_and_region(code, department, region):
    qpv = QPV.objects.select_related("department").get(code=code)
    assert qpv.department_id == department
    assert qpv.department.region_id == region
    assert qpv.communes.exists()
    assert qpv.perimeter.geometry["type"] == "MultiPolygon"
    assert qpv.latitude is not None and qpv.longitude is not None


def test_multi_commune_qpv():
    assert set(QPV.objects.get(code="QN00201M").communes.values_list("code", flat=True)) == {"02571", "02691"}


def test_load_territories_twice_does_nothing_the_second_time():
    output = run("load_territories")
    assert "déjà à jour" in output
    assert QPV.objects.count() == 1584


def test_load_territories_force_reloads_without_duplicates():
    output = run("load_territories", "--force")
    assert "1584 QPV importés (0 créé, 0 mis à jour)" in output
    assert QPV.objects.count() == 1584


def test_seed_demo_creates_clsm_on_real_qpv_and_is_idempotent():
    assert "16 CLSM" in run("seed_demo")
    lille = CLSM.objects.get(name="CLSM de Lille")
    assert lille.qpvs.filter(department_id="59").exists()
    assert lille.communes.filter(code="59350").exists()
    assert CLSM.objects.filter(status=CLSM.Status.PLANNED).count() == 2
    assert "déjà présentes" in run("seed_demo", "--if-empty")
    run("seed_demo")
    assert CLSM.objects.count() == 16


def test_national_clsm_cover_every_qpv():
    # The whole national data set (30,000 sessions…) is the benchmarks' business; here, its 300 CLSM.
    from territories.demo import seed_national_clsms

    assert seed_national_clsms() == 300
    assert CLSM.objects.count() == 300
    assert QPV.objects.filter(clsms__isnull=False).distinct().count() == 1584
    # No CLSM straddles two départements.
    for clsm in CLSM.objects.all()[:50]:
        assert clsm.qpvs.values("department").distinct().count() == 1


def test_demo_accounts_one_per_role(settings, client):
    settings.DEBUG = True
    run("seed_demo")
    output = run("demo_accounts")
    assert DEMO_PASSWORD in output
    assert {u.role for u in User.objects.all()} == set(Role.values)
    for username in ("coordination.lille", "chargee", "financeur", "admin"):
        assert username in output
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post(reverse("logout"))
    assert set(User.objects.get(username="coordination.lille").clsms.values_list("name", flat=True)) == {
        "CLSM de Lille",
        "CLSM de Roubaix",
    }
    assert User.objects.get(username="admin").is_superuser
    local = User.objects.get(username="animation.avignon")
    assert "animation.avignon" in output and not local.clsms.exists()
    assert list(local.local_animator_clsms.values_list("name", flat=True)) == ["CLSM du Grand Avignon"]
    run("demo_accounts")
    assert User.objects.count() == 6


def test_demo_accounts_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="développement"):
        run("demo_accounts")


def test_createsuperuser_makes_an_administrator():
    User.objects.create_superuser("root", "root@example.fr", "x" * 20)
    user = User.objects.get(username="root")
    assert user.role == Role.ADMINISTRATOR and user.is_staff and user.is_superuser


def test_role_change_closes_the_admin():
    user = User.objects.create_superuser("root", "root@example.fr", "x" * 20)
    user.role = Role.NATIONAL_STAFF
    user.save()
    assert not user.is_staff and not user.is_superuser
