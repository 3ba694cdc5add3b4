"""The sign-in sheet of a session: printed blank as a PDF, then typed back at keyboard speed.

Participants' names and e-mails are personal data: they appear on the entry screen only, which the
national centre and the session's CLSM coordinators alone can open (the funder gets 403, other CLSM 404).
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import STAFF_ROLES, role_required, session_work_required
from accounts.models import Role
from sessions_app.access import get_session_for_user
from sessions_app.calendar import format_time
from sessions_app.forms_participants import ParticipantFormSet, numbered_profiles
from sessions_app.models import AwarenessSession, Structure, lock_sessions
from smdq.downloads import attach

# Rows of one printed page of the sign-in sheet; more pages when more participants are expected.
SHEET_ROWS_PER_PAGE = 20
SHEET_MAX_PAGES = 10
AUTOCOMPLETE_LIMIT = 20
# Sessions whose participants can be typed: the ones that took place (or are about to).
ENTRY_STATUSES = (AwarenessSession.Status.CONFIRMED, AwarenessSession.Status.HELD)


def _retention_months() -> int:
    return getattr(settings, "PERSONAL_DATA_RETENTION_MONTHS", 24)


def _end_time(session):
    return (datetime.combine(session.date, session.start_time) + timedelta(minutes=session.duration_minutes)).time()


def sheet_pages(session) -> list[range]:
    """The printed lines, page by page: 1-20, then 21-40… as many pages as the expected attendance needs."""
    expected = max(session.expected_attendance or 0, session.actual_attendance or 0)
    pages = min(SHEET_MAX_PAGES, max(1, math.ceil(expected / SHEET_ROWS_PER_PAGE)))
    return [range(page * SHEET_ROWS_PER_PAGE + 1, (page + 1) * SHEET_ROWS_PER_PAGE + 1) for page in range(pages)]


def sign_in_sheet_context(session) -> dict:
    return {
        "session": session,
        "clsm": session.clsm,
        "qpvs": list(session.qpvs.order_by("code")),
        "start": format_time(session.start_time),
        "end": format_time(_end_time(session)),
        "pages": sheet_pages(session),
        "profiles": numbered_profiles(),
        "retention_months": _retention_months(),
    }


@require_safe
@session_work_required
def sign_in_sheet(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    from smdq.pdf import render_pdf  # WeasyPrint loads when a PDF is asked for, not at start-up

    pdf = render_pdf("sessions_app/pdf/sign_in_sheet.html", sign_in_sheet_context(session), request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    return attach(response, f"emargement-{session.reference}.pdf", inline=True)


def _closed_message(session) -> str | None:
    if session.status in ENTRY_STATUSES:
        return None
    return _(
        "La séance est « %(status)s » : ses participant·es ne peuvent être saisi·es qu'une fois la séance "
        "confirmée ou réalisée."
    ) % {"status": session.get_status_display()}


def _attendance(session) -> tuple[int | None, str]:
    if session.actual_attendance is not None:
        return session.actual_attendance, _("présent·es")
    if session.expected_attendance is not None:
        return session.expected_attendance, _("attendu·es (présent·es non renseigné·es)")
    return None, ""


STALE_SHEET_MESSAGE = gettext_lazy(
    "Rien n'a été enregistré : la feuille a changé depuis l'ouverture de ce formulaire (envoyé deux fois, ou "
    "feuille enregistrée entre-temps ailleurs). La voici telle qu'elle est : refaites les changements qui y manquent."
)


def _see_other(url: str) -> HttpResponseRedirect:
    """303: after a POST the browser GETs the page again, and reloading it never posts the sheet twice."""
    return HttpResponseRedirect(url, status=303)


def _saved_message(result) -> str:
    text = ngettext(
        "Feuille d'émargement enregistrée : %(total)d participant·e",
        "Feuille d'émargement enregistrée : %(total)d participant·es",
        result.total,
    ) % {"total": result.total}
    details = []
    if result.created:
        details.append(ngettext("%(n)d ajout", "%(n)d ajouts", result.created) % {"n": result.created})
    if result.updated:
        details.append(ngettext("%(n)d modification", "%(n)d modifications", result.updated) % {"n": result.updated})
    if result.deleted:
        details.append(ngettext("%(n)d suppression", "%(n)d suppressions", result.deleted) % {"n": result.deleted})
    if details:
        text += " (" + ", ".join(details) + ")"
    return text + "."


@require_http_methods(["GET", "HEAD", "POST"])
@session_work_required
def participant_entry(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    closed = _closed_message(session)
    attendance, attendance_label = _attendance(session)
    formset = None
    here = reverse("sessions_app:participant_entry", args=[session.pk])
    if closed is None and request.method == "POST":
        with transaction.atomic():
            lock_sessions([session.pk])  # one writer of the sheet at a time: its state below is the one saved on
            formset = ParticipantFormSet(request.POST, session=session, attendance=attendance)
            if formset.is_stale():
                messages.warning(request, STALE_SHEET_MESSAGE)
                return _see_other(here)
            if formset.is_valid():
                messages.success(request, _saved_message(formset.save_sheet()))
                return _see_other(here)
    elif closed is None:
        formset = ParticipantFormSet(session=session, attendance=attendance)
    elif request.method == "POST":
        messages.error(request, _("Rien n'a été enregistré."))
    saved = list(formset.get_queryset()) if formset is not None else []  # already loaded by the formset
    context = {
        "session": session,
        "qpvs": list(session.qpvs.order_by("code")),
        "closed_message": closed,
        "formset": formset,
        "sheet_state": formset.sheet_state() if formset is not None else "",
        "row_errors": formset.row_errors() if formset is not None and formset.is_bound else [],
        "saved_count": len(saved),
        "attendance": attendance,
        "attendance_label": attendance_label,
        "over_attendance": attendance is not None and len(saved) > attendance,
        "progress": min(100, round(100 * len(saved) / attendance)) if attendance else None,
        # The structures already on this sheet are suggested even without JavaScript.
        "sheet_structures": sorted({p.structure.name for p in saved if p.structure}, key=str.casefold),
        "profiles": numbered_profiles(),
        "retention_months": _retention_months(),
    }
    return render(request, "sessions_app/participants/participant_entry.html", context)


@require_safe
@role_required(Role.COORDINATOR, Role.LOCAL_ANIMATOR, *STAFF_ROLES)
def structure_search(request):
    """Suggestions scoped to what the user may see, plus the national list (StructureQuerySet.suggestions)."""
    names = Structure.objects.suggestions(request.user, request.GET.get("q", ""), AUTOCOMPLETE_LIMIT)
    return JsonResponse({"results": [{"value": name, "text": name} for name in names]})
