from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import session_work_required
from accounts.forms_profile import ProfileForm


@require_http_methods(["GET", "HEAD", "POST"])
@session_work_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Votre profil est enregistré."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})
