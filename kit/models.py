"""The catalogue of inspiring actions: local action sheets in the form of the Villes-Santé collection.

The two checkbox taxonomies of the form (project types, mental-health determinants) are data, installed by a
migration with the labels of the form, so the national centre can add or rename an entry without a release.
A sheet proposed by a coordinator goes through the national centre's review before it is public.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from kit.storage import private_storage
from smdq.text import SQLITE_FOLD, fold
from territories.models import CLSM, Commune, Department, Region


class InvalidTransition(ValidationError):
    """A status change that makes no sense (the message says why, in French)."""


class Taxonomy(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=250)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_other = models.BooleanField(
        _("« Autre » à préciser"),
        default=False,
        help_text=_("La case « Autre » du formulaire, précisée en texte libre."),
    )

    class Meta:
        abstract = True
        ordering = ["order", "label"]

    def __str__(self):
        return self.label


class ProjectType(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("type de projet")
        verbose_name_plural = _("types de projet")


class Determinant(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("déterminant de la santé mentale")
        verbose_name_plural = _("déterminants de la santé mentale")


# The text a sheet is searched on, with the weight of each part on PostgreSQL (A counts most).
# French stems without accents (kit/migrations/0006_unaccent_search.py): « sante » and « santé » are one word.
SEARCH_CONFIG = "french_unaccent"
SEARCH_FIELDS = {
    "title": "A",
    "territory_text": "B",
    "lead": "B",
    "partners": "C",
    "context": "C",
    "objectives": "C",
    "course_of_action": "C",
    "lessons": "D",
    "effects_indicators": "D",
    "all_policies": "D",
}


class ActionSheetQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ActionSheet.Status.PUBLISHED)

    def visible_to(self, user):
        """Anyone reads the published sheets; a coordinator also their own proposals; the national centre all."""
        if user.is_authenticated and user.is_national_staff:
            return self
        if user.is_authenticated and user.is_coordinator:
            return self.filter(Q(status=ActionSheet.Status.PUBLISHED) | Q(proposed_by=user))
        return self.published()

    def editable_by(self, user):
        """The national centre edits every sheet; a coordinator their own, until it is published."""
        if user.is_authenticated and user.is_national_staff:
            return self
        if user.is_authenticated and user.is_coordinator:
            return self.filter(proposed_by=user, status__in=ActionSheet.EDITABLE_BY_PROPOSER)
        return self.none()

    def search(self, text: str):
        """Every word must be found, accents and case ignored (« sante » finds « santé »). PostgreSQL: French
        full-text search (stems, stop words) through `unaccent` (configuration `french_unaccent`, migration
        0006), best matches first. Elsewhere (SQLite): each word appears in one of the searched fields, both
        folded by `smdq.text.fold`."""
        text = " ".join((text or "").split())
        if not text:
            return self
        if connection.vendor == "postgresql":
            vector = None
            for field, weight in SEARCH_FIELDS.items():
                part = SearchVector(field, config=SEARCH_CONFIG, weight=weight)
                vector = part if vector is None else vector + part
            query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
            return (
                self.annotate(search_vector=vector, search_rank=SearchRank(vector, query))
                .filter(search_vector=query)
                .order_by("-search_rank", "title")
            )
        queryset = self.alias(
            **{
                f"folded_{field}": Func(F(field), function=SQLITE_FOLD, output_field=models.TextField())
                for field in SEARCH_FIELDS
            }
        )
        for word in fold(text).split():
            word = word.strip("\"'«»")
            if not word:
                continue
            condition = Q()
            for field in SEARCH_FIELDS:
                condition |= Q(**{f"folded_{field}__contains": word})
            queryset = queryset.filter(condition)
        return queryset


def _unique_slug(title: str, exclude_pk=None) -> str:
    base = slugify(title)[:200].strip("-") or "fiche"
    slug, n = base, 2
    others = ActionSheet.objects.exclude(pk=exclude_pk) if exclude_pk else ActionSheet.objects.all()
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class ActionSheet(models.Model):
    """An inspiring local action: the fields of the Villes-Santé form, in its order."""

    class Status(models.TextChoices):
        DRAFT = "brouillon", _("brouillon")
        SUBMITTED = "soumise", _("soumise à relecture")
        CHANGES_REQUESTED = "a_modifier", _("modifications demandées")
        PUBLISHED = "publiee", _("publiée")

    EDITABLE_BY_PROPOSER = (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED)

    title = models.CharField(_("titre de l'action"), max_length=250)
    slug = models.SlugField(_("adresse"), max_length=220, unique=True, editable=False)

    # Territory and organisation
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), related_name="action_sheets", blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_sheets",
    )
    # Follows the département (set on save): kept as a column so that the catalogue filters on it directly.
    region = models.ForeignKey(
        Region,
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="action_sheets",
    )
    territory_text = models.CharField(
        _("échelle du territoire concerné"),
        max_length=400,
        blank=True,
        help_text=_("Par exemple : « Quatre quartiers prioritaires de la ville », « Rennes Métropole »."),
    )
    period_text = models.CharField(
        _("période, durée"), max_length=400, blank=True, help_text=_("Par exemple : « Depuis 2019, toute l'année ».")
    )
    start_year = models.PositiveSmallIntegerField(_("année de démarrage"), null=True, blank=True)
    lead = models.CharField(_("porteur, pilote principal"), max_length=400, blank=True)
    authority_role = models.TextField(_("rôle de la collectivité"), blank=True)
    services = models.TextField(
        _("services et élus de la collectivité impliqués"), blank=True, help_text=_("Un par ligne.")
    )
    partners = models.TextField(_("partenaires"), blank=True, help_text=_("Un par ligne."))

    # Budget
    budget_operating = models.TextField(_("budget de fonctionnement annuel (réel ou estimé)"), blank=True)
    budget_investment = models.TextField(_("budget d'investissement (réel ou estimé)"), blank=True)
    budget_contribution = models.TextField(_("contribution de la collectivité"), blank=True)
    financial_partners = models.TextField(_("partenaires financiers"), blank=True)

    # Themes
    project_types = models.ManyToManyField(
        ProjectType, verbose_name=_("types de projet ou de démarche"), related_name="action_sheets", blank=True
    )
    project_type_other = models.CharField(_("autre type de projet (précisez)"), max_length=300, blank=True)
    qpv_specific = models.BooleanField(_("quartier(s) politique de la ville"), default=False)
    other_specificity = models.CharField(_("autre spécificité du territoire (précisez)"), max_length=400, blank=True)
    determinants = models.ManyToManyField(
        Determinant, verbose_name=_("déterminants de la santé mentale"), related_name="action_sheets", blank=True
    )
    determinant_other = models.CharField(_("autre déterminant (précisez)"), max_length=300, blank=True)

    # Description
    context = models.TextField(_("contexte"), blank=True)
    objectives = models.TextField(_("objectifs"), blank=True)
    course_of_action = models.TextField(_("déroulé de l'action"), blank=True)
    mental_health_explicit = models.TextField(
        _("prise en compte explicite de la santé mentale"),
        blank=True,
        help_text=_("La santé mentale a-t-elle été explicitement prise en compte dans la construction ou le déroulé ?"),
    )
    what_helped = models.TextField(_("ce qui a favorisé l'action"), blank=True)
    what_hindered = models.TextField(_("ce qui l'a mise en difficulté"), blank=True)
    inequalities = models.TextField(_("réduction des inégalités sociales et territoriales de santé"), blank=True)
    lessons = models.TextField(_("apprentissages"), blank=True)
    effects_indicators = models.TextField(_("effets sur la santé mentale des habitants, indicateurs"), blank=True)
    all_policies = models.TextField(_("contribution à « la santé mentale dans toutes les politiques »"), blank=True)

    source = models.CharField(
        _("source"), max_length=250, blank=True, help_text=_("Par exemple : « Recueil Villes-Santé 2023, fiche 1 ».")
    )

    # Review
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(_("commentaire de relecture"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_sheets",
    )
    clsm = models.ForeignKey(
        CLSM, verbose_name=_("CLSM"), on_delete=models.SET_NULL, null=True, blank=True, related_name="action_sheets"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    objects = ActionSheetQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche action")
        verbose_name_plural = _("fiches actions")
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "title"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = _unique_slug(self.title, exclude_pk=self.pk)
        self.region_id = self.department.region_id if self.department_id else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "department" in update_fields:
            kwargs["update_fields"] = {*update_fields, "region"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("kit:sheet_detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def services_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]

    @property
    def partners_list(self) -> list[str]:
        return [line.strip() for line in self.partners.splitlines() if line.strip()]

    # Review workflow: brouillon → soumise → publiée, or soumise → à modifier → soumise…

    def _check(self, allowed, target_label):
        if self.status not in allowed:
            raise InvalidTransition(
                _("Une fiche « %(from)s » ne peut pas être %(to)s.")
                % {"from": self.get_status_display(), "to": target_label}
            )

    def submit(self):
        self._check(self.EDITABLE_BY_PROPOSER, _("soumise à relecture"))
        self.status = self.Status.SUBMITTED
        self.save(update_fields=["status", "updated_at"])

    def request_changes(self, comment: str):
        if not (comment or "").strip():
            raise InvalidTransition(_("Indiquez les modifications attendues."))
        self._check((self.Status.SUBMITTED,), _("renvoyée pour modifications"))
        self.status = self.Status.CHANGES_REQUESTED
        self.review_comment = comment.strip()
        self.save(update_fields=["status", "review_comment", "updated_at"])

    @transaction.atomic
    def publish(self):
        self._check((self.Status.SUBMITTED,), _("publiée"))
        self.status = self.Status.PUBLISHED
        self.review_comment = ""
        self.published_at = timezone.now()
        self.save(update_fields=["status", "review_comment", "published_at", "updated_at"])


class NeedActionMapping(models.Model):
    """Which catalogue actions answer a need category of the questionnaire: a sheet answers it when it has one
    of these project types or one of these determinants. Data, installed by a migration, edited in the admin."""

    need_category_code = models.SlugField(
        _("code de la catégorie de besoin"),
        max_length=30,
        unique=True,
        help_text=_("Le code de la catégorie dans le questionnaire, par exemple « competences »."),
    )
    project_types = models.ManyToManyField(
        ProjectType, verbose_name=_("types de projet"), related_name="need_mappings", blank=True
    )
    determinants = models.ManyToManyField(
        Determinant, verbose_name=_("déterminants de la santé mentale"), related_name="need_mappings", blank=True
    )

    class Meta:
        verbose_name = _("correspondance besoin → actions")
        verbose_name_plural = _("correspondances besoins → actions")
        ordering = ["need_category_code"]

    def __str__(self):
        return self.need_category_code


# Kit resources: downloadable files of the deployment kit ---------------------------------------------------


def resource_file_name(instance, filename) -> str:
    """A random name: the stored path says nothing of the file and cannot be guessed. The name people see is
    kept in `original_name`."""
    extension = PurePath(filename).suffix.lower()
    return f"{uuid.uuid4().hex}{extension}"


class ResourceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Anyone: published public resources. Coordinators and local animators also the coordinators' ones. The
        national centre: everything, unpublished included. The funder reads the public ones."""
        if user.is_authenticated and user.is_national_staff:
            return self
        audiences = [Resource.Audience.PUBLIC]
        # Local animators run sessions with the kit: they get the coordinators' material too.
        if user.is_authenticated and (user.is_coordinator or user.is_local_animator):
            audiences.append(Resource.Audience.COORDINATORS)
        return self.filter(is_published=True, audience__in=audiences)

    def editable_by(self, user):
        if user.is_authenticated and user.is_national_staff:
            return self
        return self.none()


