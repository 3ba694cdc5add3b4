"""The standard questionnaire of the programme (2021 onwards) and the seven need categories."""

import datetime

from django.db import migrations

ITEMS = [
    ("sat_logistique", "Organisation logistique", "satisfaction", 5),
    ("sat_dynamique", "Dynamique de groupe", "satisfaction", 5),
    ("sat_animation", "Qualité de l'animation", "satisfaction", 5),
    ("sat_duree", "Durée de l'animation", "satisfaction", 5),
    ("sat_contenu", "Qualité du contenu pédagogique", "satisfaction", 5),
    ("sat_attentes", "Cohérence du contenu avec vos attentes", "satisfaction", 5),
    ("cap_expliquer", "Expliquer à d'autres personnes du quartier les enjeux de la santé mentale", "capacites", 4),
    (
        "cap_posture",
        "Identifier des éléments de posture favorisant une approche déstigmatisante de la santé mentale",
        "capacites",
        4,
    ),
    ("cap_ressources", "Identifier des ressources locales", "capacites", 4),
    ("cap_clsm", "Identifier votre CLSM", "capacites", 4),
    ("eng_concerne", "Vous sentez-vous plus concerné·e par la santé mentale ?", "engagement", 4),
    ("eng_formation", "Avez-vous l'intention de participer à des formations plus avancées ?", "engagement", 4),
    ("eng_investir", "Souhaiteriez-vous vous investir pour la santé mentale dans le quartier ?", "engagement", 4),
]

CATEGORIES = [
    ("competences", "Développement de compétences"),
    ("actions", "Développement d'actions"),
    ("connaissances", "Renforcement des connaissances"),
    ("implication", "Implication d'acteurs"),
    ("reseau", "Travail en réseau"),
    ("ressources_locales", "Valorisation des ressources locales"),
    ("prise_en_charge", "Prise en charge / moyens dédiés"),
]


def install(apps, schema_editor):
    Questionnaire = apps.get_model("evaluation", "Questionnaire")
    Item = apps.get_model("evaluation", "Item")
    NeedCategory = apps.get_model("evaluation", "NeedCategory")
    questionnaire, _ = Questionnaire.objects.get_or_create(
        code="standard-2021",
        defaults={
            "label": "Questionnaire de satisfaction (version 2021)",
            "valid_from": datetime.date(2021, 1, 1),
            "is_current": True,
        },
    )
    for order, (code, label, group, scale) in enumerate(ITEMS, start=1):
        Item.objects.get_or_create(
            questionnaire=questionnaire,
            code=code,
            defaults={"label": label, "group": group, "scale": scale, "order": order},
        )
    for order, (code, label) in enumerate(CATEGORIES, start=1):
        NeedCategory.objects.get_or_create(code=code, defaults={"label": label, "key": str(order), "order": order})


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
