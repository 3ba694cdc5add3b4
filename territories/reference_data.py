"""Loading the reference data shipped in `fixtures/territories/` (COG 2024 and the QPV 2024 list).

Each file's fingerprint is kept in ReferenceDataset, so a second load of unchanged files does nothing.
"""

import csv
import gzip
import hashlib
import io
from pathlib import Path

from django.conf import settings
from django.db import transaction

from territories.models import Commune, Department, ReferenceDataset, Region

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "territories"
COG_FILES = ("regions.csv", "departements.csv", "communes.csv.gz", "collectivites_outre_mer.csv")
QPV_FILE = "qpv2024.json.gz"
_KIND_PRIORITY = {"COM": 0, "ARM": 1, "COMD": 2, "COMA": 3}


def _fingerprint(*names: str) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update((FIXTURES / name).read_bytes())
    return digest.hexdigest()


def _csv_rows(name: str):
    path = FIXTURES / name
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _sync(model, objects: list, fields: list[str]) -> None:
    """Create missing rows and update changed ones, by primary key."""
    existing = {obj.pk: obj for obj in model.objects.all()}
    to_create = [obj for obj in objects if obj.pk not in existing]
    to_update = [
        obj
        for obj in objects
        if obj.pk in existing and any(getattr(obj, f) != getattr(existing[obj.pk], f) for f in fields)
    ]
    model.objects.bulk_create(to_create, batch_size=2000)
    model.objects.bulk_update(to_update, fields, batch_size=2000)


@transaction.atomic
def load_cog() -> None:
    _sync(Region, [Region(code=r["REG"], name=r["LIBELLE"]) for r in _csv_rows("regions.csv")], ["name"])
    overseas = _csv_rows("collectivites_outre_mer.csv")
    departments = [
        Department(code=r["DEP"], name=r["LIBELLE"], region_id=r["REG"] or None) for r in _csv_rows("departements.csv")
    ] + [Department(code=r["code"], name=r["nom"], region_id=None) for r in overseas if r["type"] == "collectivite"]
    _sync(Department, departments, ["name", "region_id"])

    rows = _csv_rows("communes.csv.gz")
    department_of = {r["COM"]: r["DEP"] for r in rows if r["TYPECOM"] == "COM"}
    chosen: dict[str, dict] = {}
    for row in rows:
        current = chosen.get(row["COM"])
        # One code can name a commune and, before a merger, its delegated commune: the commune wins.
        if current is None or _KIND_PRIORITY[row["TYPECOM"]] < _KIND_PRIORITY[current["TYPECOM"]]:
            chosen[row["COM"]] = row
    communes = [
        Commune(
            code=code,
            name=row["LIBELLE"],
            kind=row["TYPECOM"],
            department_id=row["DEP"] or department_of[row["COMPARENT"]],
        )
        for code, row in chosen.items()
    ]
    communes += [
        Commune(code=r["code"], name=r["nom"], kind="COM", department_id=r["departement"])
        for r in overseas
        if r["type"] == "commune"
    ]
    _sync(Commune, communes, ["name", "kind", "department_id"])


def load_reference_data(*, force: bool = False, stdout=None) -> list[str]:
    """Returns what was loaded (empty when everything was already up to date)."""
    from territories.qpv_import import import_qpv_file

    loaded = []
    steps = [
        ("cog2024", COG_FILES, load_cog),
        ("qpv2024", (QPV_FILE,), lambda: import_qpv_file(FIXTURES / QPV_FILE)),
    ]
    for name, files, load in steps:
        fingerprint = _fingerprint(*files)
        if not force and ReferenceDataset.objects.filter(name=name, fingerprint=fingerprint).exists():
            continue
        outcome = load()
        ReferenceDataset.objects.update_or_create(name=name, defaults={"fingerprint": fingerprint})
        loaded.append(f"{name} : {outcome.summary()}" if outcome else name)
    return loaded
