from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from smdq.mail import rendered_email, send_email_later


class LoginForm(AuthenticationForm):
    error_summary_title = _("Connexion refusée :")
    error_messages = {
        "invalid_login": _("Identifiant ou mot de passe incorrect. Les deux tiennent compte des majuscules."),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Identifiant")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, whose e-mail leaves through the worker like every other (`smdq.mail.send_email_later`): a
    slow or unreachable mail server neither holds a web worker nor loses the message, retried with backoff. The
    page says the same whether or not the address has an account."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        message = rendered_email(
            subject_template_name,
            email_template_name,
            context,
            [to_email],
            html_template=html_email_template_name,
            from_email=from_email,
        )
        send_email_later(message)
