"""Onboarding pages: the coordinators and their invitations (national centre), the invitation link (public), and
the contact requests of CLSM not yet known (a public form, the national centre's inbox)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import STAFF_ROLES, role_required, staff_required
from accounts.models import Role, User
from smdq.formatting import fr_date
from smdq.locks import serialise
from smdq.net import limited_address
from territories import onboarding
from territories.forms_onboarding import (
    AcceptInvitationForm,
    ContactAcceptForm,
    ContactRequestForm,
    InvitationForm,
    LocalAnimatorInvitationForm,
)
from territories.models import CLSM, ContactRequest, Invitation

PAGE_SIZE = 50


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


# Coordinators and invitations (national centre) -----------------------------------------------------------


@require_safe
@staff_required
def coordinator_list(request):
    show = request.GET.get("comptes", "actifs")
    people = User.objects.filter(role=Role.COORDINATOR).prefetch_related(
        Prefetch("clsms", queryset=CLSM.objects.order_by("name"))
    )
    if show == "actifs":
        people = people.filter(is_active=True)
    elif show == "desactives":
        people = people.filter(is_active=False)
    page = Paginator(people.order_by("last_name", "first_name", "username"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    invitations = (
        Invitation.objects.open()
        .filter(role=Role.COORDINATOR)
        .select_related("invited_by")
        .prefetch_related(Prefetch("clsms", queryset=CLSM.objects.order_by("name")))
        .order_by("sent_at")
    )
    context = {
        "page": page,
        "show": show,
        "query": f"comptes={show}",
        "invitations": invitations,
        "now": timezone.now(),
    }
    return render(request, "territories/onboarding/coordinator_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def invitation_create(request):
    initial = {"clsms": request.GET.getlist("clsm")}
    form = InvitationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invitation = onboarding.invite(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            clsms=data["clsms"],
            invited_by=request.user,
            base_url=_base_url(request),
        )
        messages.success(
            request,
            _("L'invitation est envoyée à %(email)s : le lien est valable jusqu'au %(day)s.")
            % {"email": invitation.email, "day": fr_date(timezone.localtime(invitation.expires_at).date())},
        )
        return redirect("territories:coordinator_list")
    return render(request, "territories/onboarding/invitation_form.html", {"form": form})


# The national centre for every invitation; a coordinator for their local animators' (see `manageable_by`).
local_team_required = role_required(Role.COORDINATOR, *STAFF_ROLES)


def _invitation_list(invitation):
    """Back to the page that lists the invitation."""
    if invitation.role == Role.LOCAL_ANIMATOR:
        return redirect("territories:local_animator_list")
    return redirect("territories:coordinator_list")


@require_POST
@local_team_required
def invitation_resend(request, pk):
    invitation = get_object_or_404(Invitation.objects.manageable_by(request.user), pk=pk)
    onboarding.resend(invitation, base_url=_base_url(request))
    messages.success(
        request,
        _("Une nouvelle invitation est envoyée à %(email)s ; le lien précédent ne fonctionne plus.")
        % {"email": invitation.email},
    )
    return _invitation_list(invitation)


@require_POST
@local_team_required
def invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation.objects.manageable_by(request.user), pk=pk)
    invitation.revoke()
    messages.success(request, _("L'invitation de %(email)s est révoquée.") % {"email": invitation.email})
    return _invitation_list(invitation)


@require_POST
@staff_required
def coordinator_activation(request, pk):
    """Someone who left is deactivated: they can no longer log in, and what they did stays in the history."""
    person = get_object_or_404(User, pk=pk, role=Role.COORDINATOR)
    active = request.POST.get("action") == "reactivate"
    person.is_active = active
    person.save(update_fields=["is_active"])
    if active:
        messages.success(request, _("Le compte de %(person)s est réactivé.") % {"person": person})
    else:
        messages.success(
            request,
            _("Le compte de %(person)s est désactivé : plus de connexion ni d'e-mail ; son historique est conservé.")
            % {"person": person},
        )
    return redirect("territories:coordinator_list")


# Local animators (a CLSM's coordinators, and the national centre) -------------------------------------------


def _team_clsms(user):
    """The CLSM whose local animators `user` manages: a coordinator's own, every one for the national centre."""
    return CLSM.objects.all() if user.is_national_staff else user.clsms.all()


