"""Reading the official QPV lists (ANCT CSV/XLSX of 2024, 2015 list, GeoJSON perimeters, the shipped
gazetteer) into QPV rows. Everything is checked before anything is written; re-running changes nothing.
"""

import gzip
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from imports.base import ImportFailed, ImportResult, RowError
from imports.tables import FileError, read_table
from territories.models import (
    QPV,
    QPV_2015_CODE,
    QPV_2024_CODE,
    Commune,
    Department,
    QPVPerimeter,
    department_code_from_qpv_code,
)

# Column names seen in the files published over the years, compared without case, accents or separators.
HEADER_ALIASES = {
    "code": ("code_qp", "code_qpv", "codeqp", "code_quartier", "cod_qp", "qp", "code"),
    "name": (
        "lib_qp",
        "nom_qp",
        "libelle_qp",
        "lib_qpv",
        "nom_qpv",
        "nom_quartier",
        "libelle",
        "nom",
        "label",
    ),
    "communes": (
        "insee_com",
        "code_commune",
        "codes_communes",
        "code_insee",
        "insee_commune",
        "code_com",
        "depcom",
        "com",
        "insee",
    ),
    "department": ("insee_dep", "code_departement", "code_dep", "dep", "departement"),
}
CODE_HELP = "attendu QN + département sur 3 caractères + 2 chiffres + une lettre (QN07501M), ou QP + 6 chiffres"


def _norm_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().strip()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def normalise_commune_code(raw: str) -> str:
    code = raw.strip().strip('"').upper()
    # The ANCT CSV drops leading zeros (1053 for 01053).
    return code.zfill(5) if code.isdigit() else code


def normalise_department_code(raw: str) -> str:
    code = raw.strip().upper()
    if code.isdigit():
        code = code.zfill(2)
        if len(code) == 3 and code.startswith("0"):
            code = code[1:]
    return code


@dataclass
class QPVRecord:
    line: int
    code: str
    name: str
    communes: list[str]
    department: str = ""
    geometry: dict | None = None
    unit: str = "ligne"
    columns: dict = field(default_factory=dict)


