"""Planning of the awareness sessions: list, month calendar, session page and form, status changes, iCal feed."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import (
    READ_ROLES,
    STAFF_ROLES,
    has_role,
    login_required,
    role_required,
    sees_names,
    sees_session_counts,
    session_work_required,
    staff_required,
)
from accounts.models import Role, User
from sessions_app.access import can_enter_questionnaires, get_session_for_user
from sessions_app.calendar import MonthGrid, build_ical, feed_sessions_for, format_duration, month_label, parse_month
from sessions_app.filters_sessions import AwarenessSessionFilter
from sessions_app.forms_sessions import (
    AwarenessSessionForm,
    SelfRunSessionForm,
    TransitionForm,
    ValidationForm,
    conflict_messages,
)
from sessions_app.models import AwarenessSession, InvalidTransition, SessionRequest
from sessions_app.notifications import SessionEvent, notify_people_changes, notify_session, session_people
from smdq.downloads import attach
from territories.models import QPV, Commune

PAGE_SIZE = 25
# Who has a personal calendar: the people who animate or co-organise sessions.
FEED_ROLES = (Role.COORDINATOR, Role.LOCAL_ANIMATOR, *STAFF_ROLES)
# The e-mail (with its calendar invitation) each status button sends; none for « réalisée ».
ACTION_EVENTS = {
    "confirm": SessionEvent.CONFIRMED,
    "cancel": SessionEvent.CANCELLED,
    "postpone": SessionEvent.POSTPONED,
    "replan": SessionEvent.MOVED,
}
# The status buttons of the session page, in the order they are shown: action → status it leads to.
ACTIONS = (
    ("confirm", AwarenessSession.Status.CONFIRMED),
    ("held", AwarenessSession.Status.HELD),
    ("replan", AwarenessSession.Status.PLANNED),
    ("postpone", AwarenessSession.Status.POSTPONED),
    ("cancel", AwarenessSession.Status.CANCELLED),
)
STATUS_LABELS = dict(AwarenessSession.Status.choices)
VALIDATION_LABELS = dict(AwarenessSession.Validation.choices)


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _base_url(request) -> str:
    """The site's address, for the links of the e-mails."""
    return request.build_absolute_uri("/")


def _warn_outside_perimeter(request, session):
    outside = list(session.qpvs_outside_perimeter().order_by("code").values_list("code", flat=True))
    if outside:
        messages.warning(
            request,
            _(
                "Hors du périmètre du CLSM « %(clsm)s » : %(qpvs)s. La séance est enregistrée ; "
                "vérifiez qu'il ne s'agit pas d'une erreur."
            )
            % {"clsm": session.clsm.name, "qpvs": ", ".join(outside)},
        )


def _warn_commune_outside_qpvs(request, session):
    if session.commune_outside_qpvs():
        communes = ", ".join(session.qpv_communes().order_by("name").values_list("name", flat=True))
        messages.warning(
            request,
            _(
                "La commune « %(commune)s » n'est pas celle des QPV de la séance (%(communes)s). La séance est "
                "enregistrée ; vérifiez la commune."
            )
            % {"commune": session.commune.name, "communes": communes},
        )


@require_safe
@session_work_required
def session_list(request):
    filterset = AwarenessSessionFilter(
        request.GET, queryset=AwarenessSession.objects.visible_to(request.user), request=request
    )
    sessions = (
        filterset.qs.select_related("clsm", "commune")
        .prefetch_related(Prefetch("qpvs", queryset=QPV.objects.order_by("code")))
        .order_by("-date", "-start_time", "-reference")
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "query": _query_without(request, "page"),
        "can_create": has_role(request.user, STAFF_ROLES),
        "can_create_self_run": request.user.is_coordinator and request.user.clsms.exists(),
        "show_counts": sees_session_counts(request.user),
    }
    template = "sessions_app/sessions/_results.html" if request.htmx else "sessions_app/sessions/session_list.html"
    return render(request, template, context)