@require_safe
@local_team_required
def local_animator_list(request):
    clsms = _team_clsms(request.user).order_by("name")
    people = (
        User.objects.filter(role=Role.LOCAL_ANIMATOR, local_animator_clsms__in=clsms)
        .distinct()
        .prefetch_related(Prefetch("local_animator_clsms", queryset=clsms))
        .order_by("last_name", "first_name", "username")
    )
    invitations = (
        Invitation.objects.open()
        .filter(role=Role.LOCAL_ANIMATOR, clsms__in=clsms)
        .distinct()
        .select_related("invited_by")
        .prefetch_related(Prefetch("clsms", queryset=clsms))
        .order_by("sent_at")
    )
    # An invitation that also names a CLSM outside the coordinator's is listed, but only the national centre acts on it.
    manageable = set(Invitation.objects.manageable_by(request.user).values_list("pk", flat=True))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": "",
        "invitations": invitations,
        "manageable": manageable,
        "now": timezone.now(),
    }
    return render(request, "territories/onboarding/local_animator_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@local_team_required
def local_animator_invite(request):
    """A coordinator invites a local animator for their CLSM, through the same link as coordinators get."""
    clsms = _team_clsms(request.user).order_by("name")
    if not request.user.is_national_staff and not clsms.exists():
        raise PermissionDenied  # a coordinator attached to no CLSM has no team to invite
    form = LocalAnimatorInvitationForm(request.POST or None, clsms=clsms, initial={"clsms": clsms[:1]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invitation = onboarding.invite(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            clsms=data["clsms"],
            invited_by=request.user,
            base_url=_base_url(request),
            role=Role.LOCAL_ANIMATOR,
        )
        messages.success(
            request,
            _("L'invitation est envoyée à %(email)s : le lien est valable jusqu'au %(day)s.")
            % {"email": invitation.email, "day": fr_date(timezone.localtime(invitation.expires_at).date())},
        )
        return redirect("territories:local_animator_list")
    return render(request, "territories/onboarding/local_animator_invite.html", {"form": form})


@require_POST
@local_team_required
def local_animator_remove(request, pk):
    """Someone who no longer animates for the CLSM is taken off it: they no longer see its sessions."""
    clsms = _team_clsms(request.user)
    person = get_object_or_404(User.objects.filter(local_animator_clsms__in=clsms).distinct(), pk=pk)
    person.local_animator_clsms.remove(*clsms)
    messages.success(request, _("%(person)s n'anime plus pour ce CLSM.") % {"person": person})
    return redirect("territories:local_animator_list")


# The invitation link (public) ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token):
    invitation = Invitation.from_token(token)
    state = invitation.state if invitation else "unknown"
    if state != "pending":
        return render(request, "territories/onboarding/invitation_invalid.html", {"state": state}, status=410)
    form = AcceptInvitationForm(invitation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = onboarding.accept_invitation(invitation, form.cleaned_data["new_password1"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Bienvenue ! Votre compte est créé."))
            return redirect("home")
    context = {"form": form, "invitation": invitation, "clsms": invitation.clsms.order_by("name")}
    return render(request, "territories/onboarding/invitation_accept.html", context)


# Contact requests ------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def contact_request_create(request):
    """« Organiser une séance dans mon quartier »: public, no account."""
    if request.method != "POST":
        form = ContactRequestForm(initial={"stamp": onboarding.form_stamp()})
        return render(request, "territories/onboarding/contact_form.html", {"form": form})
    form = ContactRequestForm(request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        key = onboarding.client_key(limited_address(request))  # behind the proxy too, never its address
        with transaction.atomic():
            serialise("territories.contact_request")  # the counts and the request added after them, one at a time
            refused = onboarding.over_limit(key=key, email=data["email"])
            if not refused:
                ContactRequest.objects.create(
                    client_key=key, **{k: v for k, v in data.items() if k not in ("website", "stamp")}
                )
        if not refused:
            return redirect("territories:contact_thanks")
        form.add_error(
            None, _("Vous avez déjà envoyé plusieurs demandes aujourd'hui : le centre national vous répondra bientôt.")
        )
        status = 429
    # A fresh stamp: the person may correct and send again (the minimum time counts from now).
    form.data = form.data.copy()
    form.data["stamp"] = onboarding.form_stamp()
    return render(request, "territories/onboarding/contact_form.html", {"form": form}, status=status)


@require_safe
def contact_thanks(request):
    return render(request, "territories/onboarding/contact_thanks.html")


@require_safe
@staff_required
def contact_request_list(request):
    show = request.GET.get("statut", ContactRequest.Status.NEW)
    requests = ContactRequest.objects.select_related("clsm", "handled_by")
    if show in ContactRequest.Status.values:
        requests = requests.filter(status=show)
    ordering = ["created_at", "pk"] if show == ContactRequest.Status.NEW else ["-created_at", "-pk"]
    page = Paginator(requests.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": show,
        "query": f"statut={show}",
        "statuses": ContactRequest.Status.choices,
        "waiting": ContactRequest.objects.waiting().count(),
    }
    return render(request, "territories/onboarding/contact_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def contact_request_detail(request, pk):
    contact = get_object_or_404(ContactRequest.objects.select_related("clsm", "handled_by"), pk=pk)
    form = None
    if contact.status == ContactRequest.Status.NEW:
        form = ContactAcceptForm(request.POST or None, contact=contact, initial={"name": contact.clsm_name})
        if request.method == "POST" and form.is_valid():
            try:
                clsm, invitation = onboarding.accept_contact_request(
                    contact,
                    user=request.user,
                    name=form.cleaned_data["name"],
                    communes=form.cleaned_data["communes"],
                    base_url=_base_url(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Le CLSM « %(clsm)s » est créé (en projet) et %(email)s est invité·e à le coordonner.")
                    % {"clsm": clsm.name, "email": invitation.email},
                )
                return redirect("territories:clsm_detail", pk=clsm.pk)
    elif request.method == "POST":
        messages.error(request, _("Cette demande a déjà été traitée."))
        return redirect("territories:contact_request_detail", pk=contact.pk)
    return render(request, "territories/onboarding/contact_detail.html", {"contact": contact, "form": form})


@require_POST
@staff_required
def contact_request_file(request, pk):
    contact = get_object_or_404(ContactRequest, pk=pk)
    onboarding.file_contact_request(contact, user=request.user)
    messages.success(request, _("La demande de %(name)s est classée.") % {"name": contact.clsm_name})
    return redirect("territories:contact_request_list")
