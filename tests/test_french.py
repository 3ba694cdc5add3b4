"""French that reads right: plural agreement from the catalogue, typography (no-break spaces, « 1er », « 14 h 00 »),
month names, history in words, the admin's titles."""

import datetime
import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from smdq.typography import NBSP, NNBSP, french_html, french_text
from tests.factories import AwarenessSessionFactory, SessionRequestFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"


def _text(html: str) -> str:
    """What a reader sees: tags out, runs of ordinary white space as one space (no-break spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


# The typography filter -----------------------------------------------------------------------------------------


def test_no_break_spaces_before_high_punctuation_and_inside_guillemets():
    assert french_text("Statut : réalisée ; vraiment ? Oui ! 8,5 %") == (
        f"Statut{NBSP}: réalisée{NNBSP}; vraiment{NNBSP}? Oui{NNBSP}! 8,5{NBSP}%"
    )
    assert french_text("« Bonjour »") == f"«{NBSP}Bonjour{NBSP}»"
    assert french_text("«Bonjour»") == f"«{NBSP}Bonjour{NBSP}»"  # guillemets always take their space


def test_only_typed_spaces_change():
    for text in ("14:00", "http://exemple.fr/a?b=1", "a;b", "Attention!", "50%"):
        assert french_text(text) == text


def test_first_of_the_month_and_times():
    assert french_text("le 1 mars 2026 à 14 h 00") == f"le 1er mars 2026 à 14{NBSP}h{NBSP}00"
    assert french_text("1 juil. 2026") == "1er juil. 2026"
    assert french_text("11 mars, 21 juin, 31 mai, 1 CLSM") == "11 mars, 21 juin, 31 mai, 1 CLSM"


def test_idempotent_and_lines_kept():
    once = french_text("Date : 1 mars\nQuestion ?\n« x »")
    assert french_text(once) == once
    assert once.count("\n") == 2


def test_html_changes_text_nodes_only():
    html = (
        '<p title="a : b">Nom : <a href="/x?y=1 :">lien</a></p>'
        '<input name="n" value="Réponse : oui ?">'
        "<script>var a = b ? c : d;</script><style>a:hover { color: red !important; }</style>"
        "<pre>x : y</pre><code>a ; b</code><textarea>typed : text</textarea>"
        "<!-- note : -->"
    )
    out = french_html(html)
    assert f"Nom{NBSP}:" in out
    for untouched in (
        'title="a : b"',
        'href="/x?y=1 :"',
        'value="Réponse : oui ?"',
        "b ? c : d",
        "a:hover { color: red !important; }",
        "<pre>x : y</pre>",
        "<code>a ; b</code>",
        "<textarea>typed : text</textarea>",
        "<!-- note : -->",
    ):
        assert untouched in out


def test_a_quoted_greater_than_sign_does_not_end_a_tag():
    html = """<div data-hx-vals='{"a": "> : b"}'>Texte : ici</div>"""
    assert french_html(html) == """<div data-hx-vals='{"a": "> : b"}'>Texte\u00a0: ici</div>"""


@pytest.mark.django_db
def test_pages_get_the_filter_and_json_does_not(client):
    html = client.get(reverse("login")).content.decode()
    assert f"Mot de passe oublié{NNBSP}?" in html
    assert " :" not in _text(html) and " ?" not in _text(html)
    assert "<!doctype html>" in html.lower()
    response = client.get(reverse("evaluation:bilan_json"))  # JSON: never touched (here, a redirection to log in)
    assert NBSP not in response.content.decode() and NNBSP not in response.content.decode()


@pytest.mark.django_db
def test_form_values_keep_what_the_user_typed(login, claire, clsm_a):
    clsm_a.name = "CLSM : « test » ?"
    clsm_a.save()
    response = login(claire).get(reverse("territories:clsm_edit", args=[clsm_a.pk]))
    assert response.status_code == 200
    assert 'value="CLSM : « test » ?"' in response.content.decode()


# Plurals, from the catalogue -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_key_figures_agree_at_0_1_and_2(login, alice, clsm_a):
    client = login(alice)
    text = _text(client.get(reverse("evaluation:dashboard")).content.decode())
    assert "0 séance réalisée" in text and "0 sollicitation " in text and "0 CLSM impliqué " in text
    AwarenessSessionFactory(clsm=clsm_a, held=True, reference="2024-101", date=datetime.date.today())
    text = _text(client.get(reverse("evaluation:dashboard")).content.decode())
    assert "1 séance réalisée" in text and "1 CLSM impliqué " in text
    AwarenessSessionFactory(clsm=clsm_a, held=True, reference="2024-102", date=datetime.date.today())
    text = _text(client.get(reverse("evaluation:dashboard")).content.decode())
    assert "2 séances réalisées" in text and "1 CLSM impliqué " in text


def test_ngettext_uses_the_french_rule():
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("fr"):
        assert [ngettext("{n} réponse", "{n} réponses", n).format(n=n) for n in (0, 1, 2)] == [
            "0 réponse",
            "1 réponse",
            "2 réponses",
        ]


# Dates, times, months ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_page_says_1er_and_14_h_00(login, claire, clsm_a):
    session = AwarenessSessionFactory(
        clsm=clsm_a, reference="2026-001", date=datetime.date(2026, 4, 1), start_time=datetime.time(14, 0)
    )
    html = login(claire).get(reverse("sessions_app:session_detail", args=[session.pk])).content.decode()
    assert "1er avril 2026" in html and " 1 avril" not in html
    assert f"14{NBSP}h{NBSP}00" in html


@pytest.mark.django_db
def test_times_format_as_14_h_00_without_an_explicit_format():
    from django.template import Context, Template
    from django.utils import translation

    with translation.override("fr"):
        assert Template("{{ t }}|{{ t|time }}").render(Context({"t": datetime.time(9, 5)})) == "9 h 05|9 h 05"


@pytest.mark.django_db
def test_months_are_never_cut_into_jui(login, claire, clsm_a):
    SessionRequestFactory(clsm=clsm_a, periods=[(datetime.date(2026, 6, 2), datetime.date(2026, 7, 15))])
    html = login(claire).get(reverse("sessions_app:request_list")).content.decode()
    assert "2 juin 2026" in html and "15 juil. 2026" in html
    assert not re.search(r"\bjui\b", html, re.IGNORECASE)


@pytest.mark.django_db
def test_emails_get_the_typography(django_capture_on_commit_callbacks):
    from django.core.mail import EmailMessage

    from smdq.mail import send_email_later

    with django_capture_on_commit_callbacks(execute=True):
        send_email_later(EmailMessage("Séance : le 1 juin", "Bonjour ! Rendez-vous à 9 h 30.", None, ["a@example.fr"]))
    assert mail.outbox[-1].subject == f"Séance{NBSP}: le 1er juin"
    assert mail.outbox[-1].body == f"Bonjour{NNBSP}! Rendez-vous à 9{NBSP}h{NBSP}30."


# History in words ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_history_rows_in_words(login, claire, clsm_a):
    session = AwarenessSessionFactory(clsm=clsm_a, reference="2026-002", commune=None)
    lille = clsm_a.communes.order_by("pk").first()
    session.status = "confirmee"
    session.commune = lille
    session.save()
    session.save()  # saved without a change: no row
    html = login(claire).get(reverse("object_history", args=["seance", session.pk])).content.decode()
    text = _text(html)
    assert "planifiée confirmée" in text and "confirmee" not in html
    assert str(lille) in text and f"<td>{lille.pk}</td>" not in html
    assert "aucun champ modifié" not in text
    assert text.count("système modification") == 1


# The admin -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_titles_elide(login, adam):
    adam.is_staff = adam.is_superuser = True
    adam.save()
    html = login(adam).get(reverse("admin:accounts_user_add")).content.decode()
    assert "Ajout de utilisateur" not in html
    assert f"Ajout{NBSP}: utilisateur·rice" in html


# The catalogue -------------------------------------------------------------------------------------------------


def _needs_gettext(program: str) -> None:
    """GNU gettext is a tool of the catalogue's authors (`make messages`), not of the application: skipped without
    it on a laptop, required in CI (.ci/run installs it)."""
    if shutil.which(program) is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{program} (GNU gettext) est requis en CI")
        pytest.skip(f"{program} (GNU gettext) absent")


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def _msgids(po: Path) -> set[tuple]:
    """(msgctxt, msgid, msgid_plural) of each entry but the header; strings joined across lines."""
    entries, current, key = set(), {}, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries.add((current.get("msgctxt"), current["msgid"], current.get("msgid_plural")))
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key:
                current[key] += line[1:-1]
        else:
            key, _, value = line.partition(" ")
            current[key] = value[1:-1]
    return entries


def test_compiled_catalogue_matches_its_source(tmp_path):
    _needs_gettext("msgfmt")
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", compiled, CATALOGUE / "django.po"], check=True)
    assert _catalog(compiled) == _catalog(CATALOGUE / "django.mo"), "lancer `make messages`"


def test_every_plural_entry_has_both_forms():
    catalog = _catalog(CATALOGUE / "django.mo")
    plurals = {key[0] for key in catalog if isinstance(key, tuple)}
    assert len(plurals) > 50
    for msgid in plurals:
        assert catalog[(msgid, 0)] and catalog[(msgid, 1)]


def test_catalogue_holds_every_string_of_the_code(tmp_path, monkeypatch):
    """makemessages run on a copy of the sources (it would write into the project's own catalogue otherwise)."""
    _needs_gettext("xgettext")
    base = Path(settings.BASE_DIR)
    skipped = {"tests", "bench", "docs", "staticfiles", "media", "node_modules", "locale"}
    folders = [path for path in base.iterdir() if path.is_dir() and not path.name.startswith(".")]
    for source in [*base.glob("*.py"), *(path for folder in folders for path in folder.rglob("*"))]:
        relative = source.relative_to(base)
        if source.suffix in (".py", ".html", ".txt") and not (
            skipped & set(relative.parts) or any(part.startswith(".") for part in relative.parts)
        ):
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp_path / relative)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", "-l", "fr", "-e", "html,txt,py", "--no-location", verbosity=0)
    fresh = _msgids(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    committed = _msgids(CATALOGUE / "django.po")
    assert not fresh - committed, f"absents du catalogue (lancer `make messages`) : {sorted(fresh - committed)[:5]}"
    assert not committed - fresh, f"obsolètes dans le catalogue : {sorted(committed - fresh)[:5]}"
