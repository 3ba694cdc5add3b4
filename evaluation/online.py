"""The online questionnaire of a session: its public link, its state, its QR code, and the guards of the public
form: one-time form nonces and submission limits, both kept in the database (never in the cache, which may be
cleared or culled when full, and is not shared by several web servers), and checked in the transaction that
saves the response."""

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

import segno
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import ClientSubmission, Item, Questionnaire, QuestionnaireLink, Response
from evaluation.responses import Sheet, create_response
from sessions_app.models import lock_sessions
from smdq.formatting import fr_date
from smdq.net import keyed_hash

# At most QUESTIONNAIRE_CLIENT_LIMIT responses (30 by default) per client address and session in this window, and
# QUESTIONNAIRE_SESSION_LIMIT (300) per session in its window. A whole room on the venue's Wi-Fi shares one
# address: the limits stop floods, not a group answering together.
CLIENT_WINDOW_SECONDS = 10 * 60
SESSION_WINDOW_SECONDS = 60 * 60
# A form nonce is accepted for a day after the form was shown; once its response is saved, it is remembered with
# that response for good (Response.form_nonce).
NONCE_MAX_AGE_SECONDS = 24 * 3600


def link_for(session) -> QuestionnaireLink:
    """The session's link, created on first call: call it only where writing is allowed (a POST, a command)."""
    if not session.accepts_questionnaires:
        raise ValidationError(
            _("La séance %(ref)s est « %(status)s » : elle n'a pas de questionnaire en ligne.")
            % {"ref": session.reference, "status": session.get_status_display()}
        )
    link, _created = QuestionnaireLink.objects.get_or_create(session=session)
    return link


def answering_window_left(session, today=None) -> bool:
    """Whether a link created today would still be open some day: the session's answering days are not over."""
    today = today or timezone.localdate()
    return today <= session.date + timedelta(days=settings.QUESTIONNAIRE_LINK_DAYS)


def public_url(request, link: QuestionnaireLink) -> str:
    return request.build_absolute_uri(reverse("evaluation:public_questionnaire", args=[link.token]))


def display_url(url: str) -> str:
    """The address as people type it from a poster: without « https:// »."""
    return url.split("://", 1)[-1]


def qr_code(url: str):
    # Level M survives a crease or a smudge on a printed poster and keeps the code small enough to scan.
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, *, title: str) -> bytes:
    out = io.BytesIO()
    qr_code(url).save(out, kind="svg", scale=10, border=4, dark="#000", light="#fff", title=title)
    return out.getvalue()


def qr_data_uri(url: str) -> str:
    """The QR code as an SVG data URI, for the PDF templates (sized there by CSS)."""
    return qr_code(url).svg_data_uri(scale=10, border=4, dark="#000", light="#fff")


# State of a link -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkState:
    code: str  # "open", "not_yet", "closed" (for good) or "suspended" (the session is not confirmed any more)
    message: str

    @property
    def is_open(self) -> bool:
        return self.code == "open"

    @property
    def http_status(self) -> int:
        """410 Gone when the link will never open again, 200 otherwise."""
        return 410 if self.code == "closed" else 200


def link_state(link: QuestionnaireLink, today: date | None = None) -> LinkState:
    today = today or timezone.localdate()
    session = link.session
    dates = {"start": fr_date(link.opens_on), "end": fr_date(link.closes_on)}
    if session.status == session.Status.CANCELLED:
        return LinkState("closed", _("La séance a été annulée : ce questionnaire n'est pas ouvert."))
    if not session.accepts_questionnaires:
        return LinkState(
            "suspended",
            _("La séance n'est pas confirmée pour le moment : le questionnaire ouvrira le jour de la séance."),
        )
    if today < link.opens_on:
        return LinkState("not_yet", _("Le questionnaire ouvrira le %(start)s, jour de la séance.") % dates)
    if today > link.closes_on:
        return LinkState(
            "closed", _("Le questionnaire était ouvert du %(start)s au %(end)s. Il est maintenant fermé.") % dates
        )
    return LinkState("open", _("Le questionnaire est ouvert du %(start)s au %(end)s.") % dates)


# Items grouped as on the paper sheet -----------------------------------------------------------------


def scale_ends(item: Item) -> tuple[str, str]:
    """The words of the two ends of an item's scale."""
    if item.group == Item.Group.SATISFACTION:
        return _("pas du tout satisfait"), _("très satisfait")
    return _("pas du tout"), _("tout à fait")


@dataclass
class ItemGroup:
    code: str
    label: str
    items: list
    fields: list = field(default_factory=list)  # the form's bound fields of `items`, when a form is shown

    @property
    def values(self) -> list[int]:
        return list(range(1, max(item.scale for item in self.items) + 1))

    @property
    def ends(self) -> tuple[str, str]:
        return scale_ends(self.items[0])


