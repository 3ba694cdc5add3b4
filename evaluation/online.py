"""The online questionnaire of a session: its public link, its state, its QR code, and the guards of the public
form (one-time form nonces and submission rate limits, kept in Django's cache)."""

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import date

import segno
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import Item, Questionnaire, QuestionnaireLink
from smdq.formatting import fr_date

# At most this many responses per client address and session in the window, and per session in its window.
# A whole room on the venue's Wi-Fi shares one address: the limit stops floods, not a group answering together.
CLIENT_LIMIT, CLIENT_WINDOW_SECONDS = 30, 10 * 60
SESSION_LIMIT, SESSION_WINDOW_SECONDS = 300, 60 * 60
# A form nonce is accepted for a day after the form was shown, and remembered as used as long.
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


def _nonce_key(nonce: str) -> str:
    return "online:nonce:" + hashlib.sha256(nonce.encode()).hexdigest()


def claim_nonce(nonce: str) -> bool:
    """True the first time a form is sent; False when that same form was already sent (double click, reload)."""
    return cache.add(_nonce_key(nonce), True, NONCE_MAX_AGE_SECONDS)


def release_nonce(nonce: str) -> None:
    """The form was not saved after all: let it be sent again."""
    cache.delete(_nonce_key(nonce))


# Rate limits -----------------------------------------------------------------------------------------


def _count(key: str, window: int) -> int:
    """Counts one more hit in a window that starts with the first hit and lasts `window` seconds."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.add(key, 1, window)
        return 1


def refuse_submission(session_id: int, client: str) -> str | None:
    """Counts a submission; returns why it is refused (in French) when the client, or the session as a whole,
    is over its limit, None when it may be saved."""
    client_hash = hashlib.sha256(client.encode()).hexdigest()[:32]  # no raw IP address kept, even in the cache
    if _count(f"online:rate:client:{session_id}:{client_hash}", CLIENT_WINDOW_SECONDS) > CLIENT_LIMIT:
        return _(
            "Ce questionnaire a reçu trop de réponses depuis cette connexion en quelques minutes. Vos réponses "
            "sont conservées ci-dessous : attendez une dizaine de minutes, puis envoyez-les à nouveau."
        )
    if _count(f"online:rate:session:{session_id}", SESSION_WINDOW_SECONDS) > SESSION_LIMIT:
        return _(
            "Ce questionnaire reçoit trop de réponses en ce moment. Vos réponses sont conservées ci-dessous : "
            "réessayez dans une heure."
        )
    return None
