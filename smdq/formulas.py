"""Texts a spreadsheet would run as formulas (CSV injection). Apart from `smdq/spreadsheets.py` so that writing a
CSV file does not load openpyxl."""

# The characters that make a spreadsheet run a text as a formula when it reads a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A CSV cell that no spreadsheet runs as a formula: an apostrophe before =, +, -, @, tab or CR. CSV has no
    cell types, so the apostrophe shows; in XLSX texts are typed instead (`smdq/spreadsheets.py`)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
