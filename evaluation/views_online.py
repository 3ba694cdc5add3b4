"""Online self-fill: the public questionnaire a participant opens from a QR code (no account), and for the
session's organisers the link, its QR code, the poster and the printable paper questionnaire."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import session_work_required
from evaluation import online
from evaluation.forms_online import OnlineQuestionnaireForm
from evaluation.models import QuestionnaireLink, Response
from sessions_app.access import get_session_for_user
from smdq.downloads import attach
from smdq.net import limited_address

# For the session's organisers ------------------------------------------------------------------------


def _link_of(session) -> QuestionnaireLink | None:
    return QuestionnaireLink.objects.filter(session=session).first()


def _organiser_link(request, pk) -> tuple:
    """The session (404 outside the user's CLSM, 403 for read-only roles) and its link (404 if none yet)."""
    session = get_session_for_user(request.user, pk, write=True)
    link = _link_of(session)
    if link is None:
        raise Http404(_("Cette séance n'a pas encore de lien de questionnaire en ligne."))
    link.session = session
    return session, link


WINDOW_OVER_MESSAGE = gettext_lazy(
    "Les %(days)s jours de réponse en ligne de cette séance sont passés : ses questionnaires se saisissent sur papier."
)


@require_http_methods(["GET", "HEAD", "POST"])
@session_work_required
def link_page(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    link = _link_of(session)
    # No link yet and its answering days over: created now, it would be closed already (it opens on the session day
    # for QUESTIONNAIRE_LINK_DAYS). Said instead of the button, and refused.
    window_over = link is None and session.accepts_questionnaires and not online.answering_window_left(session)
    window_over_message = WINDOW_OVER_MESSAGE % {"days": settings.QUESTIONNAIRE_LINK_DAYS} if window_over else ""
    if request.method == "POST":
        if window_over:
            messages.error(request, window_over_message)
        elif link is None:
            try:
                online.link_for(session)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Le lien du questionnaire en ligne a été créé."))
        return redirect("evaluation:link_page", pk=session.pk)
    context = {
        "session": session,
        "link": link,
        "can_create": link is None and session.accepts_questionnaires and not window_over,
        "window_over": window_over_message,
        "link_days": settings.QUESTIONNAIRE_LINK_DAYS,
    }
    if link is not None:
        link.session = session
        url = online.public_url(request, link)
        context |= {
            "url": url,
            "state": online.link_state(link),
            "counts": session.responses.aggregate(
                total=Count("pk"), online=Count("pk", filter=Q(channel=Response.Channel.ONLINE))
            ),
        }
    return render(request, "evaluation/online/link_page.html", context)


@require_safe
@session_work_required
def qr_code(request, pk):
    session, link = _organiser_link(request, pk)
    title = _("Questionnaire de la séance %(ref)s") % {"ref": session.reference}
    response = HttpResponse(online.qr_svg(online.public_url(request, link), title=title), content_type="image/svg+xml")
    return attach(response, f"questionnaire-qr-{session.reference}.svg", inline=True)


def _pdf_response(request, pk, template_name: str, filename: str) -> HttpResponse:
    from smdq.pdf import render_pdf

    session, link = _organiser_link(request, pk)
    url = online.public_url(request, link)
    context = {
        "session": session,
        "link": link,
        "url": url,
        "short_url": online.display_url(url),
        "qr": online.qr_data_uri(url),
        "groups": online.item_groups(online.current_items()),
    }
    response = HttpResponse(render_pdf(template_name, context), content_type="application/pdf")
    return attach(response, f"{filename}-{session.reference}.pdf")


@require_safe
@session_work_required
def poster_pdf(request, pk):
    return _pdf_response(request, pk, "evaluation/pdf/poster.html", "affiche-questionnaire")


@require_safe
@session_work_required
def paper_questionnaire_pdf(request, pk):
    return _pdf_response(request, pk, "evaluation/pdf/paper_questionnaire.html", "questionnaire-papier")


# For participants (no account) -----------------------------------------------------------------------


def _public_link(token: str) -> QuestionnaireLink | None:
    return QuestionnaireLink.objects.select_related("session__clsm").filter(token=token).first()


def _unknown_link(request) -> HttpResponse:
    return render(request, "evaluation/online/unknown.html", status=404)


def _see_other(url: str) -> HttpResponseRedirect:
    """303: after a POST the browser GETs the next page, and a reload does not send the form again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _submit(request, link: QuestionnaireLink, form: OnlineQuestionnaireForm, nonce: str) -> HttpResponse | None:
    """Saves a valid form once; None (with the reason added to the form) when it is not saved.
    The participant's answers stay in the form whenever it is shown again."""
    sheet = form.sheet()
    if sheet.is_empty:
        form.add_error(
            None,
            _(
                "Votre questionnaire est vide : répondez à au moins une question, ou écrivez un besoin ou un "
                "commentaire, puis envoyez-le. Si vous ne souhaitez pas répondre, vous pouvez fermer cette page."
            ),
        )
        return None
    try:
        online.save_submission(link, sheet, nonce=nonce, address=limited_address(request))
    except online.SubmissionRefused as refusal:
        form.add_error(None, refusal.message)
        response = _questionnaire_page(request, link, form, nonce, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return None
    # Saved now, or saved earlier from this same form (double tap, back button): thanked either way, once saved.
    return _see_other(reverse("evaluation:public_thanks", args=[link.token]))


def _questionnaire_page(request, link, form, nonce, status=200) -> HttpResponse:
    context = {"link": link, "session": link.session, "form": form, "nonce": nonce}
    return render(request, "evaluation/online/questionnaire.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def public_questionnaire(request, token):
    link = _public_link(token)
    if link is None:
        return _unknown_link(request)
    state = online.link_state(link)
    if not state.is_open:
        context = {"link": link, "state": state}
        return render(request, "evaluation/online/closed.html", context, status=state.http_status)
    posted = request.method == "POST"
    nonce = request.POST.get("nonce", "")
    if posted and online.already_saved(link, nonce):
        # The same form sent again, even after its nonce expired: it is saved, say thank you again.
        return _see_other(reverse("evaluation:public_thanks", args=[link.token]))
    form = OnlineQuestionnaireForm(request.POST if posted else None, items=online.current_items())
    if not online.nonce_is_valid(link, nonce):
        if posted:
            form.add_error(
                None, _("Ce formulaire a expiré. Vérifiez vos réponses ci-dessous, puis envoyez-les à nouveau.")
            )
        nonce = online.new_nonce(link)
    elif posted and form.is_valid():
        response = _submit(request, link, form, nonce)
        if response is not None:
            return response
    return _questionnaire_page(request, link, form, nonce)


@require_safe
def public_thanks(request, token):
    link = _public_link(token)
    if link is None:
        return _unknown_link(request)
    return render(request, "evaluation/online/thanks.html", {"link": link, "session": link.session})