@require_safe
@session_work_required  # a local animator's: the sessions she animates (the queryset), as in the list
def session_calendar(request):
    month = parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    grid = MonthGrid.for_month(month)
    filterset = AwarenessSessionFilter(
        request.GET, queryset=AwarenessSession.objects.visible_to(request.user), request=request
    )
    sessions = filterset.qs.filter(date__range=(grid.first_day, grid.last_day)).select_related("clsm")
    grid.place(sessions)
    context = {
        "filter": filterset,
        "grid": grid,
        "month_label": month_label(month),
        "month_param": f"{month:%Y-%m}",
        "previous_param": f"{grid.previous_month:%Y-%m}",
        "previous_label": month_label(grid.previous_month),
        "next_param": f"{grid.next_month:%Y-%m}",
        "next_label": month_label(grid.next_month),
        "query": _query_without(request, "month", "page"),
        "has_feed": has_role(request.user, FEED_ROLES),
    }
    return render(request, "sessions_app/sessions/session_calendar.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def session_create(request):
    form = AwarenessSessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.save()
            session.changes.create(to_status=session.status, changed_by=request.user, reason=_("Séance créée"))
            notify_session(session, SessionEvent.CREATED, base_url=_base_url(request), actor=request.user)
        messages.success(request, _("La séance %(reference)s a été créée.") % {"reference": session.reference})
        _warn_outside_perimeter(request, session)
        _warn_commune_outside_qpvs(request, session)
        return redirect("sessions_app:session_detail", pk=session.pk)
    return render(request, "sessions_app/sessions/session_form.html", {"form": form, "session": None})


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR, *STAFF_ROLES)
def self_run_create(request):
    """A coordinator creates a session their territory animates itself: no request, for QPV of their perimeter."""
    if request.user.is_coordinator and not request.user.clsms.exists():
        raise PermissionDenied
    form = SelfRunSessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.create()
            notify_session(session, SessionEvent.CREATED, base_url=_base_url(request), actor=request.user)
        messages.success(
            request,
            _(
                "La séance %(reference)s, animée par le territoire, est créée. Son kit guide la préparation ; ses "
                "chiffres comptent dans le bilan du CLSM dès la saisie, et dans le bilan national une fois validés."
            )
            % {"reference": session.reference},
        )
        return redirect("sessions_app:session_detail", pk=session.pk)
    return render(request, "sessions_app/sessions/self_run_form.html", {"form": form})


@require_safe
@staff_required
def validation_list(request):
    """The national centre's review of the sessions territories ran themselves: held ones waiting first."""
    base = (
        AwarenessSession.objects.filter(mode=AwarenessSession.Mode.TERRITORY)
        .select_related("clsm")
        .annotate(
            participant_rows=Count("participants", distinct=True), response_count=Count("responses", distinct=True)
        )
    )
    show = request.GET.get("etat", AwarenessSession.Validation.PENDING)
    if show not in AwarenessSession.Validation.values or not show:
        show = AwarenessSession.Validation.PENDING
    sessions = base.filter(validation=show)
    if show == AwarenessSession.Validation.PENDING:
        sessions = sessions.held()
    page = Paginator(sessions.order_by("date", "reference"), PAGE_SIZE).get_page(request.GET.get("page"))
    states = [(code, label) for code, label in AwarenessSession.Validation.choices if code]
    context = {"page": page, "show": show, "states": states, "query": f"etat={show}"}
    return render(request, "sessions_app/sessions/validation_list.html", context)


