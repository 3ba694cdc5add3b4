"""Which catalogue actions answer each need category of the questionnaire (the bilan's « des besoins aux
actions »). A sheet answers a category when it has one of the listed project types or determinants.

The national centre edits this in the admin: `install` only creates a category's mapping when it has none,
and never changes one that exists."""

from django.db import migrations

# need category code: (project type codes, determinant codes), codes of migration 0002_taxonomies.
MAPPINGS = {
    # Développement de compétences: training, and the skills of listening and peer support.
    "competences": ([], ["sensibilisation", "soutien-social"]),
    # Développement d'actions: actions that make daily life better for mental health.
    "actions": (["mode-de-vie"], []),
    # Renforcement des connaissances
    "connaissances": ([], ["sensibilisation"]),
    # Implication d'acteurs: residents and citizens taking part.
    "implication": ([], ["participation", "vie-citoyenne"]),
    # Travail en réseau: coordination of the local actors, social ties.
    "reseau": (["gouvernance"], ["lien-social"]),
    # Valorisation des ressources locales: places and services that promote health.
    "ressources_locales": ([], ["lieux-de-vie", "acces-soins"]),
    # Prise en charge / moyens dédiés
    "prise_en_charge": (["acces-aux-soins"], ["acces-soins"]),
}


def install(apps, schema_editor):
    NeedActionMapping = apps.get_model("kit", "NeedActionMapping")
    ProjectType = apps.get_model("kit", "ProjectType")
    Determinant = apps.get_model("kit", "Determinant")
    for code, (type_codes, determinant_codes) in MAPPINGS.items():
        mapping, created = NeedActionMapping.objects.get_or_create(need_category_code=code)
        if not created:
            continue
        mapping.project_types.set(ProjectType.objects.filter(code__in=type_codes))
        mapping.determinants.set(Determinant.objects.filter(code__in=determinant_codes))


class Migration(migrations.Migration):
    dependencies = [("kit", "0004_needactionmapping_resource")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
