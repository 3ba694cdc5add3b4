#!/usr/bin/env python
"""Counts, in XLSX files, what makes a spreadsheet hard to compute with (read with openpyxl, as written).

    .venv/bin/python bench/audit_spreadsheets.py FILE.xlsx ...

Per file: percentage cells (a column or row whose header speaks of a percentage, a share or a rate) that are not
a fraction with a % number format; numbers and dates stored as text; text cells with a visible apostrophe before
a formula sign; cells stored as formulas; machine-code headers (lower case with an underscore, or one lower-case
word); tables (sheets of more than one row) without a frozen header row or an autofilter; the document's title,
creator and language; whether a « Dictionnaire des données » sheet is there. Exit code 0: it informs.
"""

import re
import sys
from datetime import date, datetime

from openpyxl import load_workbook

PERCENT_WORDS = re.compile(r"%|pourcentage|\bpart\b|\btaux\b", re.IGNORECASE)
CODE_HEADER = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
NUMBER_TEXT = re.compile(r"^[-+]?\d+([.,]\d+)?\s*%?$")
CODE_COLUMN = re.compile(r"code|identifiant|r[ée]gion|^qpv$", re.IGNORECASE)  # INSEE codes are texts ("02")
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{2}/\d{2}/\d{4}$")
FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r")


def audit(path) -> dict:
    book = load_workbook(path)  # not read-only: freeze panes and filters are read too
    found = {
        "percent_cells": 0,
        "percent_not_fraction": 0,
        "numbers_as_text": 0,
        "dates_as_text": 0,
        "dates": 0,
        "apostrophe_before_formula_sign": 0,
        "formula_cells": 0,
        "code_headers": 0,
        "tables": 0,
        "tables_without_frozen_header": 0,
        "tables_without_autofilter": 0,
    }
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows())
        if len(rows) < 2:
            continue
        header_row = next((i for i, row in enumerate(rows) if sum(c.value is not None for c in row) > 1), 0)
        if sheet.max_column == 1:
            header_row = 0
        is_table = sheet.title not in ("Présentation",)
        if is_table:
            found["tables"] += 1
            if sheet.freeze_panes is None:
                found["tables_without_frozen_header"] += 1
            if not sheet.auto_filter.ref:
                found["tables_without_autofilter"] += 1
        headers = [c.value for c in rows[header_row]]
        found["code_headers"] += sum(isinstance(h, str) and bool(CODE_HEADER.match(h)) for h in headers)
        for row in rows[header_row + 1 :]:
            row_label = row[0].value if row else None
            for index, cell in enumerate(row):
                value = cell.value
                header = headers[index] if index < len(headers) else None
                in_percent = any(isinstance(t, str) and PERCENT_WORDS.search(t) for t in (header, row_label))
                if cell.data_type == "f":
                    found["formula_cells"] += 1
                if isinstance(value, (datetime, date)):
                    found["dates"] += 1
                if isinstance(value, str):
                    if value.startswith("'") and value[1:].startswith(FORMULA_SIGNS):
                        found["apostrophe_before_formula_sign"] += 1
                    if NUMBER_TEXT.match(value.strip()) and not CODE_COLUMN.search(str(header)):
                        found["numbers_as_text"] += 1
                    if DATE_TEXT.match(value.strip()):
                        found["dates_as_text"] += 1
                if in_percent and index > 0 and isinstance(value, (int, float)) and not isinstance(value, bool):
                    found["percent_cells"] += 1
                    if "%" not in cell.number_format or not 0 <= value <= 1:
                        found["percent_not_fraction"] += 1
    props = book.properties
    found["title"] = props.title
    found["creator"] = props.creator
    found["language"] = props.language
    found["dictionary_sheet"] = "Dictionnaire des données" in book.sheetnames
    return found


def main(paths):
    for path in paths:
        print(path)
        for key, value in audit(path).items():
            print(f"  {key}: {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
