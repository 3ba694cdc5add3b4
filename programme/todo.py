"""What is waiting for the national centre, and for a coordinator, on their home page.

Each item is a count and a link to the list it summarises; each count is one query (or two), whatever the size of
the data, so the home page costs the same on a national database (tested). The session lists behind the counts that
span floors (sessions, their responses, their questionnaire link) are served by `programme.views.todo_sessions`."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, F, IntegerField, OuterRef
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from evaluation.models import FollowUp, Need, QuestionnaireLink
from evaluation.reminders import with_sheet_counts
from programme.privacy import purge_personal_data
from sessions_app.models import AwarenessSession, Participant, SessionRequest
from territories.models import ContactRequest, Invitation

NEXT_WEEK_DAYS = 7
# The coordinator's reminders of sign-in sheets look this far back: older ones are the centre's business.
SIGN_IN_SHEET_DAYS = 60


@dataclass
class Todo:
    key: str
    label: str
    count: int
    url: str
    hint: str = ""


# The session lists --------------------------------------------------------------------------------------------


def sessions_to_close(today: date):
    """Past their date and still planned or confirmed: held or not, someone must say."""
    return AwarenessSession.objects.filter(
        status__in=[AwarenessSession.Status.PLANNED, AwarenessSession.Status.CONFIRMED], date__lt=today
    )


def sessions_with_sheets_missing(today: date):
    """Held sessions with fewer responses entered than participants (the sign-in sheet, or the attendance)."""
    return (
        with_sheet_counts(AwarenessSession.objects.held())
        .annotate(
            expected=Greatest(
                "participant_count",
                Coalesce("actual_attendance", 0, output_field=IntegerField()),
                output_field=IntegerField(),
            )
        )
        .filter(response_count__lt=F("expected"))
    )


def sessions_without_questionnaire_link(today: date):
    """Sessions of the coming week that will take place, without the questionnaire link their poster needs."""
    return (
        AwarenessSession.objects.active()
        .filter(date__gte=today, date__lte=today + timedelta(days=NEXT_WEEK_DAYS))
        .exclude(Exists(QuestionnaireLink.objects.filter(session=OuterRef("pk"))))
    )


SESSION_LISTS = {
    "seances-a-cloturer": (_("Séances passées, ni réalisées ni annulées"), sessions_to_close),
    "feuilles-a-saisir": (_("Séances réalisées avec des questionnaires à saisir"), sessions_with_sheets_missing),
    "sans-questionnaire": (
        _("Séances des 7 prochains jours sans lien de questionnaire en ligne"),
        sessions_without_questionnaire_link,
    ),
}


def _session_list_url(key: str) -> str:
    return reverse("todo_sessions", args=[key])


# The national centre ------------------------------------------------------------------------------------------


def staff_todos(today: date | None = None) -> list[Todo]:
    today = today or timezone.localdate()
    todos = []
    open_requests = SessionRequest.objects.open()
    oldest = open_requests.order_by("requested_on", "pk").values_list("reference", "requested_on").first()
    hint = ""
    if oldest:
        days = (today - oldest[1]).days
        hint = ngettext(
            "la plus ancienne : %(reference)s, reçue il y a %(days)s jour",
            "la plus ancienne : %(reference)s, reçue il y a %(days)s jours",
            days,
        ) % {"reference": oldest[0], "days": days}
    todos.append(
        Todo(
            "requests",
            _("Sollicitations à traiter"),
            open_requests.count(),
            reverse("sessions_app:request_list") + "?status=ouvertes",
            hint,
        )
    )
    todos.append(
        Todo(
            "validation",
            _("Séances des territoires à valider"),
            AwarenessSession.objects.awaiting_review().count(),
            reverse("sessions_app:validation_list"),
            _("réalisées par les territoires eux-mêmes : elles comptent au national une fois validées"),
        )
    )
    for key, (label, queryset) in SESSION_LISTS.items():
        todos.append(Todo(key, label, queryset(today).count(), _session_list_url(key)))
    todos.append(
        Todo(
            "needs",
            _("Besoins exprimés à catégoriser"),
            Need.objects.filter(category__isnull=True).count(),
            reverse("evaluation:needs_categorise"),
        )
    )
    todos.append(
        Todo(
            "followups",
            _("Suivis des effets en retard"),
            FollowUp.objects.due(today).filter(reminded_at__isnull=False).count(),
            reverse("evaluation:followup_list") + "?state=a_renseigner",
            _("relancés au moins une fois, toujours sans réponse"),
        )
    )
    purge = purge_personal_data(today=today)
    todos.append(
        Todo(
            "personal_data",
            _("Données personnelles à effacer"),
            purge.participants + purge.comments,
            reverse("personal_data"),
            _("%(participants)s, %(comments)s, effacés chaque nuit")
            % {
                "participants": ngettext(
                    "nom de %(n)s participant·e", "noms de %(n)s participant·es", purge.participants
                )
                % {"n": purge.participants},
                "comments": ngettext("%(n)s commentaire libre", "%(n)s commentaires libres", purge.comments)
                % {"n": purge.comments},
            },
        )
    )
    todos.append(
        Todo(
            "contacts",
            _("Demandes de contact de nouveaux CLSM"),
            ContactRequest.objects.waiting().count(),
            reverse("territories:contact_request_list"),
        )
    )
    todos.append(
        Todo(
            "invitations",
            _("Invitations en attente"),
            Invitation.objects.pending().count(),
            reverse("territories:coordinator_list") + "#invitations",
        )
    )
    return todos


# A coordinator ------------------------------------------------------------------------------------------------


@dataclass
class CoordinatorTodo:
    next_session: AwarenessSession | None
    next_session_link: bool  # has its questionnaire link (poster, printable questionnaire)
    kits: list  # sessions of the coming week: the kit to print
    sign_in_sheets: list  # held sessions of the last weeks whose sign-in sheet is not typed


def coordinator_todo(user, today: date | None = None) -> CoordinatorTodo:
    today = today or timezone.localdate()
    mine = AwarenessSession.objects.filter(clsm__coordinators=user)
    has_link = Exists(QuestionnaireLink.objects.filter(session=OuterRef("pk")))
    coming = list(
        mine.active()
        .filter(date__gte=today, date__lte=today + timedelta(days=NEXT_WEEK_DAYS))
        .annotate(has_link=has_link)
        .select_related("clsm", "commune")
        .order_by("date", "start_time")
    )
    next_session = (
        coming[0]
        if coming
        else mine.active()
        .filter(date__gte=today)
        .annotate(has_link=has_link)
        .select_related("clsm", "commune")
        .order_by("date", "start_time")
        .first()
    )
    sheets = list(
        mine.held()
        .filter(date__gte=today - timedelta(days=SIGN_IN_SHEET_DAYS))
        .exclude(Exists(Participant.objects.filter(session=OuterRef("pk"))))
        .select_related("clsm")
        .order_by("date")
    )
    return CoordinatorTodo(
        next_session=next_session,
        next_session_link=bool(next_session and next_session.has_link),
        kits=coming,
        sign_in_sheets=sheets,
    )
