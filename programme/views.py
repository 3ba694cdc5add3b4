"""The pages of the top floor: each role's home page, and what personal data remains."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import session_work_required, staff_required
from accounts.models import Role
from evaluation.followup import due_followups_for
from programme.models import TaskRun
from programme.privacy import inventory, purge_personal_data
from programme.tasks import PURGE_HOUR
from programme.todo import SESSION_LISTS, coordinator_todo, staff_todos
from sessions_app.models import AwarenessSession, SessionRequest
from smdq.formatting import fr_date, fr_int
from smdq.retention import retention_limit
from territories.models import CLSM, QPV, Department, Region


@require_safe
@session_work_required
def home(request):
    user = request.user
    if user.is_local_animator:
        return _local_animator_home(request)
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


def _local_animator_home(request):
    """A local animator's home: the sessions they animate, what each still needs, and nothing else."""
    sessions = (
        AwarenessSession.objects.visible_to(request.user)
        .select_related("clsm")
        .annotate(
            participant_rows=Count("participants", distinct=True), response_count=Count("responses", distinct=True)
        )
        .order_by("-date", "-start_time")
    )
    context = {
        "role_label": Role(request.user.role).label,
        "sessions": sessions[:50],
        "clsms": request.user.local_animator_clsms.order_by("name"),
    }
    return render(request, "programme/home_local_animator.html", context)


def _next_purge():
    """When the worker's next nightly purge runs, and what it will erase then."""
    now = timezone.localtime()
    day = now.date() if now.hour < PURGE_HOUR else now.date() + timedelta(days=1)
    return day, purge_personal_data(today=day)


@require_safe
@staff_required
def personal_data(request):
    next_day, next_report = _next_purge()
    return render(
        request,
        "programme/personal_data.html",
        {
            "rows": inventory(),
            "months": settings.PERSONAL_DATA_RETENTION_MONTHS,
            "limit": retention_limit(),
            "due_now": purge_personal_data(),
            "next_day": next_day,
            "next_hour": PURGE_HOUR,
            "next_report": next_report,
            "last_run": TaskRun.objects.filter(name="nightly_purge").order_by("-enqueued_at").first(),
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


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def personal_data_purge(request):
    """The chargée erases now what is past its retention, without waiting for the night: a confirmation page
    (GET, what will go), then the purge (POST)."""
    if request.method == "POST":
        report = purge_personal_data(apply=True)
        messages.success(
            request,
            _(
                "Données personnelles effacées pour les séances jusqu'au %(date)s : %(counts)s. Les chiffres du "
                "bilan sont inchangés."
            )
            % {"date": fr_date(report.limit), "counts": report.counts(fr_int)},
        )
        return redirect("personal_data")
    return render(request, "programme/personal_data_purge.html", {"report": purge_personal_data()})


@require_safe
def accessibility(request):
    """The accessibility statement (« Déclaration d'accessibilité », the RGAA model), public: linked from every
    page's footer."""
    return render(request, "programme/accessibility.html", {"contact_email": settings.CONTACT_EMAIL})
