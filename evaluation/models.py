"""The satisfaction questionnaire as data, the responses, and the per-session summaries the bilan reads.

Storage (measured in bench/bench_answer_storage.py on the national data set, PostgreSQL 15, 2 cores):
answers are kept one row per answer (so items and versions can evolve freely), and a summary of
(number of answers, sum of values) per session and item code is refreshed whenever a session's responses
change. The 13 national means then read ~390,000 summary rows instead of ~4.6 million answers:
44 ms for all seasons against 76 ms for one column per item and 733 ms for a row per answer.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import CLSMScopedQuerySet
from sessions_app.models import AwarenessSession


class Questionnaire(models.Model):
    """A version of the questionnaire. Item codes carry comparability across versions: a mean is per code."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("intitulé"), max_length=200)
    valid_from = models.DateField(_("en usage depuis"))
    is_current = models.BooleanField(_("version en cours"), default=False)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_questionnaire"
            )
        ]

    def __str__(self):
        return self.label

    @classmethod
    def current(cls) -> "Questionnaire":
        return cls.objects.get(is_current=True)


class Item(models.Model):
    class Group(models.TextChoices):
        SATISFACTION = "satisfaction", _("Satisfaction")
        CAPABILITY = "capacites", _("Suite à cette séance, vous sentez-vous capable de…")
        ENGAGEMENT = "engagement", _("Engagement")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("intitulé"), max_length=300)
    group = models.CharField(_("groupe"), max_length=20, choices=Group.choices)
    scale = models.PositiveSmallIntegerField(_("échelle (valeur maximale)"), choices=[(4, "1 à 4"), (5, "1 à 5")])
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="item_code_unique_per_questionnaire")
        ]

    def __str__(self):
        return f"{self.code} ({self.label})"


class NeedCategory(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("intitulé"), max_length=200)
    key = models.CharField(_("touche de saisie"), max_length=1, unique=True)
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("catégorie de besoin")
        verbose_name_plural = _("catégories de besoins")
        ordering = ["order"]

    def __str__(self):
        return self.label


class ResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Individual responses are for the national centre only; a local animator sees the paper sheets of the
        self-run sessions they animate (what they typed themselves or a colleague did), never an online answer."""
        if user.is_authenticated and user.is_national_staff:
            return self
        if user.is_authenticated and user.is_local_animator:
            sessions = AwarenessSession.objects.visible_to(user).filter(mode=AwarenessSession.Mode.TERRITORY)
            return self.filter(session__in=sessions, channel=Response.Channel.PAPER)
        return self.none()

    def online_since(self, moment):
        """Responses sent through the online form from `moment` on (the per-session submission limit)."""
        return self.filter(channel=Response.Channel.ONLINE, created_at__gte=moment)


class Response(models.Model):
    class Channel(models.TextChoices):
        PAPER = "papier", _("papier (saisie)")
        ONLINE = "en_ligne", _("en ligne")
        IMPORT = "import", _("import de fichier")

    session = models.ForeignKey(
        AwarenessSession, verbose_name=_("séance"), on_delete=models.CASCADE, related_name="responses"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT, related_name="responses"
    )
    sheet_number = models.PositiveIntegerField(_("n° de feuille"))
    channel = models.CharField(_("origine"), max_length=10, choices=Channel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("commentaire"), blank=True)
    # Online responses only: the digest of the one-time token of the form that was sent. Unique, and written in
    # the same transaction as the response, so that the same form sent again (double tap, back button, retry
    # after an error) is recognised whatever happened to the cache, and is never saved twice.
    form_nonce = models.CharField(
        _("empreinte du formulaire en ligne"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ResponseQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["form_nonce"])  # a technical token, not what was answered

    class Meta:
        verbose_name = _("réponse au questionnaire")
        verbose_name_plural = _("réponses au questionnaire")
        ordering = ["session", "sheet_number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sheet_number"], name="sheet_number_unique_per_session")
        ]

    def __str__(self):
        return f"{self.session.reference} – feuille {self.sheet_number}"


class Answer(models.Model):
    """One answered item. A blank is no row at all: never a zero."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(_("valeur"))

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=5), name="answer_value_1_to_5"),
        ]

    def __str__(self):
        return f"{self.item.code} = {self.value}"


