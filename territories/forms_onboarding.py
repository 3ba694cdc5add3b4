from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from territories.forms import AutocompleteSelectMultiple
from territories.models import CLSM, Commune, Invitation
from territories.onboarding import account_with_email, stamp_refusal


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("save", label))
    return helper


def check_new_email(email: str, *, has_account: str, pending: str) -> str:
    """The address, lowercased, if no account has it and no invitation waits for it; else the message for who invites
    (`has_account` may name the account's owner, as %(person)s)."""
    email = email.strip().lower()
    existing = account_with_email(email)
    if existing is not None:
        raise forms.ValidationError(has_account % {"person": existing})
    if Invitation.objects.pending().filter(email__iexact=email).exists():
        raise forms.ValidationError(pending)
    return email


def check_new_coordinator_email(email: str) -> str:
    """Told to the national centre, which can attach or reactivate the account it names."""
    return check_new_email(
        email,
        has_account=_(
            "Un compte existe déjà pour cette adresse (%(person)s) : rattachez-le au CLSM depuis la fiche du CLSM, "
            "ou réactivez-le depuis la liste des coordinateur·rices."
        ),
        pending=_(
            "Une invitation est déjà en attente pour cette adresse : "
            "renvoyez-la depuis la liste des coordinateur·rices."
        ),
    )


class InvitationForm(forms.ModelForm):
    clsms = forms.ModelMultipleChoiceField(
        label=gettext_lazy("CLSM à coordonner"),
        queryset=CLSM.objects.order_by("name"),
        widget=forms.SelectMultiple(attrs={"data-enhance": "select"}),
        error_messages={"required": gettext_lazy("Choisissez au moins un CLSM.")},
    )

    class Meta:
        model = Invitation
        fields = ["first_name", "last_name", "email", "clsms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Envoyer l'invitation"))

    def clean_email(self):
        return check_new_coordinator_email(self.cleaned_data["email"])


class LocalAnimatorInvitationForm(forms.ModelForm):
    """A coordinator invites a local animator for one of their CLSM (the national centre: for any CLSM)."""

    clsms = forms.ModelMultipleChoiceField(
        label=gettext_lazy("CLSM pour le(s)quel(s) la personne anime"),
        queryset=CLSM.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un CLSM.")},
    )

    class Meta:
        model = Invitation
        fields = ["first_name", "last_name", "email", "clsms"]

    def __init__(self, *args, clsms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clsms"].queryset = clsms
        self.helper = _helper(_("Envoyer l'invitation"))

    def clean_email(self):
        """Told to a coordinator: never whose account an address is (a person of another CLSM, perhaps), and only what
        a coordinator can do about it."""
        return check_new_email(
            self.cleaned_data["email"],
            has_account=_(
                "Un compte existe déjà pour cette adresse : demandez au centre national de l'ouvrir à "
                "l'animation de votre CLSM."
            ),
            pending=_(
                "Une invitation est déjà en attente pour cette adresse : si vous l'avez envoyée, renvoyez-la "
                "depuis la liste des animateur·rices locaux·ales ; sinon, demandez au centre national."
            ),
        )


class AcceptInvitationForm(SetPasswordForm):
    """Choosing one's password; the account is created only when the form is valid."""

    def __init__(self, invitation: Invitation, *args, **kwargs):
        # An unsaved account, so that the password validators compare the password with the person's name.
        user = User(
            username=invitation.email,
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        super().__init__(user, *args, **kwargs)
        self.helper = _helper(_("Créer mon compte"))


class ContactRequestForm(forms.Form):
    """The public « Organiser une séance dans mon quartier » form. `website` is a honeypot (hidden to people,
    filled by robots); `stamp` the signed moment the form was shown (see territories.onboarding)."""

    clsm_name = forms.CharField(label=gettext_lazy("Nom du CLSM (ou du projet de CLSM)"), max_length=200)
    communes = forms.CharField(
        label=gettext_lazy("Commune(s)"),
        max_length=500,
        help_text=gettext_lazy("Les communes couvertes par le CLSM, séparées par des virgules."),
    )
    first_name = forms.CharField(label=gettext_lazy("Votre prénom"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Votre nom"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Votre e-mail"))
    phone = forms.CharField(label=gettext_lazy("Téléphone (facultatif)"), max_length=30, required=False)
    message = forms.CharField(
        label=gettext_lazy("Votre message"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Le quartier, le public visé, la période souhaitée…"),
    )
    website = forms.CharField(
        label=gettext_lazy("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Envoyer ma demande"))
        names = [name for name in self.fields if name != "website"]
        # The honeypot is moved off-screen by CSS (static/css/app.css), out of the tab order and of screen readers.
        self.helper.layout = Layout(*names, Field("website", wrapper_class="hp-field", aria_hidden="true"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(_("Votre demande n'a pas pu être envoyée."), code="honeypot")
        refusal = stamp_refusal(cleaned.get("stamp", ""))
        if refusal:
            raise forms.ValidationError(refusal, code="stamp")
        return cleaned


class ContactAcceptForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom du CLSM à créer"), max_length=200)
    communes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Communes"),
        queryset=Commune.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(reverse_lazy("territories:commune_search")),
        help_text=gettext_lazy("Celles que la demande indique ; les QPV se choisissent ensuite sur la fiche du CLSM."),
    )

    def __init__(self, *args, contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.helper = _helper(_("Créer le CLSM et inviter le contact"))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if CLSM.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("Un CLSM porte déjà ce nom."))
        return name

    def clean(self):
        cleaned = super().clean()
        check_new_coordinator_email(self.contact.email)
        return cleaned
