"""Bringing people in at national scale: the national centre invites coordinators (a link valid 7 days to choose a
password, usable once), and a CLSM not yet known asks to organise a session from a public page (guarded against
spam by a honeypot field, a minimum fill time signed in the form and a per-address limit kept in the database)."""

import hashlib
import hmac
import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from smdq.mail import send_email_later, templated_email
from territories.models import CLSM, ContactRequest, Invitation

# The public form: sent sooner than this after it was shown, it is a robot's; older than a day, it has expired.
CONTACT_MIN_SECONDS = 4
CONTACT_MAX_AGE_SECONDS = 24 * 3600
# At most this many requests a day from one IP address, or for one e-mail address.
CONTACT_LIMIT_PER_DAY = 3
FORM_STAMP_SALT = "smdq.territories.contact-form"


# Invitations ----------------------------------------------------------------------------------------------


def account_with_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def send_invitation(invitation: Invitation, *, base_url: str) -> None:
    clsms = sorted(clsm.name for clsm in invitation.clsms.all())
    context = {
        "invitation": invitation,
        "clsms": clsms,
        "url": base_url.rstrip("/") + reverse("territories:invitation_accept", args=[invitation.token]),
        "expires_at": timezone.localtime(invitation.expires_at),
    }
    send_email_later(templated_email("territories/emails/invitation", context, [invitation.email]))


@transaction.atomic
def invite(
    *, email: str, first_name: str, last_name: str, clsms, invited_by, base_url: str, role=Role.COORDINATOR
) -> Invitation:
    invitation = Invitation.objects.create(
        email=email.strip().lower(), first_name=first_name, last_name=last_name, invited_by=invited_by, role=role
    )
    invitation.clsms.set(clsms)
    send_invitation(invitation, base_url=base_url)
    return invitation


@transaction.atomic
def resend(invitation: Invitation, *, base_url: str) -> None:
    invitation.renew()
    send_invitation(invitation, base_url=base_url)


@transaction.atomic
def accept_invitation(invitation: Invitation, password: str) -> User:
    """Creates the account (coordinator or local animator, as invited) with the chosen password and attaches it to
    the invitation's CLSM."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != "pending":
        raise ValidationError(_("Cette invitation n'est plus valable."))
    if account_with_email(invitation.email) or User.objects.filter(username__iexact=invitation.email).exists():
        raise ValidationError(
            _("Un compte existe déjà pour cette adresse : connectez-vous, ou demandez un nouveau mot de passe.")
        )
    user = User(
        username=invitation.email,
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        role=invitation.role,
    )
    user.set_password(password)
    user.save()
    if invitation.role == Role.LOCAL_ANIMATOR:
        user.local_animator_clsms.add(*invitation.clsms.all())
    else:
        user.clsms.add(*invitation.clsms.all())
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    return user


# Contact requests -----------------------------------------------------------------------------------------


def form_stamp(now: float | None = None) -> str:
    """The moment the public form was shown, signed: the browser sends it back with the form."""
    return signing.dumps(round(now if now is not None else time.time(), 3), salt=FORM_STAMP_SALT)


def stamp_refusal(stamp: str, now: float | None = None) -> str:
    """Why a form stamp is refused (too soon, expired, forged), or "" when it is fine."""
    now = now if now is not None else time.time()
    try:
        shown = float(signing.loads(stamp, salt=FORM_STAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return _("Ce formulaire n'est pas valable : rechargez la page et renvoyez-le.")
    if now - shown < CONTACT_MIN_SECONDS:
        return _("Envoyé trop vite : relisez votre message, puis envoyez-le à nouveau.")
    if now - shown > CONTACT_MAX_AGE_SECONDS:
        return _("Ce formulaire a expiré : vérifiez vos réponses ci-dessous, puis envoyez-les à nouveau.")
    return ""


def client_key(ip_address: str) -> str:
    """A keyed hash of the IP address: enough to count requests from one address, without keeping the address."""
    return hmac.new(settings.SECRET_KEY.encode(), (ip_address or "").encode(), hashlib.sha256).hexdigest()


def over_limit(*, key: str, email: str, now=None) -> bool:
    since = (now or timezone.now()) - timedelta(days=1)
    from_address = ContactRequest.objects.filter(client_key=key, created_at__gte=since).count()
    for_email = ContactRequest.objects.filter(email__iexact=email.strip(), created_at__gte=since).count()
    return from_address >= CONTACT_LIMIT_PER_DAY or for_email >= CONTACT_LIMIT_PER_DAY


@transaction.atomic
def accept_contact_request(contact: ContactRequest, *, user, name: str, communes, base_url: str):
    """Creates the CLSM (in project) and invites the contact as its coordinator. Returns (CLSM, invitation)."""
    contact = ContactRequest.objects.select_for_update().get(pk=contact.pk)
    if contact.status != ContactRequest.Status.NEW:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    clsm = CLSM.objects.create(name=name, status=CLSM.Status.PLANNED, contact_email=contact.email)
    clsm.communes.set(communes)
    invitation = invite(
        email=contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        clsms=[clsm],
        invited_by=user,
        base_url=base_url,
    )
    contact.status = ContactRequest.Status.ACCEPTED
    contact.clsm = clsm
    contact.handled_at = timezone.now()
    contact.handled_by = user
    contact.save(update_fields=["status", "clsm", "handled_at", "handled_by"])
    return clsm, invitation


def file_contact_request(contact: ContactRequest, *, user) -> None:
    ContactRequest.objects.filter(pk=contact.pk, status=ContactRequest.Status.NEW).update(
        status=ContactRequest.Status.FILED, handled_at=timezone.now(), handled_by=user
    )
