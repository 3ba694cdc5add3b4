#!/usr/bin/env python
"""Reads the workbooks as LibreOffice converted them (`check_spreadsheets_libreoffice.sh`) and checks what a
user of LibreOffice Calc gets:

- no cell holds a formula (`table:formula`), and each planted formula-like text reads as itself, a text with no
  apostrophe, in the ODS and in the CSV LibreOffice writes;
- every percentage (the « Pourcentage » and « Part des besoins catégorisés » columns, the response rate) is a
  number of type percentage between 0 and 1 (or the funder's text « < 5 »);
- the dates of the cover and of the responses are dates; counts are numbers;
- every sheet but the cover has its autofilter (a database range with filter buttons).

    .venv/bin/python bench/check_spreadsheets_libreoffice.py WORKDIR     # WORKDIR/ods/*.ods, WORKDIR/csv/*.csv

Prints one line per file and a total; exit code 1 on any failure.
"""

import csv
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
TABLE, OFFICE = "{" + NS["table"] + "}", "{" + NS["office"] + "}"
HOSTILE = ["=1+1", "@SUM(1;2)", "-2+3", '=HYPERLINK("http://example.org";"clic")']  # bench/spreadsheet_samples.py
PERCENT_COLUMNS = {"Profil": "Pourcentage", "Besoins": "Part des besoins catégorisés"}
HIDDEN = "< 5"


def cells(table):
    """The table's rows as lists of (value type, value, text, formula), repeated cells expanded (up to the data)."""
    rows = []
    for row in table.iter(f"{TABLE}table-row"):
        line = []
        for cell in row:
            if cell.tag not in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
                continue
            repeat = min(int(cell.get(f"{TABLE}number-columns-repeated", "1")), 64)
            text = "\n".join("".join(p.itertext()) for p in cell.findall("text:p", NS))
            value = cell.get(f"{OFFICE}value") or cell.get(f"{OFFICE}date-value")
            line += [(cell.get(f"{OFFICE}value-type"), value, text, cell.get(f"{TABLE}formula"))] * repeat
        while line and line[-1][0] is None:
            line.pop()
        rows.append(line)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def check_ods(path: Path) -> tuple[list[str], dict]:
    problems, counts = [], {"percentages": 0, "dates": 0, "numbers": 0, "hostile_texts": 0, "sheets": 0}
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    tables = root.findall(".//table:table", NS)
    ranges = root.findall(".//table:database-range", NS)
    filtered = {
        r.get(f"{TABLE}target-range-address", "").split(".")[0].strip("$'")
        for r in ranges
        if r.get(f"{TABLE}display-filter-buttons") == "true"
    }
    for table in tables:
        name = table.get(f"{TABLE}name")
        rows = cells(table)
        counts["sheets"] += 1
        if name != "Présentation" and name not in filtered:
            problems.append(f"{name} : pas de filtre automatique")
        for r, line in enumerate(rows, start=1):
            for c, (kind, _value, text, formula) in enumerate(line, start=1):
                if formula:
                    problems.append(f"{name} L{r}C{c} : formule {formula!r}")
                if kind in ("float", "percentage"):
                    counts["numbers"] += 1
                if kind == "date":
                    counts["dates"] += 1
                if text in HOSTILE:
                    counts["hostile_texts"] += 1
                    if kind != "string":
                        problems.append(f"{name} L{r}C{c} : {text!r} lu comme {kind}")
                if text.startswith("'") and text[1:] in HOSTILE:
                    problems.append(f"{name} L{r}C{c} : apostrophe visible {text!r}")
        header = [t for _k, _v, t, _f in rows[0]] if rows else []
        if name in PERCENT_COLUMNS and PERCENT_COLUMNS[name] in header:
            index = header.index(PERCENT_COLUMNS[name])
            for r, line in enumerate(rows[1:], start=2):
                if index >= len(line) or line[index][0] is None:
                    continue  # blank: no percentage on this row (totals)
                kind, value, text, _f = line[index]
                if kind == "percentage" and 0 <= float(value) <= 1:
                    counts["percentages"] += 1
                elif text != HIDDEN:
                    problems.append(f"{name} L{r} : pourcentage lu comme {kind} {text!r}")
        if name == "Chiffres clés":
            for line in rows[1:]:
                if line and line[0][2] == "Taux de réponse au questionnaire" and len(line) > 1:
                    if line[1][0] == "percentage":
                        counts["percentages"] += 1
                    elif line[1][2] != HIDDEN:
                        problems.append(f"Chiffres clés : taux de réponse lu comme {line[1][0]} {line[1][2]!r}")
        if name == "Présentation":
            for line in rows:
                dated = line and line[0][2] in ("Du", "Au") and len(line) > 1
                if dated and line[1][0] != "date" and line[1][2] not in ("début", "aujourd'hui"):
                    problems.append(f"Présentation : « {line[0][2]} » lu comme {line[1][0]} {line[1][2]!r}")
        if name == "Réponses" and "Date de la séance" in header:
            index = header.index("Date de la séance")
            wrong = [line[index] for line in rows[1:] if index < len(line) and line[index][0] != "date"]
            if wrong:
                problems.append(f"Réponses : {len(wrong)} dates de séance lues comme {wrong[0][0]} {wrong[0][2]!r}")
    if path.name.startswith("bilan") and not counts["percentages"]:
        problems.append("aucun pourcentage trouvé")
    return problems, counts


def check_csv(path: Path) -> list[str]:
    """The CSV of the responses sheet as LibreOffice writes it: each planted text as itself (no result, no
    apostrophe)."""
    with path.open(encoding="utf-8", newline="") as handle:
        values = {v for row in csv.reader(handle) for v in row}
    missing = [text for text in HOSTILE if text not in values]
    return [f"texte {text!r} absent du CSV (évalué ou modifié)" for text in missing]


def main(workdir: Path) -> int:
    failures = 0
    totals: dict[str, int] = {}
    for path in sorted((workdir / "ods").glob("*.ods")):
        problems, counts = check_ods(path)
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        status = "OK" if not problems else "ÉCHEC"
        print(f"{status} {path.name} : " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for problem in problems:
            print(f"    {problem}")
        failures += bool(problems)
    responses_csv = sorted((workdir / "csv").glob("reponses*Réponses*.csv")) or sorted(
        p for p in (workdir / "csv").glob("reponses*.csv") if re.search(r"R.ponses", p.name)
    )
    for path in responses_csv:
        problems = check_csv(path)
        print(("OK " if not problems else "ÉCHEC ") + f"{path.name} : textes à signe de formule lus tels quels")
        for problem in problems:
            print(f"    {problem}")
        failures += bool(problems)
    if not responses_csv:
        print("ÉCHEC : pas de CSV de la feuille « Réponses »")
        failures += 1
    print("Total : " + ", ".join(f"{k} {v}" for k, v in totals.items()) + f" ; fichiers en échec : {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
