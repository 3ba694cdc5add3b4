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


class SessionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sessions_app.SessionRequest"
        skip_postgeneration_save = True

    clsm = factory.SubFactory(CLSMFactory)
    expected_audience = "habitants, professionnels du social"
    expected_size = 15
    message = "Nous souhaitons organiser une séance dans le quartier."

    @factory.post_generation
    def qpv_codes(self, create, extracted, **kwargs):
        if create:
            from territories.models import QPV

            self.qpvs.set(QPV.objects.filter(code__in=extracted) if extracted else self.clsm.qpvs.all())

    @factory.post_generation
    def periods(self, create, extracted, **kwargs):
        """SessionRequestFactory(periods=[(date(2025, 3, 1), date(2025, 3, 31))])"""
        if create and extracted:
            for start, end in extracted:
                self.periods.create(start=start, end=end)


class AwarenessSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sessions_app.AwarenessSession"
        skip_postgeneration_save = True

    clsm = factory.SubFactory(CLSMFactory)
    date = factory.LazyFunction(lambda: __import__("datetime").date(2024, 3, 12))
    venue = "Centre social du quartier"
    expected_attendance = 15

    class Params:
        held = factory.Trait(status="realisee", actual_attendance=14)
        confirmed = factory.Trait(status="confirmee")
        cancelled = factory.Trait(status="annulee", status_reason="intempéries")
        self_run = factory.Trait(mode="territoire", validation="en_attente")

    @factory.post_generation
    def qpv_codes(self, create, extracted, **kwargs):
        """By default the session covers its CLSM's QPV."""
        if create:
            from territories.models import QPV

            self.qpvs.set(QPV.objects.filter(code__in=extracted) if extracted else self.clsm.qpvs.all())

    @factory.post_generation
    def animators(self, create, extracted, **kwargs):
        if create and extracted:
            self.animators.set(extracted)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sessions_app.Participant"

    session = factory.SubFactory(AwarenessSessionFactory, held=True)
    line = factory.Sequence(lambda n: n + 1)
    gender = "femme"
    profile = "social"
    lives_in_qpv = False
    acts_in_qpv = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Like the sign-in sheet: the session's participant summaries (what the bilan reads) follow."""
        from sessions_app.summaries import refresh_participant_summaries

        participant = super()._create(model_class, *args, **kwargs)
        refresh_participant_summaries([participant.session_id])
        return participant
