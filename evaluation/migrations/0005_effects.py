"""The effects of the programme listed in its 2021-2023 bilan (« Les effets du programme »)."""

from django.db import migrations

EFFECTS = [
    ("clsm_valorise", "Le CLSM est mieux connu, valorisé"),
    ("actions_sensibilisation", "Des actions de sensibilisation ou de formation ont été engagées"),
    ("participants_clsm", "Des participant·es ont été sollicité·es pour intégrer le CLSM"),
    ("diagnostic", "Le diagnostic territorial a été renforcé"),
    ("partenariats", "Des partenariats et un travail en réseau se sont développés"),
    ("ressources_individuelles", "Effets sur les ressources individuelles des participant·es"),
    ("pratiques_professionnelles", "Effets sur les pratiques professionnelles"),
    ("participation_citoyenne", "Effets sur la participation citoyenne"),
]


def install(apps, schema_editor):
    Effect = apps.get_model("evaluation", "Effect")
    for order, (code, label) in enumerate(EFFECTS, start=1):
        Effect.objects.get_or_create(code=code, defaults={"label": label, "order": order})


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0004_followup_effects")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
