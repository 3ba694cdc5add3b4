from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import session_work_required
from accounts.forms import QueuedPasswordResetForm
from accounts.forms_profile import ProfileForm
from accounts.models import PasswordResetRequest
from smdq.locks import serialise
from smdq.net import keyed_hash, limited_address

# « Mot de passe oublié », per hour: e-mails sent to one address (more would fill a mailbox for whoever types it),
# and requests from one connection (more is a script, not a person who forgot).
RESET_WINDOW = timedelta(hours=1)
RESET_EMAILS_PER_ADDRESS = 3
RESET_REQUESTS_PER_CLIENT = 10


@require_http_methods(["GET", "HEAD", "POST"])
@session_work_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Votre profil est enregistré."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's view, limited: a connection asking too often is told so (429); an address that got its
    RESET_EMAILS_PER_ADDRESS e-mails this hour gets no more, and the page says what it says to anyone (« if an account
    has this address, an e-mail is on its way »), so that it never tells whether the address has an account."""

    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        now = timezone.now()
        client = keyed_hash("accounts.password_reset.client", limited_address(self.request))
        email = keyed_hash("accounts.password_reset.email", form.cleaned_data["email"].strip().lower())
        with transaction.atomic():
            serialise("accounts.password_reset")  # the counts below and the row added after them, one request at a time
            PasswordResetRequest.objects.filter(created_at__lt=now - RESET_WINDOW).delete()
            recent = PasswordResetRequest.objects.filter(created_at__gte=now - RESET_WINDOW)
            if recent.filter(client=client).count() >= RESET_REQUESTS_PER_CLIENT:
                form.add_error(
                    None,
                    _("Trop de demandes depuis cette connexion : réessayez dans une heure."),
                )
                response = self.render_to_response(self.get_context_data(form=form), status=429)
                response["Retry-After"] = str(int(RESET_WINDOW.total_seconds()))
                return response
            already_sent = recent.filter(email=email).count()
            PasswordResetRequest.objects.create(client=client, email=email)
        if already_sent >= RESET_EMAILS_PER_ADDRESS:
            return HttpResponseRedirect(self.get_success_url())  # the same answer, no e-mail
        return super().form_valid(form)
