"""French typography applied once, to everything the application writes for people: pages
(`FrenchTypographyMiddleware`), PDFs (`smdq.pdf.render_pdf`), e-mails (`smdq.mail.send_email_later`) and calendar
descriptions.

Templates and messages are written with ordinary spaces; this module makes them read right:
- a narrow no-break space (U+202F) before « ; ! ? », a no-break space (U+00A0) before « : » and « % » and inside
  « guillemets » (the Imprimerie nationale's rules, as CLDR and Word apply them): the sign never starts a line;
- « 1er » for the first day of a month (« 1er mars 2026 », never « 1 mars »);
- no-break spaces in times (« 14 h 00 »), never cut between two lines.

Only spaces already typed are changed (« Attention : » gets its no-break space; « 14:00 », « http://… » and
« ?page=2 » are left alone), except inside guillemets, which always take one. The function is idempotent.

In HTML only text nodes change: never a tag or an attribute (form values the user typed, URLs), nor the contents of
<script>, <style>, <pre>, <code> and <textarea>."""

import re

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space

_MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|janv\.|févr\.|avr\.|juil\.|sept\.|oct\.|nov\.|déc\."
)
# A space as typed, not a line break (plain-text e-mails keep their lines). Each pattern starts with a character
# or a class, never with a repetition or a look-behind: the regex engine then skips ahead to the next candidate
# character instead of trying every position (tens of times faster on a page); what precedes is checked by hand.
_SPACES = "[ \t\u00a0\u202f]"
_BEFORE_SIGN = re.compile(rf"{_SPACES}{_SPACES}*([;!?:%»])")
_OPENING = re.compile(rf"«{_SPACES}*")
_CLOSING = re.compile("»")
_FIRST = re.compile(rf"1([ \u00a0])({_MONTHS})(?!\w)")
_TIME = re.compile(rf"\d\d?{_SPACES}h{_SPACES}\d\d(?!\d)")
# A text without any of these has nothing to change (checked by substring search, at the speed of memchr).
_TRIGGERS = (";", "!", "?", ":", "%", "«", "»", "1 ", "1\u00a0", " h", "\u00a0h")


def _sign(match: re.Match) -> str:
    return (NNBSP if match[1] in ";!?" else NBSP) + match[1]


def _closing(match: re.Match) -> str:
    start = match.start()
    return "»" if start and match.string[start - 1] == NBSP else NBSP + "»"


def _first(match: re.Match) -> str:
    start = match.start()
    if start and (match.string[start - 1].isalnum() or match.string[start - 1] in "_.,/-"):
        return match.group()  # « 11 mars », « 2.1 mai »
    return f"1er{match[1]}{match[2]}"


def _time(match: re.Match) -> str:
    start = match.start()
    if start and (match.string[start - 1].isdigit() or match.string[start - 1] == ":"):
        return match.group()
    hours, _, minutes = re.split(_SPACES, match.group())
    return f"{hours}{NBSP}h{NBSP}{minutes}"


def french_text(text: str) -> str:
    """Plain text (an e-mail, a calendar description, a chart's label) with French typography."""
    if not text or not any(trigger in text for trigger in _TRIGGERS):
        return text
    text = _BEFORE_SIGN.sub(_sign, text)
    if "«" in text:
        text = _OPENING.sub("«" + NBSP, text)
    if "»" in text:
        text = _CLOSING.sub(_closing, text)
    if "1" in text:
        text = _FIRST.sub(_first, text)
    if " h" in text or "\u00a0h" in text:
        text = _TIME.sub(_time, text)
    return text


def _french_text_node(text: str) -> str:
    if "&nbsp;" in text:  # the same character, written as an entity in a template
        text = text.replace("&nbsp;", NBSP)
    return french_text(text)


# A tag (its quoted attribute values may hold « > »), a comment, or a whole element whose text is left alone.
_HTML_SKIP = re.compile(
    r"(<!--.*?-->"
    r"|<(script|style|pre|code|textarea)\b[^>]*>.*?</\2\s*>"
    r"""|<[a-zA-Z/!?][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>)""",
    re.DOTALL | re.IGNORECASE,
)


def french_html(html: str) -> str:
    """An HTML document or fragment with French typography in its text nodes only."""
    if not html:
        return html
    # split() keeps the separators (the skipped markup, then the name of a raw element or None): text nodes are
    # every third item.
    parts = _HTML_SKIP.split(html)
    for index in range(0, len(parts), 3):
        text = parts[index]
        if text and not text.isspace():
            parts[index] = _french_text_node(text)
    return "".join(part for index, part in enumerate(parts) if index % 3 != 2)


class FrenchTypographyMiddleware:
    """Applies `french_html` to HTML responses (whole pages and htmx fragments); anything else (JSON, CSV, PDF,
    files, streamed responses) passes untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or response.has_header("Content-Encoding")
        ):
            return response
        charset = response.charset or "utf-8"
        response.content = french_html(response.content.decode(charset)).encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
