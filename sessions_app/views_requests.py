"""Requests (« sollicitations »): a CLSM files one, the national centre studies it, then accepts it (which
creates the session) or declines it; the CLSM may withdraw it while it is open. Every change is kept in
the request's history and e-mailed to the people concerned (sessions_app/emails.py)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import STAFF_ROLES, has_role, role_required
from accounts.models import Role
from sessions_app import emails
from sessions_app.access import get_request_for_user
from sessions_app.filters_requests import SessionRequestFilter
from sessions_app.forms_requests import AcceptForm, DeclineForm, PeriodFormSet, SessionRequestForm, WithdrawForm
from sessions_app.models import AwarenessSession, InvalidTransition, SessionRequest
from sessions_app.notifications import SessionEvent, notify_session, session_people
from territories.models import CLSM, QPV

PAGE_SIZE = 25
# The funder never sees a request (nor its message): the pages are for the CLSM and the national centre.
REQUEST_ROLES = (Role.COORDINATOR, *STAFF_ROLES)
STATUS_LABELS = dict(SessionRequest.Status.choices)
Status = SessionRequest.Status


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _warn_if_not_sent(request, sent: bool):
    if not sent:
        messages.warning(
            request,
            _("Le changement est enregistré, mais l'e-mail de notification n'a pas pu être envoyé."),
        )


@require_safe
@role_required(*REQUEST_ROLES)
def request_list(request):
    user = request.user
    filterset = SessionRequestFilter(request.GET, queryset=SessionRequest.objects.visible_to(user), request=request)
    rows = (
        filterset.qs.prefetch_related(
            # Prefetched, not joined: joined, all 40,000 requests of the national data were joined with their CLSM
            # before being sorted for one page.
            "clsm",
            Prefetch("qpvs", queryset=QPV.objects.order_by("code")),
            "periods",
            Prefetch("sessions", queryset=AwarenessSession.objects.visible_to(user).order_by("date")),
        ).inbox_order()  # open requests first, the oldest at the top
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    is_staff = has_role(user, STAFF_ROLES)
    context = {
        "filter": filterset,
        "page": page,
        "rows": [(r, (today - r.requested_on).days) for r in page.object_list],
        "query": _query_without(request, "page"),
        "is_inbox": is_staff,
        "can_create": is_staff or CLSM.objects.visible_to(user).exists(),
    }
    template = "sessions_app/requests/_results.html" if request.htmx else "sessions_app/requests/request_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*REQUEST_ROLES)
def request_create(request):
    user = request.user
    if request.method == "POST":
        form = SessionRequestForm(request.POST, user=user)
        formset = PeriodFormSet(request.POST, instance=SessionRequest(), prefix="periods")
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                session_request = form.save(commit=False)
                session_request.created_by = user
                session_request.requested_on = timezone.localdate()
                session_request.save()
                form.save_m2m()
                formset.instance = session_request
                formset.save()
                session_request.record_creation(user)
            messages.success(
                request,
                _("La sollicitation %(reference)s est enregistrée ; le centre national en est informé.")
                % {"reference": session_request.reference},
            )
            _warn_if_not_sent(request, emails.notify_created(request, session_request))
            return redirect("sessions_app:request_detail", pk=session_request.pk)
        status = 400
    else:
        form = SessionRequestForm(initial={"clsm": request.GET.get("clsm")}, user=user)
        formset = PeriodFormSet(instance=SessionRequest(), prefix="periods")
        if request.htmx:
            # The CLSM select changed: send back the QPVs of the chosen CLSM only.
            return render(request, "sessions_app/requests/_qpv_field.html", {"form": form})
        status = 200
    context = {"form": form, "formset": formset, "has_clsm": form.fields["clsm"].queryset.exists()}
    return render(request, "sessions_app/requests/request_form.html", context, status=status)


def _detail_context(request, session_request, *, decline_form=None, withdraw_form=None) -> dict:
    user = request.user
    possible = SessionRequest.TRANSITIONS[session_request.status]
    is_staff = has_role(user, STAFF_ROLES)
    can_write = SessionRequest.objects.editable_by(user).filter(pk=session_request.pk).exists()
    can_decline = is_staff and Status.DECLINED in possible
    can_withdraw = can_write and Status.WITHDRAWN in possible
    # Errors of a form the page no longer shows (the request was closed meanwhile) go above the page.
    hidden_errors = []
    for form, shown in ((decline_form, can_decline), (withdraw_form, can_withdraw)):
        if form is not None and not shown:
            hidden_errors.extend(error for errors in form.errors.values() for error in errors)
    return {
        "session_request": session_request,
        "age_days": (timezone.localdate() - session_request.requested_on).days,
        "qpvs": session_request.qpvs.select_related("department__region").order_by("code"),
        "periods": session_request.periods.all(),
        "sessions": AwarenessSession.objects.visible_to(user).filter(request=session_request).order_by("date"),
        "changes": [
            (change, STATUS_LABELS.get(change.from_status, ""), STATUS_LABELS.get(change.to_status, change.to_status))
            for change in session_request.changes.select_related("changed_by")
        ],
        "can_review": is_staff and Status.UNDER_REVIEW in possible,
        "can_accept": is_staff and Status.ACCEPTED in possible,
        "can_decline": can_decline,
        "can_withdraw": can_withdraw,
        "hidden_errors": hidden_errors,
        "is_staff": is_staff,
        "decline_form": decline_form or DeclineForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
    }


def _render_detail(request, session_request, *, status=200, **forms):
    context = _detail_context(request, session_request, **forms)
    return render(request, "sessions_app/requests/request_detail.html", context, status=status)


@require_safe
@role_required(*REQUEST_ROLES)
def request_detail(request, pk):
    return _render_detail(request, get_request_for_user(request.user, pk))


@require_POST
@role_required(Role.COORDINATOR, *STAFF_ROLES)
def request_review(request, pk):
    session_request = get_request_for_user(request.user, pk, write=True, roles=STAFF_ROLES)
    try:
        with transaction.atomic():
            session_request.start_review(request.user)
    except InvalidTransition as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sessions_app:request_detail", pk=session_request.pk)
    messages.success(
        request,
        _("La sollicitation %(reference)s est à l'étude ; le CLSM en est informé.")
        % {"reference": session_request.reference},
    )
    _warn_if_not_sent(request, emails.notify_under_review(request, session_request))
    return redirect("sessions_app:request_detail", pk=session_request.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR, *STAFF_ROLES)
def request_accept(request, pk):
    session_request = get_request_for_user(request.user, pk, write=True, roles=STAFF_ROLES)
    if not session_request.is_open:
        messages.error(
            request,
            _("Une sollicitation « %(status)s » ne peut plus être acceptée.")
            % {"status": session_request.get_status_display()},
        )
        return redirect("sessions_app:request_detail", pk=session_request.pk)
    form = AcceptForm(request.POST or None, session_request=session_request)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    session = session_request.accept(request.user, **form.session_fields())
                    session.animators.set(form.cleaned_data["animators"])
            except InvalidTransition as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("La sollicitation %(request)s est acceptée : la séance %(session)s est créée.")
                    % {"request": session_request.reference, "session": session.reference},
                )
                informed = {address.casefold() for address in emails.notify_accepted(request, session_request, session)}
                # The others concerned (animators, a co-organiser) get the session's own invitation; those the
                # acceptance reached already have it attached: one e-mail each.
                others = [p for p in session_people(session) if p.email.casefold() not in informed]
                notify_session(
                    session,
                    SessionEvent.CREATED,
                    base_url=request.build_absolute_uri("/"),
                    actor=request.user,
                    people=others,
                )
                return redirect("sessions_app:session_detail", pk=session.pk)
    context = {
        "session_request": session_request,
        "form": form,
        "qpvs": session_request.qpvs.order_by("code"),
        "periods": session_request.periods.all(),
    }
    return render(request, "sessions_app/requests/request_accept.html", context, status=status)


@require_POST
@role_required(Role.COORDINATOR, *STAFF_ROLES)
def request_decline(request, pk):
    session_request = get_request_for_user(request.user, pk, write=True, roles=STAFF_ROLES)
    form = DeclineForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            with transaction.atomic():
                session_request.decline(request.user, reason)
        except InvalidTransition as error:
            # An open request refuses only a blank reason; a closed one refuses any answer.
            form.add_error("reason" if session_request.is_open else None, error)
        else:
            messages.success(
                request,
                _("La sollicitation %(reference)s est refusée ; le CLSM reçoit le motif par e-mail.")
                % {"reference": session_request.reference},
            )
            _warn_if_not_sent(request, emails.notify_declined(request, session_request, reason))
            return redirect("sessions_app:request_detail", pk=session_request.pk)
    return _render_detail(request, session_request, decline_form=form, status=400)


@require_POST
@role_required(*REQUEST_ROLES)
def request_withdraw(request, pk):
    session_request = get_request_for_user(request.user, pk, write=True)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            with transaction.atomic():
                session_request.withdraw(request.user, reason)
        except InvalidTransition as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("La sollicitation %(reference)s est retirée ; le centre national en est informé.")
                % {"reference": session_request.reference},
            )
            _warn_if_not_sent(request, emails.notify_withdrawn(request, session_request, reason))
            return redirect("sessions_app:request_detail", pk=session_request.pk)
    return _render_detail(request, session_request, withdraw_form=form, status=400)
