"""Every HTML page of the project, for every role, is valid HTML: the Nu HTML Checker (vnu, the W3C validator's
engine, from the npm package vnu-jar, run with Java) reports no error. All pages go to one vnu run (the JVM starts
once). Skipped locally without Java or `npm ci` in tests/js; a failure in CI (CI=true)."""

import json
import subprocess
from collections import Counter

import pytest

from tests.pages import ROLES, VNU_JAR, pages_for, require_vnu, seed_beside, states_for
from tests.test_access_matrix import world  # noqa: F401 – the access matrix's objects

pytestmark = pytest.mark.django_db

# A fragment that htmx puts into a page (a chart of the bilan) is checked inside the least a document needs.
FRAGMENT_DOCUMENT = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fragment</title></head><body>{}</body></html>'
)


def vnu(paths) -> list[dict]:
    """vnu's messages for these files (its JSON report is written on stderr)."""
    java = require_vnu()
    result = subprocess.run(
        [java, "-Xss8m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stderr)["messages"]


def readable(message, page) -> str:
    extract = " ".join(message.get("extract", "").split())
    line = message.get("lastLine", "?")
    return f"{page.role} {page.name} {page.url} ligne {line} : {message['message']}  « {extract} »"


def test_every_page_is_valid_html(world, tmp_path):  # noqa: F811
    require_vnu()
    seeded = seed_beside(world)
    files = {}
    for role in ROLES:
        for page in pages_for(seeded, role) + states_for(seeded, role):
            path = tmp_path / f"{len(files):03d}.html"
            path.write_text(FRAGMENT_DOCUMENT.format(page.html) if page.fragment else page.html, encoding="utf-8")
            files[path.name] = page
    assert {page.role for page in files.values()} == set(ROLES)
    assert len(files) > 150  # every role's pages, not an empty walk

    messages = vnu([tmp_path / name for name in files])
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    for message in errors:
        message["file"] = message.get("url", "").rsplit("/", 1)[-1]
    pages_with_errors = {m["file"] for m in errors}
    print(f"\nvnu : {len(files)} pages vérifiées, {len(errors)} erreurs sur {len(pages_with_errors)} pages")
    if errors:
        by_kind = Counter(m["message"] for m in errors)
        lines = [readable(m, files[m["file"]]) if m["file"] in files else m["message"] for m in errors[:60]]
        summary = "\n".join(f"{count} × {text}" for text, count in by_kind.most_common(20))
        pytest.fail(
            f"{len(errors)} erreurs du Nu HTML Checker sur {len(pages_with_errors)} des {len(files)} pages.\n"
            f"Par message :\n{summary}\nLes premières :\n" + "\n".join(lines)
        )
