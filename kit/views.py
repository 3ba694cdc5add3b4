from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import STAFF_ROLES, has_role, login_required, role_required, session_work_required, staff_required
from accounts.models import Role
from evaluation.reminders import sheets_to_type, with_sheet_counts
from kit import emails
from kit.access import get_sheet_for_user
from kit.filters import CatalogueFilter, facets
from kit.forms import DRAFT, SUBMIT, ActionSheetForm, action_from
from kit.models import ActionSheet, InvalidTransition, Resource
from sessions_app import checklist
from sessions_app.access import can_enter_questionnaires, get_session_for_user
from sessions_app.models import AwarenessSession

PAGE_SIZE = 20
PROPOSER_ROLES = (Role.COORDINATOR, *STAFF_ROLES)

proposer_required = role_required(*PROPOSER_ROLES)


@require_safe
def catalogue(request):
    """Public: anyone, logged in or not, reads the published sheets."""
    base = ActionSheet.objects.published()
    filterset = CatalogueFilter(request.GET, queryset=base)
    results = filterset.qs
    if not request.GET.get("q", "").strip():
        results = results.order_by("title")
    page = Paginator(
        results.select_related("department", "region").prefetch_related("project_types"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "facets": facets(filterset),
        "page": page,
        "query": query.urlencode(),
        "filtered": any(value.strip() for name in query for value in query.getlist(name)),
        "can_propose": has_role(request.user, PROPOSER_ROLES),
        "can_review": has_role(request.user, STAFF_ROLES),
    }
    template = "kit/includes/catalogue_body.html" if request.htmx else "kit/catalogue.html"
    return render(request, template, context)


@require_safe
def sheet_detail(request, slug):
    """Public for a published sheet; a proposal is seen by its author and the national centre only."""
    sheet = get_sheet_for_user(request.user, slug)
    context = {
        "sheet": sheet,
        "communes": sheet.communes.order_by("name"),
        "project_types": sheet.project_types.all(),
        "determinants": sheet.determinants.all(),
        "can_edit": ActionSheet.objects.editable_by(request.user).filter(pk=sheet.pk).exists(),
        "can_review": has_role(request.user, STAFF_ROLES) and sheet.status == ActionSheet.Status.SUBMITTED,
    }
    return render(request, "kit/sheet_detail.html", context)


def _save(request, form, sheet_before_status):
    """Saves the form, moves the status the pressed button asks for, and tells who needs to know."""
    sheet = form.save(commit=False)
    if sheet.proposed_by_id is None:
        sheet.proposed_by = request.user
    if form.action == DRAFT and sheet.pk is None:
        sheet.status = ActionSheet.Status.DRAFT
    sheet.save()
    form.save_m2m()
    if form.action == SUBMIT:
        sheet.submit()
        emails.notify_submitted(request, sheet)
        messages.success(
            request,
            _("La fiche « %(title)s » est soumise : le centre national va la relire avant de la publier.")
            % {"title": sheet.title},
        )
    elif sheet_before_status is None:
        messages.success(request, _("Le brouillon « %(title)s » est enregistré.") % {"title": sheet.title})
    else:
        messages.success(request, _("La fiche « %(title)s » est enregistrée.") % {"title": sheet.title})
    return sheet


@require_http_methods(["GET", "HEAD", "POST"])
@proposer_required
def propose(request):
    action = action_from(request.POST, None) if request.method == "POST" else SUBMIT
    form = ActionSheetForm(request.POST or None, user=request.user, action=action)
    if request.method == "POST" and form.is_valid():
        sheet = _save(request, form, None)
        return redirect(sheet)
    return render(request, "kit/sheet_form.html", {"form": form, "sheet": None})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def sheet_edit(request, slug):
    # The sheet decides: someone else's proposal is 404, a sheet one may read but not change is 403.
    sheet = get_sheet_for_user(request.user, slug, write=True)
    action = action_from(request.POST, sheet) if request.method == "POST" else SUBMIT
    form = ActionSheetForm(request.POST or None, instance=sheet, user=request.user, action=action)
    if request.method == "POST" and form.is_valid():
        sheet = _save(request, form, sheet.status)
        return redirect(sheet)
    return render(request, "kit/sheet_form.html", {"form": form, "sheet": sheet})


@require_safe
@proposer_required
def my_sheets(request):
    sheets = ActionSheet.objects.filter(proposed_by=request.user).order_by("-updated_at")
    editable = set(
        ActionSheet.objects.editable_by(request.user).filter(proposed_by=request.user).values_list("pk", flat=True)
    )
    rows = [(sheet, sheet.pk in editable) for sheet in sheets]
    return render(request, "kit/my_sheets.html", {"rows": rows})


@require_safe
@staff_required
def review_queue(request):
    pending = (
        ActionSheet.objects.exclude(status=ActionSheet.Status.PUBLISHED)
        .select_related("proposed_by", "clsm", "department")
        .order_by("updated_at")
    )
    groups = [
        (_("À relire"), [s for s in pending if s.status == ActionSheet.Status.SUBMITTED]),
        (_("Modifications demandées"), [s for s in pending if s.status == ActionSheet.Status.CHANGES_REQUESTED]),
        (_("Brouillons"), [s for s in pending if s.status == ActionSheet.Status.DRAFT]),
    ]
    return render(request, "kit/review_queue.html", {"groups": groups})


@require_POST
@staff_required
def review(request, slug):
    sheet = get_sheet_for_user(request.user, slug)
    decision = request.POST.get("decision")
    try:
        if decision == "publier":
            sheet.publish()
            emails.notify_published(request, sheet)
            messages.success(request, _("La fiche « %(title)s » est publiée.") % {"title": sheet.title})
        elif decision == "modifier":
            sheet.request_changes(request.POST.get("comment", ""))
            emails.notify_changes_requested(request, sheet)
            messages.success(
                request,
                _("Les modifications demandées ont été envoyées à l'auteur·rice de « %(title)s ».")
                % {"title": sheet.title},
            )
        else:
            messages.error(request, _("Choisissez de publier la fiche ou de demander des modifications."))
    except InvalidTransition as error:
        messages.error(request, " ".join(error.messages))
    return redirect(sheet)


# The guided kit of one session -------------------------------------------------------------------------------

LINK_LABELS = {
    "evaluation:poster_pdf": _("Affiche avec QR code (PDF)"),
    "evaluation:paper_questionnaire_pdf": _("Questionnaire papier à imprimer (PDF)"),
    "sessions_app:sign_in_sheet": _("Feuille d'émargement (PDF)"),
    "evaluation:link_page": _("Lien et QR code du questionnaire en ligne"),
    "sessions_app:session_detail": _("Page de la séance"),
    "sessions_app:participant_entry": _("Saisir les participant·es"),
    "evaluation:paper_entry": _("Saisir les questionnaires papier"),
    "evaluation:followup_list": _("Suivis des effets"),
    "resources": _("Supports d'animation du kit"),
}


def _may_open(user, session, name: str) -> bool:
    """Whether the step's link leads somewhere for `user` (the page itself checks again)."""
    if name in ("evaluation:poster_pdf", "evaluation:paper_questionnaire_pdf"):
        return session.accepts_questionnaires
    if name == "evaluation:paper_entry":
        return session.accepts_questionnaires and can_enter_questionnaires(user, session)
    if name == "evaluation:followup_list":
        return not user.is_local_animator
    return True


def _done(step, session, counts) -> bool | None:
    """What the data already tells about a step (None: nothing to tell, the person ticks it in their head)."""
    if step.code == "held":
        return session.status == session.Status.HELD
    if step.code == "participants":
        return counts.participant_count > 0
    if step.code == "sheets":
        return counts.response_count > 0 and sheets_to_type(counts) == 0
    if step.code == "followup":
        followup = getattr(session, "followup", None)
        return bool(followup and followup.answered_at)
    return None


@require_safe
@session_work_required
def session_kit(request, pk):
    """The guided kit of a session: before / during / after, each step with its date, what is done, and the links to
    the kit's animation material and the session's generated documents."""
    session = get_session_for_user(request.user, pk, write=True)
    counts = with_sheet_counts(AwarenessSession.objects.filter(pk=session.pk)).get()
    rows = []
    for phase, title in checklist.PHASES:
        steps = []
        for step in checklist.STEPS:
            if step.phase != phase:
                continue
            links = []
            for name in step.links:
                if not _may_open(request.user, session, name):
                    continue
                if name == "resources":
                    url = reverse("kit:resource_list")
                elif name == "evaluation:followup_list":
                    url = reverse(name)
                else:
                    url = reverse(name, args=[session.pk])
                links.append((LINK_LABELS[name], url))
            steps.append(
                {
                    "step": step,
                    "due_on": step.due_on(session.date),
                    "done": _done(step, session, counts),
                    "links": links,
                }
            )
        rows.append((phase, title, steps))
    context = {
        "session": session,
        "phases": rows,
        "material": Resource.objects.visible_to(request.user).filter(kind=Resource.Kind.ANIMATION).order_by("title"),
        "today": timezone.localdate(),
    }
    return render(request, "kit/session_kit.html", context)