def _representative_point(geometry: dict | None):
    """Centre of the bounding box of the outer rings: good enough for distances and map markers."""
    if not geometry:
        return None, None
    polygons = geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry["coordinates"]]
    xs, ys = [], []
    for polygon in polygons:
        if not polygon:
            continue
        for lon, lat, *_ in polygon[0]:
            xs.append(lon)
            ys.append(lat)
    if not xs:
        return None, None
    return (min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2


def _records_from_table(path: Path) -> list[QPVRecord]:
    table = read_table(path)
    mapping = {}
    normalised = {_norm_header(h): h for h in table.headers}
    for key, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if alias in normalised:
                mapping[key] = normalised[alias]
                break
    missing = [key for key in ("code", "name", "communes") if key not in mapping]
    if missing:
        raise ImportFailed(
            [
                RowError(
                    1,
                    HEADER_ALIASES[key][0],
                    "colonne obligatoire absente de la ligne d'en-têtes (noms reconnus : "
                    + ", ".join(HEADER_ALIASES[key][:5])
                    + ")",
                )
                for key in missing
            ]
        )
    if not table.rows:
        raise ImportFailed([RowError(1, None, "le fichier ne contient aucune ligne de données sous les en-têtes")])
    records = []
    for row in table.rows:
        records.append(
            QPVRecord(
                line=row.line,
                code=row.get(mapping["code"]),
                name=row.get(mapping["name"]),
                communes=[c for c in re.split(r"[;,]", row.get(mapping["communes"])) if c.strip()],
                department=row.get(mapping["department"]) if "department" in mapping else "",
                columns=mapping,
            )
        )
    return records


def _records_from_geojson(data: dict) -> list[QPVRecord]:
    records = []
    for index, feature in enumerate(data.get("features") or [], start=1):
        props = {
            _norm_header(k): "" if v is None else str(v).strip() for k, v in (feature.get("properties") or {}).items()
        }

        def pick(key, props=props):
            for alias in HEADER_ALIASES[key]:
                if props.get(alias):
                    return props[alias]
            return ""

        geometry = feature.get("geometry")
        if geometry and geometry.get("type") not in ("Polygon", "MultiPolygon"):
            geometry = None
        records.append(
            QPVRecord(
                line=index,
                code=pick("code"),
                name=pick("name"),
                communes=[c for c in re.split(r"[;,]", pick("communes")) if c.strip()],
                department=pick("department"),
                geometry=geometry,
                unit="entité",
                columns={
                    "code": "code_qp",
                    "name": "nom_qp",
                    "communes": "code_commune",
                    "department": "code_departement",
                },
            )
        )
    return records


def _records_from_gazetteer(data: dict) -> list[QPVRecord]:
    columns = {"code": "code", "name": "label", "communes": "insee", "department": "code"}
    return [
        QPVRecord(
            line=index,
            code=item.get("code", ""),
            name=item.get("label", ""),
            communes=list(item.get("insee") or []),
            geometry={"type": "MultiPolygon", "coordinates": item["g"]} if item.get("g") else None,
            unit="entrée",
            columns=columns,
        )
        for index, item in enumerate(data["qpvs"], start=1)
    ]


def read_qpv_file(path) -> list[QPVRecord]:
    path = Path(path)
    if not path.is_file():
        raise FileError(f"Fichier introuvable : {path}")
    name = path.name.lower()
    if name.endswith((".json", ".geojson", ".json.gz", ".geojson.gz")):
        opener = gzip.open if name.endswith(".gz") else open
        try:
            with opener(path, "rt", encoding="utf-8-sig") as handle:
                data = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileError(f"Le fichier JSON est illisible : {exc}") from None
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            return _records_from_geojson(data)
        if isinstance(data, dict) and isinstance(data.get("qpvs"), list):
            return _records_from_gazetteer(data)
        raise FileError("Ce JSON n'est ni une FeatureCollection GeoJSON ni une liste de QPV reconnue.")
    return _records_from_table(path)


class QPVImport:
    def __init__(self, records: list[QPVRecord]):
        self.records = records
        self.errors: list[RowError] = []

    def _error(self, record, key, message):
        self.errors.append(RowError(record.line, record.columns.get(key), message, unit=record.unit))

    def validate(self):
        known_communes = set(Commune.objects.values_list("code", flat=True))
        known_departments = set(Department.objects.values_list("code", flat=True))
        seen: dict[str, int] = {}
        valid = []
        for record in self.records:
            ok = True
            record.code = record.code.strip().upper()
            record.name = record.name.strip()
            if not record.code:
                self._error(record, "code", "code du QPV manquant")
                ok = False
            elif not (QPV_2024_CODE.match(record.code) or QPV_2015_CODE.match(record.code)):
                self._error(record, "code", f"code QPV mal formé « {record.code} » ({CODE_HELP})")
                ok = False
            elif record.code in seen:
                self._error(
                    record,
                    "code",
                    f"QPV {record.code} en double (déjà présent {record.unit} {seen[record.code]})",
                )
                ok = False
            else:
                seen[record.code] = record.line
            if not record.name:
                self._error(record, "name", "nom du QPV manquant")
                ok = False
            communes = [normalise_commune_code(c) for c in record.communes]
            if not communes:
                self._error(record, "communes", "aucune commune (code INSEE) indiquée")
                ok = False
            for code in communes:
                if code not in known_communes:
                    self._error(record, "communes", f"commune inconnue « {code} » (absente du COG 2024)")
                    ok = False
            record.communes = list(dict.fromkeys(communes))
            if ok:
                from_code = department_code_from_qpv_code(record.code)
                department = normalise_department_code(record.department) if record.department else from_code
                if record.code.startswith("QN") and record.department and department != from_code:
                    self._error(
                        record,
                        "department",
                        f"le département « {department} » ne correspond pas au code {record.code} ({from_code})",
                    )
                    ok = False
                elif department not in known_departments:
                    self._error(record, "department", f"département inconnu « {department} »")
                    ok = False
                record.department = department
            if ok:
                valid.append(record)
        if self.errors:
            raise ImportFailed(sorted(self.errors, key=lambda e: e.line))
        return valid

    @transaction.atomic
    def apply(self) -> ImportResult:
        records = self.validate()
        result = ImportResult("QPV", "QPV")
        existing = {q.code: q for q in QPV.objects.filter(code__in=[r.code for r in records])}
        communes_of = {}
        for qpv_id, commune_id in QPV.communes.through.objects.filter(qpv__in=existing.values()).values_list(
            "qpv_id", "commune_id"
        ):
            communes_of.setdefault(qpv_id, set()).add(commune_id)
        with_geometry = [r for r in records if r.geometry]
        perimeters = dict(
            QPVPerimeter.objects.filter(qpv__code__in=[r.code for r in with_geometry]).values_list("qpv_id", "geometry")
        )

        to_create, to_update, changed_links, changed_perimeters = [], [], [], []
        for record in records:
            latitude, longitude = _representative_point(record.geometry)
            qpv = existing.get(record.code)
            if qpv is None:
                qpv = QPV(
                    code=record.code,
                    name=record.name,
                    list_year=2024 if record.code.startswith("QN") else 2015,
                    department_id=record.department,
                    latitude=latitude,
                    longitude=longitude,
                )
                to_create.append((qpv, record))
                continue
            changed = False
            if qpv.name != record.name or qpv.department_id != record.department:
                qpv.name, qpv.department_id = record.name, record.department
                changed = True
            if communes_of.get(qpv.pk, set()) != set(record.communes):
                changed_links.append((qpv, record))
                changed = True
            if record.geometry and perimeters.get(qpv.pk) != record.geometry:
                qpv.latitude, qpv.longitude = latitude, longitude
                changed_perimeters.append((qpv, record))
                changed = True
            if changed:
                to_update.append(qpv)
                result.updated += 1
            else:
                result.unchanged += 1

        QPV.objects.bulk_create([qpv for qpv, _ in to_create], batch_size=500)
        if any(q.pk is None for q, _ in to_create):  # backends that do not return ids (none we support today)
            ids = dict(QPV.objects.filter(code__in=[q.code for q, _ in to_create]).values_list("code", "pk"))
            for qpv, _ in to_create:
                qpv.pk = ids[qpv.code]
        result.created = len(to_create)
        QPV.objects.bulk_update(to_update, ["name", "department", "latitude", "longitude"], batch_size=500)

        through = QPV.communes.through
        through.objects.filter(qpv__in=[q for q, _ in changed_links]).delete()
        through.objects.bulk_create(
            [through(qpv_id=q.pk, commune_id=c) for q, r in to_create + changed_links for c in r.communes],
            batch_size=1000,
        )
        QPVPerimeter.objects.filter(qpv__in=[q for q, _ in changed_perimeters]).delete()
        QPVPerimeter.objects.bulk_create(
            [QPVPerimeter(qpv=q, geometry=r.geometry) for q, r in to_create + changed_perimeters if r.geometry],
            batch_size=200,
        )
        return result


def import_qpv_file(path) -> ImportResult:
    return QPVImport(read_qpv_file(path)).apply()
