"""The two checkbox taxonomies of the Villes-Santé action form, with the labels of the form (domain.md).

They are data so that the national centre can add an entry or adjust a label later from the admin;
`install` only creates what is missing and never overwrites a label changed since."""

from django.db import migrations

PROJECT_TYPES = [
    ("gouvernance", "Gouvernance, coordination", False),
    ("cadre-de-vie", "Agir sur un cadre de vie favorable à la santé mentale", False),
    ("mode-de-vie", "Permettre un mode de vie favorable à la santé mentale", False),
    ("discriminations", "Lutter contre toutes les formes de discriminations", False),
    ("acces-aux-soins", "Agir sur l'accès aux soins en santé mentale", False),
    ("autre", "Autre", True),
]

DETERMINANTS = [
    ("nature", "Nature, espaces verts et bleus", False),
    ("logement", "Logement", False),
    ("bruit", "Bruit, nuisances sonores", False),
    ("transports", "Transports et mobilité", False),
    ("risques", "Perception des risques liés aux crises, aléas naturels ou accidents industriels", False),
    (
        "lieux-de-vie",
        "Lieux de vie, promoteurs de santé (écoles, établissements hospitaliers, milieu professionnel, "
        "lieux « apaisés », etc.)",
        False,
    ),
    ("urbanisme", "Urbanisme", False),
    ("lien-social", "Lien social, utilité sociale", False),
    ("soutien-social", "Soutien social : pair-aidance, écoute, etc.", False),
    ("participation", "Participation des habitants", False),
    ("activite-physique", "Activité physique et mobilités actives", False),
    ("alimentation", "Alimentation", False),
    ("education", "Éducation", False),
    ("arts-culture", "Arts et culture", False),
    ("vie-citoyenne", "Vie citoyenne, diversité", False),
    ("exclusion-sociale", "Exclusion sociale, discriminations", False),
    ("sensibilisation", "Sensibilisation, formation", False),
    ("acces-soins", "Accès aux soins", False),
    ("autre", "Autre", True),
]


def install(apps, schema_editor):
    for model_name, rows in (("ProjectType", PROJECT_TYPES), ("Determinant", DETERMINANTS)):
        model = apps.get_model("kit", model_name)
        for order, (code, label, is_other) in enumerate(rows, start=1):
            model.objects.get_or_create(code=code, defaults={"label": label, "order": order, "is_other": is_other})


class Migration(migrations.Migration):
    dependencies = [("kit", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