@require_POST
@session_work_required
def session_validation(request, pk):
    """Validate or send back (the national centre), or send again once corrected (the territory)."""
    session = get_session_for_user(request.user, pk, write=True)
    form = ValidationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Action inconnue."))
        return redirect("sessions_app:session_detail", pk=session.pk)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    if action in ("validate", "send_back") and not request.user.is_national_staff:
        raise PermissionDenied
    try:
        with transaction.atomic():
            if action == "validate":
                session.validate(request.user)
            elif action == "send_back":
                session.send_back(request.user, reason)
            else:
                session.resubmit(request.user)
    except InvalidTransition as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Séance %(reference)s : données « %(state)s ».")
            % {"reference": session.reference, "state": session.get_validation_display()},
        )
    if action != "resubmit" and request.POST.get("next") == "list":
        return redirect("sessions_app:validation_list")
    return redirect("sessions_app:session_detail", pk=session.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def session_edit(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    sequence, people_before = session.sequence, {person.pk for person in session_people(session)}
    form = AwarenessSessionForm(request.POST or None, instance=session, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.save()
            if session.sequence != sequence:  # date, time or place changed: a new revision of the invitation
                unchanged = [person for person in session_people(session) if person.pk in people_before]
                notify_session(
                    session, SessionEvent.MOVED, base_url=_base_url(request), actor=request.user, people=unchanged
                )
            notify_people_changes(session, people_before, base_url=_base_url(request), actor=request.user)
        messages.success(request, _("La séance %(reference)s a été mise à jour.") % {"reference": session.reference})
        _warn_outside_perimeter(request, session)
        _warn_commune_outside_qpvs(request, session)
        return redirect("sessions_app:session_detail", pk=session.pk)
    return render(request, "sessions_app/sessions/session_form.html", {"form": form, "session": session})


@require_safe
@session_work_required
def session_detail(request, pk):
    user = request.user
    session = get_session_for_user(user, pk)
    can_edit = AwarenessSession.objects.editable_by(user).filter(pk=session.pk).exists()
    qpvs = (
        session.qpvs.select_related("department__region")
        .prefetch_related(Prefetch("communes", queryset=Commune.objects.order_by("name")))
        .order_by("code")
    )
    outside = set(session.qpvs_outside_perimeter().values_list("pk", flat=True))
    possible = AwarenessSession.TRANSITIONS[session.status] if can_edit else set()
    context = {
        "session": session,
        "qpv_rows": [(qpv, qpv.pk in outside) for qpv in qpvs],
        # None: not shown to this user (the funder), which the page says instead of a list.
        "animators": list(session.animators.order_by("last_name", "first_name")) if sees_names(user) else None,
        "duration": format_duration(session.duration_minutes),
        "can_edit": can_edit,
        # Names and e-mails of coordinators and of who changed a status: the centre and the CLSM's team only.
        "show_people": can_edit,
        # The CLSM's page is for the roles that read the programme (login_required), not a local animator's.
        "clsm_url": reverse("territories:clsm_detail", args=[session.clsm_id]) if has_role(user, READ_ROLES) else "",
        # Reasons of a cancellation or postponement are free text: never for the funder (aggregates only).
        "show_reasons": not user.is_funder,
        "request_visible": bool(
            session.request_id and SessionRequest.objects.visible_to(user).filter(pk=session.request_id).exists()
        ),
        "changes": [
            (
                change,
                STATUS_LABELS.get(change.from_status, change.from_status),
                STATUS_LABELS.get(change.to_status, change.to_status),
            )
            for change in session.changes.select_related("changed_by")
        ],
        "show_counts": sees_session_counts(user),
        "participants_count": session.participants.count(),
        "responses_count": session.responses.count(),
        "can_link_questionnaire": can_edit and session.accepts_questionnaires,
        "can_enter_questionnaires": can_enter_questionnaires(user, session) and session.accepts_questionnaires,
        "can_see_history": user.is_national_staff,
        # A local animator works on the sheets of the session; its planning stays with the coordinator.
        "can_change_session": can_edit and not user.is_local_animator,
        "actions": [action for action, status in ACTIONS if status in possible and not user.is_local_animator],
        "validation_changes": [
            (
                change,
                VALIDATION_LABELS.get(change.from_status, change.from_status),
                VALIDATION_LABELS.get(change.to_status, change.to_status),
            )
            for change in session.validation_changes.select_related("changed_by")
        ]
        if session.is_self_run and can_edit
        else [],
        "can_validate": session.is_self_run and user.is_national_staff,
        "can_resubmit": session.is_self_run and can_edit and session.validation == AwarenessSession.Validation.RETURNED,
        "held_allowed_today": session.date <= timezone.localdate(),
    }
    return render(request, "sessions_app/sessions/session_detail.html", context)


@require_POST
@login_required
def session_transition(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("sessions_app:session_detail", pk=session.pk)
    data, user = form.cleaned_data, request.user
    try:
        # The model methods write before they refuse in two cases (attendance, new date): all or nothing.
        with transaction.atomic():
            match data["action"]:
                case "confirm":
                    session.confirm(user)
                case "held":
                    session.mark_held(user, actual_attendance=data["actual_attendance"])
                case "cancel":
                    session.cancel(user, data["reason"])
                case "postpone":
                    session.postpone(user, data["reason"])
                case "replan":
                    if session.status == AwarenessSession.Status.POSTPONED:
                        clashes = conflict_messages(
                            session,
                            session.animators.all(),
                            day=data["new_date"],
                            start=data["new_time"] or session.start_time,
                            duration=session.duration_minutes,
                        )
                        if clashes:
                            raise InvalidTransition(" ".join(clashes))
                    session.replan(user, data["new_date"], data["new_time"])
    except InvalidTransition as error:
        messages.error(request, " ".join(error.messages))
    else:
        if data["action"] in ACTION_EVENTS:
            notify_session(
                session,
                ACTION_EVENTS[data["action"]],
                base_url=_base_url(request),
                reason=data["reason"] if data["action"] in ("cancel", "postpone") else "",
                actor=user,
            )
        messages.success(
            request,
            _("La séance %(reference)s est désormais « %(status)s ».")
            % {"reference": session.reference, "status": session.get_status_display()},
        )
    return redirect("sessions_app:session_detail", pk=session.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*FEED_ROLES)
def calendar_feed_settings(request):
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            user.calendar_token = ""
            user.save(update_fields=["calendar_token"])
            messages.success(request, _("Votre lien d'agenda est désactivé : l'ancienne adresse ne fonctionne plus."))
        else:
            had_token = bool(user.calendar_token)
            user.rotate_calendar_token()
            if had_token:
                messages.success(
                    request,
                    _(
                        "Un nouveau lien a été créé : l'ancienne adresse ne fonctionne plus, "
                        "remplacez-la dans votre agenda."
                    ),
                )
            else:
                messages.success(request, _("Votre lien d'agenda personnel a été créé."))
        return redirect("sessions_app:calendar_feed_settings")
    feed_url = ""
    if user.calendar_token:
        feed_url = request.build_absolute_uri(reverse("sessions_app:calendar_feed", args=[user.calendar_token]))
    context = {"feed_url": feed_url, "covers_clsm": user.is_coordinator}
    return render(request, "sessions_app/sessions/feed_settings.html", context)


@require_safe
def calendar_feed(request, token):
    """Public on purpose (calendar applications do not log in): the secret token is the key."""
    if not token:
        raise Http404
    user = get_object_or_404(User, calendar_token=token, is_active=True)
    if not has_role(user, FEED_ROLES):
        raise Http404
    content = build_ical(
        feed_sessions_for(user),
        calendar_name=_("Séances – %(name)s") % {"name": user},
        detail_url=lambda s: request.build_absolute_uri(reverse("sessions_app:session_detail", args=[s.pk])),
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    attach(response, "seances.ics", inline=True)
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
