"""Follow-up of effects: the list of follow-ups and the coordinator's answer (see evaluation/followup.py)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import STAFF_ROLES, role_required
from accounts.models import Role
from evaluation.followup import get_followup_for_user, kit_proposal_url
from evaluation.forms_followup import FollowUpFilter, FollowUpForm, FollowUpState
from evaluation.models import FollowUp

PAGE_SIZE = 25
# The follow-up is the CLSM's coordinators' to give, and the national centre's to read and help with; the funder
# reads the effects counted in the bilan, never a coordinator's account of their territory.
followup_roles_required = role_required(Role.COORDINATOR, *STAFF_ROLES)


def _state_of(followup, today) -> str:
    if followup.answered_at:
        return FollowUpState.ANSWERED
    return FollowUpState.DUE if followup.due_on <= today else FollowUpState.UPCOMING


@require_safe
@followup_roles_required
def followup_list(request):
    user, today = request.user, timezone.localdate()
    visible = FollowUp.objects.visible_to(user)
    filterset = FollowUpFilter(request.GET, queryset=visible, request=request, today=today)
    # Due first (oldest first), then upcoming (soonest first), then answered (latest session first).
    followups = (
        filterset.qs.select_related("session__clsm", "answered_by")
        .annotate(
            effect_count=Count("effects", distinct=True),
            group=Case(
                When(answered_at__isnull=False, then=Value(2)),
                When(due_on__gt=today, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            pending_due_on=Case(When(answered_at__isnull=True, then=F("due_on"))),
        )
        .order_by("group", F("pending_due_on").asc(nulls_last=True), "-due_on", "session__reference")
    )
    page = Paginator(followups, PAGE_SIZE).get_page(request.GET.get("page"))
    editable = set(
        FollowUp.objects.editable_by(user).filter(pk__in=[f.pk for f in page.object_list]).values_list("pk", flat=True)
    )
    rows = [(f, _state_of(f, today), f.pk in editable) for f in page.object_list]
    totals = visible.aggregate(
        due=Count("pk", filter=Q(answered_at__isnull=True, due_on__lte=today)),
        upcoming=Count("pk", filter=Q(answered_at__isnull=True, due_on__gt=today)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "totals": totals,
        "query": query.urlencode(),
        "months": settings.FOLLOWUP_MONTHS,
    }
    template = "evaluation/followup/_results.html" if request.htmx else "evaluation/followup/followup_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "HEAD", "POST"])
@followup_roles_required
def followup_answer(request, pk):
    followup = get_followup_for_user(request.user, pk, write=True)
    session = followup.session
    form = FollowUpForm(request.POST or None, instance=followup)
    if request.method == "POST" and form.is_valid():
        form.save_answer(request.user)
        messages.success(
            request,
            _("Merci : le suivi de la séance %(reference)s est enregistré et compte dans le bilan du programme.")
            % {"reference": session.reference},
        )
        return redirect("evaluation:followup_list")
    context = {
        "followup": followup,
        "session": session,
        "clsm": session.clsm,
        "qpvs": session.qpvs.order_by("code"),
        "form": form,
        "state": _state_of(followup, timezone.localdate()),
        "answered_by": followup.answered_by if followup.answered_at else None,
        "kit_url": kit_proposal_url(),
        "months": settings.FOLLOWUP_MONTHS,
    }
    return render(request, "evaluation/followup/followup_answer.html", context)
