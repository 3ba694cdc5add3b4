"""`import_qpv` on an official-layout CSV of the whole 2024 list (1,584 QPV).

Floor: reading and parsing the same file without touching the database (`read_qpv_file`).
"""

import csv
import io
import tempfile
from pathlib import Path

from django.db import transaction

from bench.common import measure, report
from territories.models import QPV
from territories.qpv_import import import_qpv_file, read_qpv_file


def official_csv(path: Path) -> None:
    """The ANCT layout: BOM, `;`, leading zeros dropped, several communes in one quoted cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(
        [
            "code_qp",
            "lib_qp",
            "insee_reg",
            "lib_reg",
            "insee_dep",
            "lib_dep",
            "insee_com",
            "lib_com",
            "siren_epci",
            "lib_epci",
            "",
            "",
            "",
        ]
    )
    qpvs = QPV.objects.filter(list_year=2024).select_related("department__region").prefetch_related("communes")
    for qpv in qpvs.order_by("code"):
        department = qpv.department
        communes = list(qpv.communes.all())
        writer.writerow(
            [
                qpv.code,
                qpv.name,
                department.region_id or "",
                department.region.name if department.region else "",
                department.code.lstrip("0"),
                department.name,
                "; ".join(c.code.lstrip("0") for c in communes),
                "; ".join(c.name for c in communes),
                "",
                "",
                "",
                "",
                "",
            ]
        )
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")


class _Rollback(Exception):
    pass


def run():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "listeqp2024.csv"
        official_csv(path)

        def first_import():
            try:
                with transaction.atomic():
                    QPV.objects.all().delete()
                    import_qpv_file(path)
                    raise _Rollback
            except _Rollback:
                pass

        floor, _ = measure(lambda: read_qpv_file(path))
        first, queries = measure(first_import, runs=3)
        report("import_qpv full 2024 list (1584 created)", first, floor, queries, "parse only")
        again, queries = measure(lambda: import_qpv_file(path))
        report("import_qpv full 2024 list again (0 created)", again, floor, queries, "parse only")