def item_groups(items) -> list[ItemGroup]:
    """Items in their order, grouped by consecutive group (satisfaction, capacities, engagement)."""
    groups: list[ItemGroup] = []
    for item in items:
        if not groups or groups[-1].code != item.group:
            groups.append(ItemGroup(item.group, Item.Group(item.group).label, []))
        groups[-1].items.append(item)
    return groups


def current_items() -> list[Item]:
    return list(Questionnaire.current().items.order_by("order"))


# One-time form nonces --------------------------------------------------------------------------------


def _signer(link: QuestionnaireLink) -> signing.TimestampSigner:
    # Salted with the link token: a nonce of one session's form is worthless on another's.
    return signing.TimestampSigner(salt=f"evaluation.online.nonce:{link.token}")


def new_nonce(link: QuestionnaireLink) -> str:
    return _signer(link).sign(secrets.token_urlsafe(12))


def nonce_is_valid(link: QuestionnaireLink, nonce: str) -> bool:
    try:
        _signer(link).unsign(nonce or "", max_age=NONCE_MAX_AGE_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return True


def nonce_digest(nonce: str) -> str:
    """What is stored with the response (Response.form_nonce)."""
    return hashlib.sha256(nonce.encode()).hexdigest()


def already_saved(link: QuestionnaireLink, nonce: str) -> bool:
    """True when the form carrying this nonce was already saved (double tap, back button, retry)."""
    return bool(nonce) and Response.objects.filter(session_id=link.session_id, form_nonce=nonce_digest(nonce)).exists()


# Client address and submission limits ----------------------------------------------------------------


def client_key(address: str) -> str:
    """A keyed hash of the client address: no raw IP address is kept, and without the SECRET_KEY the hash cannot
    be turned back into an address by trying them all."""
    return keyed_hash("evaluation.online.client", address)


class SubmissionRefused(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


def check_limits(session_id: int, client: str, now=None) -> None:
    """Raises SubmissionRefused (with a French message) when the client, or the session as a whole, has reached
    its limit. Counts saved responses in the database: call it after lock_sessions() so that the count and the
    insert that follows are not interleaved with another writer's."""
    now = now or timezone.now()
    recent = ClientSubmission.objects.filter(
        session_id=session_id, client=client, created_at__gte=now - timedelta(seconds=CLIENT_WINDOW_SECONDS)
    )
    if recent.count() >= settings.QUESTIONNAIRE_CLIENT_LIMIT:
        raise SubmissionRefused(
            _(
                "Ce questionnaire a reçu trop de réponses depuis cette connexion en quelques minutes. Vos réponses "
                "sont conservées ci-dessous : attendez une dizaine de minutes, puis envoyez-les à nouveau."
            ),
            CLIENT_WINDOW_SECONDS,
        )
    since = now - timedelta(seconds=SESSION_WINDOW_SECONDS)
    if (
        Response.objects.filter(session_id=session_id).online_since(since).count()
        >= settings.QUESTIONNAIRE_SESSION_LIMIT
    ):
        raise SubmissionRefused(
            _(
                "Ce questionnaire reçoit trop de réponses en ce moment. Vos réponses sont conservées ci-dessous : "
                "réessayez dans une heure."
            ),
            SESSION_WINDOW_SECONDS,
        )


def _forget_expired_submissions(now) -> None:
    """Deletes the client hashes older than the per-client window, every session's. Rows another transaction is
    writing or deleting are skipped (they go next time) rather than waited for: no wait, no deadlock."""
    expired = ClientSubmission.objects.expired(CLIENT_WINDOW_SECONDS, now).order_by()
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        expired = expired.select_for_update(skip_locked=True)
    ClientSubmission.objects.filter(pk__in=list(expired.values_list("pk", flat=True)[:1000])).delete()


@transaction.atomic
def save_submission(link: QuestionnaireLink, sheet: Sheet, *, nonce: str, address: str) -> tuple[Response, bool]:
    """Saves an online form once: (the response, True) when saved now, (the response saved earlier from the same
    form, False) when it was sent again. Raises SubmissionRefused over a limit, ValidationError when the sheet is
    refused (empty, session closed): then nothing is saved and the same form may be sent again."""
    session = link.session
    lock_sessions([session.pk])  # from here on, one writer of this session's sheets at a time
    digest = nonce_digest(nonce)
    earlier = Response.objects.filter(form_nonce=digest).first()
    if earlier is not None:
        return earlier, False
    now = timezone.now()
    client = client_key(address)
    check_limits(session.pk, client, now)
    response = create_response(session, sheet, channel=Response.Channel.ONLINE, user=None, form_nonce=digest)
    ClientSubmission.objects.create(session=session, client=client, created_at=now)
    _forget_expired_submissions(now)
    return response, True
