"""Time and peak memory of the application facing hostile files (issue #12), each in a fresh process with the
production settings (DEBUG=0): `import_data` for tables, the kit library's upload check for office files, PDFs
and images. Every file is built here, small on disk (tests/hostile_files.py).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/smdq_bench
    .venv/bin/python bench/bench_hostile_files.py [--timeout 120] [--only NAME]

Prints one line per file: its size, what the application answered, wall time and peak resident memory (from
wait4, the child's own maximum). A process still running at the timeout is killed and reported as such; each
child may use at most 8 GB of address space, so that a bomb cannot take the machine down.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile_files as hostile  # noqa: E402

GIB, MIB = 1024**3, 1024**2
PARTICIPANTS = ["session", "genre", "profil", "structure", "habite_qpv", "agit_qpv"]
KIT_CHECK = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smdq.settings")
django.setup()
from django.core.exceptions import ValidationError
from django.core.files import File
from kit.resources import check_upload
path = sys.argv[1]
with open(path, "rb") as handle:
    try:
        print("accepté :", check_upload(File(handle, name=os.path.basename(path))))
    except ValidationError as error:
        sys.exit("refusé : " + " ".join(error.messages))
"""


def files():
    """(name, builder, how it is checked)"""
    return [
        # The floor: starting Django and checking a well-formed file.
        ("floor_valid_header_only.csv", lambda: hostile.csv_rows(PARTICIPANTS, 0), "participants"),
        ("floor_valid.pdf", hostile.pdf, "kit"),
        ("participants_2gib.xlsx", lambda: hostile.xlsx_inflating_to(PARTICIPANTS, 2 * GIB), "participants"),
        ("participants_600mib.xlsx", lambda: hostile.xlsx_inflating_to(PARTICIPANTS, 600 * MIB), "participants"),
        (
            "participants_A1_XFD1048576.xlsx",
            lambda: hostile.xlsx_declaring(PARTICIPANTS, last_cell="XFD1048576"),
            "participants",
        ),
        ("participants_wide_row.xlsx", lambda: hostile.xlsx_wide_row(PARTICIPANTS, 5_000_000), "participants"),
        ("participants_2m_rows.csv", lambda: hostile.csv_rows(PARTICIPANTS, 2_000_000, b"ab;c"), "participants"),
        ("mimetype_1gib.odt", lambda: hostile.odt_mimetype_bomb(GIB), "kit"),
        ("document_1gib.docx", lambda: hostile.docx_bomb(GIB), "kit"),
        ("html.pdf", lambda: b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n", "kit"),
        ("pixels_30000x30000.png", lambda: hostile.png_bomb(30000, 30000), "kit"),
    ]


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (8 * GIB, 8 * GIB))


def run(command, timeout):
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "localhost"}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit_memory
    )
    killed = threading.Event()

    def kill():
        killed.set()
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    # Read the pipes in threads, so that a chatty child never blocks; wait4 gives this child's own peak RSS.
    outputs = {}
    readers = [
        threading.Thread(target=lambda name=name, pipe=pipe: outputs.__setitem__(name, pipe.read()))
        for name, pipe in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    timer.cancel()
    for reader in readers:
        reader.join()
    text = (outputs["err"] or outputs["out"]).decode(errors="replace").strip().splitlines()
    answer = f"tué après {timeout:.0f} s" if killed.is_set() else (text[-1] if text else "")
    return process.returncode, answer, elapsed, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--only", default="", help="run only the files whose name contains this")
    options = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        print("| file | on disk | exit | answer | time | peak RSS |\n|---|---|---|---|---|---|")
        for name, build, check in files():
            if options.only not in name:
                continue
            path = Path(folder) / name
            path.write_bytes(build())
            if check == "kit":
                command = [python, "-c", KIT_CHECK, str(path)]
            else:
                command = [python, "manage.py", "import_data", check, str(path)]
            code, answer, elapsed, peak = run(command, options.timeout)
            size = path.stat().st_size
            print(
                f"| {name} | {size / 1024:,.0f} Ko | {code} | {answer[:110]} | {elapsed:.1f} s | {peak:,.0f} Mo |",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
