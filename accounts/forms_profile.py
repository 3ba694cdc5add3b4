from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext as _

from accounts.models import User


class ProfileForm(forms.ModelForm):
    """« Mon profil »: a person's name, address and the optional reminders that concern their role (the week-before
    kit goes to coordinators, the sheets to type to the national centre's animators)."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "notify_practical_kit", "notify_sheets_to_type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance
        self.fields["email"].required = True
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        if not user.is_coordinator:
            del self.fields["notify_practical_kit"]
        if not user.is_national_staff:
            del self.fields["notify_sheets_to_type"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Enregistrer")))

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.exclude(pk=self.instance.pk).filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Cette adresse est déjà celle d'un autre compte."))
        return email
