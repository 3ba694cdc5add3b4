#!/bin/sh
# Opens the application's spreadsheets with LibreOffice (headless) and checks what a Calc user gets:
# percentages are numbers (type percentage, between 0 and 1), dates are dates, no cell is a formula and the
# texts that look like formulas (« =1+1 », « @SUM(1;2) »…) read as themselves, without an apostrophe; every
# table has its autofilter. A documented check, not part of CI (LibreOffice is a large Debian package):
#
#   apt-get install -y libreoffice-calc-nogui
#   bench/check_spreadsheets_libreoffice.sh [WORKDIR]
#
# Uses the database of DATABASE_URL (`make run`'s demonstration data will do); the texts planted for the check
# are rolled back. Exit code 0 when every file passes.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON="$ROOT/.venv/bin/python"
WORK=${1:-$(mktemp -d)}
if ! command -v soffice >/dev/null 2>&1; then
    echo "LibreOffice introuvable : apt-get install -y libreoffice-calc-nogui" >&2
    exit 2
fi
rm -rf "$WORK/xlsx" "$WORK/ods" "$WORK/csv"
mkdir -p "$WORK/xlsx" "$WORK/ods" "$WORK/csv"
"$PYTHON" "$ROOT/bench/spreadsheet_samples.py" "$WORK/xlsx"
# A profile of its own: a LibreOffice already open (or another user's profile) does not get in the way.
PROFILE="file://$WORK/profile"
soffice "-env:UserInstallation=$PROFILE" --headless --convert-to ods --outdir "$WORK/ods" "$WORK"/xlsx/*.xlsx
# CSV of every sheet (last filter token -1, LibreOffice 7.2 and later): UTF-8 (76), comma (44), quote (34).
soffice "-env:UserInstallation=$PROFILE" --headless \
    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
    --outdir "$WORK/csv" "$WORK"/xlsx/reponses-*.xlsx
soffice --version
"$PYTHON" "$ROOT/bench/check_spreadsheets_libreoffice.py" "$WORK"
