"""The 26 action sheets of the Villes-Santé collection (seed 004), published from the start.

Facts (names, budgets, ticked boxes) come from `fixtures/actions_004.json`; the descriptions are rewritten
in our own words. The file is read relative to the app. A sheet whose slug exists is left alone, so running
`install` again (or after the national centre edited a sheet) changes nothing.

`migrate` runs before `load_territories` on a new database: the régions, départements and the few communes
the sheets point to are created here from the same shipped COG 2024 files, with the same values, so the
later full load finds them already in place."""

import csv
import gzip
import io
import json
from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.utils import timezone

SHEETS_FILE = Path(__file__).resolve().parent.parent / "fixtures_data" / "actions_004_sheets.json"
COG = Path(settings.BASE_DIR) / "fixtures" / "territories"

MULTILINE = ("services", "partners")
PLAIN = (
    "title", "territory_text", "period_text", "start_year", "lead", "authority_role", "budget_operating",
    "budget_investment", "budget_contribution", "financial_partners", "project_type_other", "qpv_specific",
    "other_specificity", "determinant_other", "context", "objectives", "course_of_action", "mental_health_explicit",
    "what_helped", "what_hindered", "inequalities", "lessons", "effects_indicators", "all_policies", "source",
)


def _csv(name):
    raw = (COG / name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _ensure_territories(apps, department_codes, commune_codes):
    Region = apps.get_model("territories", "Region")
    Department = apps.get_model("territories", "Department")
    Commune = apps.get_model("territories", "Commune")
    missing_departments = set(department_codes) - set(
        Department.objects.filter(code__in=department_codes).values_list("code", flat=True)
    )
    missing_communes = set(commune_codes) - set(
        Commune.objects.filter(code__in=commune_codes).values_list("code", flat=True)
    )
    if not (missing_departments or missing_communes):
        return
    departments = {r["DEP"]: r for r in _csv("departements.csv")}
    communes = {r["COM"]: r for r in _csv("communes.csv.gz") if r["TYPECOM"] == "COM"}
    needed = missing_departments | {communes[c]["DEP"] for c in missing_communes}
    regions = {r["REG"]: r for r in _csv("regions.csv")}
    for code in sorted(needed):
        row = departments[code]
        region, _ = Region.objects.get_or_create(code=row["REG"], defaults={"name": regions[row["REG"]]["LIBELLE"]})
        Department.objects.get_or_create(code=code, defaults={"name": row["LIBELLE"], "region": region})
    for code in sorted(missing_communes):
        row = communes[code]
        Commune.objects.get_or_create(
            code=code, defaults={"name": row["LIBELLE"], "kind": "COM", "department_id": row["DEP"]}
        )


def install(apps, schema_editor):
    ActionSheet = apps.get_model("kit", "ActionSheet")
    ProjectType = apps.get_model("kit", "ProjectType")
    Determinant = apps.get_model("kit", "Determinant")
    Department = apps.get_model("territories", "Department")
    sheets = json.loads(SHEETS_FILE.read_text(encoding="utf-8"))
    _ensure_territories(
        apps, {s["department"] for s in sheets}, {c for s in sheets for c in s["communes"]}
    )
    project_types = {p.code: p for p in ProjectType.objects.all()}
    determinants = {d.code: d for d in Determinant.objects.all()}
    existing = set(ActionSheet.objects.values_list("slug", flat=True))
    now = timezone.now()
    for data in sheets:
        if data["slug"] in existing:
            continue
        department = Department.objects.get(code=data["department"])
        sheet = ActionSheet.objects.create(
            slug=data["slug"],
            department=department,
            region_id=department.region_id,
            status="publiee",
            published_at=now,
            **{field: data[field] for field in PLAIN},
            **{field: "\n".join(data[field]) for field in MULTILINE},
        )
        sheet.communes.set(data["communes"])
        sheet.project_types.set([project_types[code] for code in data["project_types"]])
        sheet.determinants.set([determinants[code] for code in data["determinants"]])


class Migration(migrations.Migration):
    dependencies = [("kit", "0002_taxonomies"), ("territories", "0002_clsm_name_unique_ignoring_case")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
