from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.access import staff_required
from sessions_app.privacy import inventory, retention_limit


@require_safe
@staff_required
def personal_data(request):
    return render(
        request,
        "sessions_app/privacy/personal_data.html",
        {
            "rows": inventory(),
            "months": settings.PERSONAL_DATA_RETENTION_MONTHS,
            "limit": retention_limit(),
        },
    )
