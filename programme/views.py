"""The pages of the top floor: each role's home page, and what personal data remains."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.access import login_required, staff_required
from accounts.models import Role
from evaluation.followup import due_followups_for
from programme.privacy import inventory
from programme.todo import SESSION_LISTS, coordinator_todo, staff_todos
from sessions_app.models import AwarenessSession, SessionRequest
from smdq.retention import retention_limit
from territories.models import CLSM, QPV, Department, Region


@require_safe
@login_required
def home(request):
    user = request.user
    clsms = CLSM.objects.visible_to(user)
    context = {"role_label": Role(user.role).label if user.role in Role.values else ""}
    today = timezone.localdate()
    upcoming = (
        AwarenessSession.objects.visible_to(user)
        .active()
        .filter(date__gte=today)
        .select_related("clsm")
        .order_by("date", "start_time")[:5]
    )
    context["upcoming_sessions"] = upcoming
    context["open_requests"] = SessionRequest.objects.visible_to(user).open().count()
    if user.is_coordinator:
        context["my_clsms"] = clsms.annotate(qpv_count=Count("qpvs", distinct=True)).order_by("name")
        context["due_followups"] = due_followups_for(user)
        context["todo"] = coordinator_todo(user, today)
        template = "programme/home_coordinator.html"
    else:
        context["figures"] = CLSM.objects.aggregate(
            total=Count("pk"),
            active=Count("pk", filter=Q(status=CLSM.Status.ACTIVE)),
            planned=Count("pk", filter=Q(status=CLSM.Status.PLANNED)),
        )
        context["qpv_count"] = QPV.objects.count()
        context["qpv_in_clsm"] = QPV.objects.filter(clsms__isnull=False).distinct().count()
        context["region_count"] = Region.objects.count()
        context["department_count"] = Department.objects.count()
        if user.is_national_staff:
            context["todos"] = staff_todos(today)
        template = {
            Role.FUNDER: "programme/home_funder.html",
            Role.ADMINISTRATOR: "programme/home_admin.html",
        }.get(user.role, "programme/home_staff.html")
    return render(request, template, context)


@require_safe
@staff_required
def personal_data(request):
    return render(
        request,
        "programme/personal_data.html",
        {
            "rows": inventory(),
            "months": settings.PERSONAL_DATA_RETENTION_MONTHS,
            "limit": retention_limit(),
        },
    )


@require_safe
@staff_required
def todo_sessions(request, kind):
    """The sessions behind a count of the home page's « À faire » (they span sessions and their evaluation)."""
    if kind not in SESSION_LISTS:
        raise Http404
    label, queryset = SESSION_LISTS[kind]
    sessions = queryset(timezone.localdate()).select_related("clsm").order_by("date", "start_time", "reference")
    page = Paginator(sessions, 50).get_page(request.GET.get("page"))
    context = {"label": label, "page": page, "query": "", "kind": kind}
    return render(request, "programme/todo_sessions.html", context)
