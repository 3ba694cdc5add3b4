import factory

from accounts.models import Role, User
from territories.models import CLSM

TEST_PASSWORD = "motdepasse-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.fr")
    role = Role.COORDINATOR
    password = factory.django.Password(TEST_PASSWORD)

    class Params:
        national_staff = factory.Trait(role=Role.NATIONAL_STAFF)
        funder = factory.Trait(role=Role.FUNDER)
        administrator = factory.Trait(role=Role.ADMINISTRATOR)


class CLSMFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CLSM
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"CLSM de test {n}")
    status = CLSM.Status.ACTIVE
    contact_email = factory.LazyAttribute(lambda c: f"contact{c.name[-3:].strip()}@clsm.example.fr")

    @factory.post_generation
    def qpv_codes(self, create, extracted, **kwargs):
        """CLSMFactory(qpv_codes=["QN05901M", ...]) attaches real QPV and fills the communes from them."""
        if create and extracted:
            from territories.models import QPV

            self.qpvs.set(QPV.objects.filter(code__in=extracted))
            self.fill_communes_from_qpvs()

    @factory.post_generation
    def coordinators(self, create, extracted, **kwargs):
        if create and extracted:
            self.coordinators.set(extracted)
