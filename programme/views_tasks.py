"""The « Tâches » page: what the worker did, failures first, with their error, for the national centre."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.access import staff_required
from programme.models import TaskRun
from programme.task_runs import LABELS

PAGE_SIZE = 50


@require_safe
@staff_required
def task_runs(request):
    runs = TaskRun.objects.failures_first()
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.label = LABELS.get(run.name, run.name)
    counts = dict(TaskRun.objects.values_list("state").annotate(n=Count("pk")).order_by())
    states = [(state, label, counts.get(state, 0)) for state, label in TaskRun.State.choices]
    return render(request, "programme/task_runs.html", {"page": page, "states": states, "query": ""})