class Need(models.Model):
    """A need expressed in a response (free text), categorised later by the national centre."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="needs")
    position = models.PositiveSmallIntegerField(_("rang"))
    text = models.TextField(_("besoin exprimé"))
    category = models.ForeignKey(
        NeedCategory, verbose_name=_("catégorie"), null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    categorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    categorised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("besoin exprimé")
        verbose_name_plural = _("besoins exprimés")
        ordering = ["response", "position"]
        constraints = [models.UniqueConstraint(fields=["response", "position"], name="need_position_unique")]

    def __str__(self):
        return self.text[:60]


class SessionItemSummary(models.Model):
    """Per session and item code: how many answered and the sum of their values (see module docstring)."""

    # No index of its own: the unique constraint's, which starts with the session, serves every lookup by session.
    session = models.ForeignKey(
        AwarenessSession, on_delete=models.CASCADE, related_name="item_summaries", db_index=False
    )
    item_code = models.SlugField(max_length=50)
    answers = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("synthèse par séance et question")
        verbose_name_plural = _("synthèses par séance et question")
        constraints = [models.UniqueConstraint(fields=["session", "item_code"], name="one_summary_per_session_item")]
        indexes = [
            # Covering: a season's bilan reads its sessions' sums from the index alone, looked up by session
            # (evaluation.bilan, HeldSource.where: a national season's items 24 → 12 ms on PostgreSQL). Key columns,
            # not INCLUDE, which SQLite does not have (it would drop the index, and with a constraint the uniqueness).
            models.Index(fields=["session", "item_code", "answers", "total"], name="item_summary_sums"),
        ]

    def __str__(self):
        return f"{self.session_id} {self.item_code}: {self.answers}"


class SessionSummary(models.Model):
    """Per session: its number of responses and its needs per category, so that a bilan reads one row a session
    (see SessionItemSummary). Maintained with it by `evaluation.responses.refresh_summaries`."""

    session = models.OneToOneField(
        AwarenessSession, primary_key=True, on_delete=models.CASCADE, related_name="response_summary"
    )
    responses = models.PositiveIntegerField(default=0)
    # {category code: number of needs}, "" for those not categorised yet: read with the session's row, no query
    # of its own (categories are data, not columns).
    needs = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("synthèse des réponses d'une séance")
        verbose_name_plural = _("synthèses des réponses par séance")

    def __str__(self):
        return f"{self.session_id}: {self.responses}"


class ResponseChange(models.Model):
    """Who created, corrected or deleted a sheet, and what it held before and after."""

    class Action(models.TextChoices):
        CREATED = "creation", _("création")
        UPDATED = "correction", _("correction")
        DELETED = "suppression", _("suppression")

    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="response_changes")
    response = models.ForeignKey(Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    sheet_number = models.PositiveIntegerField(_("n° de feuille"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("le"), default=timezone.now)
    before = models.JSONField(_("avant"), null=True, blank=True)
    after = models.JSONField(_("après"), null=True, blank=True)

    class Meta:
        verbose_name = _("historique d'une feuille")
        verbose_name_plural = _("historique des feuilles")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} feuille {self.sheet_number}"


class ClientSubmissionQuerySet(models.QuerySet):
    def expired(self, window_seconds: int, now=None):
        return self.filter(created_at__lt=(now or timezone.now()) - timedelta(seconds=window_seconds))


class ClientSubmission(models.Model):
    """One online response saved from a client address, kept only as long as the per-client limit looks back
    (evaluation/online.py). The address is stored as a keyed hash, never raw, and no row points to its response:
    answers stay anonymous. In the database rather than the cache, the limit holds when the cache is cleared or
    full and across several web servers."""

    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="+")
    client = models.CharField(_("client (empreinte de l'adresse)"), max_length=64)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    objects = ClientSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("envoi en ligne récent")
        verbose_name_plural = _("envois en ligne récents")
        indexes = [
            models.Index(fields=["session", "client", "created_at"], name="client_submission_window"),
            models.Index(fields=["created_at"], name="client_submission_created"),
        ]

    def __str__(self):
        return f"{self.session_id} {self.created_at:%Y-%m-%d %H:%M}"


def new_link_token() -> str:
    return secrets.token_urlsafe(18)


class QuestionnaireLink(models.Model):
    """The public, unguessable link of a session's online questionnaire."""

    session = models.OneToOneField(AwarenessSession, on_delete=models.CASCADE, related_name="questionnaire_link")
    token = models.CharField(max_length=40, unique=True, default=new_link_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lien du questionnaire en ligne")
        verbose_name_plural = _("liens des questionnaires en ligne")

    def __str__(self):
        return f"{self.session.reference}"

    @property
    def opens_on(self):
        return self.session.date

    @property
    def closes_on(self):
        return self.session.date + timedelta(days=settings.QUESTIONNAIRE_LINK_DAYS)

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.session.accepts_questionnaires and self.opens_on <= today <= self.closes_on


class BilanEditionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Editions are aggregates: everyone logged in sees national and territorial ones; a CLSM's edition
        is for its coordinators and the national level. Which version each reads: BilanEdition.hides_small_for."""
        if not user.is_authenticated:
            return self.none()
        if user.is_national_staff or user.is_funder:
            return self
        own = list(user.clsms.values_list("name", flat=True))
        return self.filter(models.Q(clsm_name="") | models.Q(clsm_name__in=own))


class BilanEdition(models.Model):
    """An official, published bilan of a scope: the PDF and the JSON as they were, with the data they came from.
    A later correction publishes a new edition; earlier ones stay downloadable.

    Publishing creates it « en préparation » at once; the worker (`evaluation.tasks.prepare_edition`) computes
    the figures, renders both PDFs and marks it « prête ». At most one edition of a scope is in preparation."""

    class State(models.TextChoices):
        PREPARING = "en_preparation", _("en préparation")
        READY = "prete", _("prête")
        FAILED = "echouee", _("échouée")

    # Steps of the preparation, with the progress (%) shown while it runs.
    STEPS = {"queued": 0, "figures": 10, "pdf": 40, "pdf_funder": 70, "done": 100}

    scope_key = models.CharField(_("périmètre (clé)"), max_length=300, db_index=True)
    scope_params = models.JSONField(_("paramètres du périmètre"))
    label = models.CharField(_("périmètre"), max_length=300)
    clsm_name = models.CharField(_("CLSM"), max_length=200, blank=True)
    number = models.PositiveIntegerField(_("édition n°"))
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.READY)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=100)
    error = models.TextField(_("erreur"), blank=True)
    published_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    ready_at = models.DateTimeField(_("prête le"), null=True, blank=True)
    notified_at = models.DateTimeField(_("coordinateur·rices prévenu·es le"), null=True, blank=True)
    data = models.JSONField(_("données (JSON du bilan)"), null=True, blank=True)
    data_fingerprint = models.CharField(_("empreinte des données"), max_length=64, blank=True)
    pdf = models.BinaryField(_("PDF"), default=b"")
    pdf_funder = models.BinaryField(_("PDF pour les financeurs"), default=b"")

    objects = BilanEditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("édition de bilan")
        verbose_name_plural = _("éditions de bilans")
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "number"], name="edition_number_unique_per_scope"),
            # A double click, or two chargées publishing the same scope, never prepares two editions.
            models.UniqueConstraint(
                fields=["scope_key"], condition=models.Q(state="en_preparation"), name="one_edition_in_preparation"
            ),
        ]

    def __str__(self):
        return f"{self.label} – édition {self.number}"

    def hides_small_for(self, user) -> bool:
        """Whether `user` reads the funder's version (small numbers hidden): everyone but the national centre, and
        but the coordinators of the edition's own CLSM. A coordinator reading a national or territorial edition
        reads other CLSMs' figures, which their own bilan never shows them: the hidden version, as the funder."""
        return not (user.is_national_staff or (self.clsm_name and user.is_coordinator))

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY

    @property
    def is_preparing(self) -> bool:
        return self.state == self.State.PREPARING


class BilanDocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A document is shared by everyone who would get the same file: national staff the full one, funders
        the one with small numbers hidden and no free text, a coordinator the full one of their own CLSM."""
        if not user.is_authenticated:
            return self.none()
        if user.is_national_staff:
            return self.filter(hide_small=False)
        if user.is_funder:
            return self.filter(hide_small=True, free_text=False)
        own = list(user.clsms.values_list("name", flat=True))
        # A coordinator's document of all their CLSM at once names none of them: it is theirs by who asked.
        return self.filter(
            models.Q(clsm_name__in=own) | models.Q(clsm_name="", requested_by=user), hide_small=False, free_text=False
        ).exclude(kind="responses")


class BilanDocument(models.Model):
    """A bilan document of a large scope, made by the worker (`evaluation.documents`) and kept for the scope and
    the version of the data it was made from: asked again before the data changes, it is served at once."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("rapport PDF")
        XLSX = "xlsx", _("tableaux (XLSX)")
        RESPONSES = "responses", _("réponses anonymisées (XLSX)")

    State = BilanEdition.State
    STEPS = {"queued": 0, "figures": 20, "rendering": 50, "done": 100}

    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    scope_key = models.CharField(_("périmètre (clé)"), max_length=300)
    label = models.CharField(_("périmètre"), max_length=300)
    clsm_name = models.CharField(_("CLSM"), max_length=200, blank=True)
    hide_small = models.BooleanField(_("petits effectifs masqués"))
    free_text = models.BooleanField(_("avec les textes libres"))
    data_version = models.CharField(_("version des données"), max_length=64)
    filename = models.CharField(_("nom du fichier"), max_length=200)
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.PREPARING)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    content = models.BinaryField(_("contenu"), default=b"")
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    ready_at = models.DateTimeField(_("prêt le"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = BilanDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document de bilan")
        verbose_name_plural = _("documents de bilans")
        constraints = [
            # Two people asking for the same file at the same moment share one task.
            models.UniqueConstraint(
                fields=["kind", "scope_key", "hide_small", "free_text", "data_version"], name="one_document_per_version"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.label}"

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY

    @property
    def is_preparing(self) -> bool:
        return self.state == self.State.PREPARING

    @property
    def content_type(self) -> str:
        if self.kind == self.Kind.PDF:
            return "application/pdf"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Effect(models.Model):
    """What can happen in a territory after a session (the programme's « effets », seed 001)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("intitulé"), max_length=200)
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("effet")
        verbose_name_plural = _("effets")
        ordering = ["order"]

    def __str__(self):
        return self.label


class FollowUpQuerySet(CLSMScopedQuerySet):
    clsm_path = "session__clsm"

    def answered(self):
        return self.filter(answered_at__isnull=False)

    def due(self, today=None):
        return self.filter(answered_at__isnull=True, due_on__lte=today or timezone.localdate())


class FollowUp(models.Model):
    """Some months after a held session, its coordinator says what happened since (checklist and free text)."""

    session = models.OneToOneField(AwarenessSession, on_delete=models.CASCADE, related_name="followup")
    due_on = models.DateField(_("à renseigner à partir du"))
    reminded_at = models.DateTimeField(_("relance envoyée le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("renseigné le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    effects = models.ManyToManyField(Effect, verbose_name=_("effets constatés"), blank=True, related_name="followups")
    comment = models.TextField(_("ce qui s'est passé depuis la séance"), blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("suivi des effets")
        verbose_name_plural = _("suivis des effets")
        ordering = ["due_on"]

    def __str__(self):
        return f"Suivi {self.session.reference}"

    def figure_seasons(self) -> set[str]:
        """The season of its session, whose bilan counts the follow-up's effects."""
        return set(AwarenessSession.objects.filter(pk=self.session_id).values_list("season", flat=True))