class Resource(models.Model):
    """A file of the deployment kit (slides, guide, evaluation tool), managed by the national centre.

    The file lives in a private storage (kit/storage.py) and is only ever sent by `resource_download`, which
    checks who asks."""

    class Kind(models.TextChoices):
        ANIMATION = "animation", _("supports d'animation")
        GUIDE = "guide", _("guide méthodologique")
        EVALUATION = "evaluation", _("outil d'évaluation")
        OTHER = "autre", _("autre")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("tout public")
        # The stored value keeps its name; local animators get these files too, so the label names them.
        COORDINATORS = "coordinators", _("coordinateur·rices et animateur·rices locaux·ales des CLSM, centre national")
        STAFF = "staff", _("centre national uniquement")

    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type de ressource"), max_length=12, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=50, help_text=_("Par exemple : « v2 » ou « septembre 2024 »."))
    audience = models.CharField(
        _("qui peut la télécharger"), max_length=12, choices=Audience.choices, default=Audience.COORDINATORS
    )
    file = models.FileField(_("fichier"), storage=private_storage, upload_to=resource_file_name, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    content_type = models.CharField(_("type de contenu"), max_length=120)
    is_published = models.BooleanField(
        _("publiée"), default=True, help_text=_("Une ressource non publiée n'est visible que du centre national.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kit_resources",
    )
    uploaded_at = models.DateTimeField(_("fichier déposé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("ressource du kit")
        verbose_name_plural = _("ressources du kit")
        ordering = ["kind", "title"]

    def __str__(self):
        return self.title

    @property
    def extension(self) -> str:
        return PurePath(self.original_name).suffix.lstrip(".").upper()

    def delete(self, *args, **kwargs):
        # The file goes once the row is gone for good (not if the transaction is rolled back).
        name, storage = self.file.name, self.file.storage
        result = super().delete(*args, **kwargs)
        if name:
            transaction.on_commit(lambda: storage.delete(name))
        return result
