from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from imports import registry
from imports.tables import MAX_FILE_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de données"))
    file = forms.FileField(
        label=_("Fichier"),
        validators=[FileExtensionValidator(["csv", "xlsx"], _("Seuls les fichiers .csv et .xlsx sont acceptés."))],
        help_text=_("CSV en UTF-8 (séparateur « , » ou « ; ») ou XLSX, 50 Mo au plus."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(imp.kind, imp.label) for imp in registry.all_importers()]
        self.helper = FormHelper()
        self.helper.add_input(Submit("preview", _("Vérifier le fichier")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 50 Mo."))
        return upload
