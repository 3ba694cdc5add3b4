import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import kit.models
import kit.storage


class Migration(migrations.Migration):
    dependencies = [
        ("kit", "0003_actions_004"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NeedActionMapping",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "need_category_code",
                    models.SlugField(
                        help_text="Le code de la catégorie dans le questionnaire, par exemple « competences ».",
                        max_length=30,
                        unique=True,
                        verbose_name="code de la catégorie de besoin",
                    ),
                ),
                (
                    "determinants",
                    models.ManyToManyField(
                        blank=True,
                        related_name="need_mappings",
                        to="kit.determinant",
                        verbose_name="déterminants de la santé mentale",
                    ),
                ),
                (
                    "project_types",
                    models.ManyToManyField(
                        blank=True, related_name="need_mappings", to="kit.projecttype", verbose_name="types de projet"
                    ),
                ),
            ],
            options={
                "verbose_name": "correspondance besoin → actions",
                "verbose_name_plural": "correspondances besoins → actions",
                "ordering": ["need_category_code"],
            },
        ),
        migrations.CreateModel(
            name="Resource",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200, verbose_name="titre")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("animation", "supports d'animation"),
                            ("guide", "guide méthodologique"),
                            ("evaluation", "outil d'évaluation"),
                            ("autre", "autre"),
                        ],
                        max_length=12,
                        verbose_name="type de ressource",
                    ),
                ),
                (
                    "version",
                    models.CharField(
                        help_text="Par exemple : « v2 » ou « septembre 2024 ».", max_length=50, verbose_name="version"
                    ),
                ),
                (
                    "audience",
                    models.CharField(
                        choices=[
                            ("public", "tout public"),
                            ("coordinators", "coordinateur·rices CLSM et centre national"),
                            ("staff", "centre national uniquement"),
                        ],
                        default="coordinators",
                        max_length=12,
                        verbose_name="qui peut la télécharger",
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        storage=kit.storage.private_storage,
                        upload_to=kit.models.resource_file_name,
                        verbose_name="fichier",
                    ),
                ),
                ("original_name", models.CharField(max_length=255, verbose_name="nom du fichier")),
                ("size", models.PositiveBigIntegerField(verbose_name="taille (octets)")),
                ("content_type", models.CharField(max_length=120, verbose_name="type de contenu")),
                (
                    "is_published",
                    models.BooleanField(
                        default=True,
                        help_text="Une ressource non publiée n'est visible que du centre national.",
                        verbose_name="publiée",
                    ),
                ),
                (
                    "uploaded_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="fichier déposé le"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modifiée le")),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="kit_resources",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="déposée par",
                    ),
                ),
            ],
            options={
                "verbose_name": "ressource du kit",
                "verbose_name_plural": "ressources du kit",
                "ordering": ["kind", "title"],
            },
        ),
    ]
