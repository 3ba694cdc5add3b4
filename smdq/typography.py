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
# A space as typed (not a line break: plain-text e-mails keep their lines), or its HTML spellings.
_SPACE = r"(?:[^\S\r\n]|&nbsp;|&#160;|&#xa0;)"

_TEXT = re.compile(
    rf"{_SPACE}+(?P<narrow>[;!?])"
    rf"|{_SPACE}+(?P<wide>[:%])"
    rf"|{_SPACE}*(?P<close>»)"
    rf"|(?P<open>«){_SPACE}*"
    rf"|(?<![\w.,/-])(?P<first>1)(?P<space>{_SPACE})(?P<month>{_MONTHS})(?!\w)"
    rf"|(?<![\d:])(?P<hours>\d{{1,2}}){_SPACE}h{_SPACE}(?P<minutes>\d\d)(?!\d)",
    re.IGNORECASE,
)


def _replace(match: re.Match) -> str:
    group = match.lastgroup
    if group == "narrow":
        return NNBSP + match["narrow"]
    if group == "wide":
        return NBSP + match["wide"]
    if group == "close":
        return NBSP + "»"
    if group == "open":
        return "«" + NBSP
    if group == "month":
        return "1er" + match["space"] + match["month"]
    return f"{match['hours']}{NBSP}h{NBSP}{match['minutes']}"


def french_text(text: str) -> str:
    """Plain text (an e-mail, a calendar description, a chart's label) with French typography."""
    if not text:
        return text
    return _TEXT.sub(_replace, text)


# A tag (its quoted attribute values may hold « > »), a comment, or a whole element whose text is left alone.
_HTML_SKIP = re.compile(
    r"<!--.*?-->"
    r"|<(?P<raw>script|style|pre|code|textarea)\b[^>]*>.*?</(?P=raw)\s*>"
    r"""|<[a-zA-Z/!?][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""",
    re.DOTALL | re.IGNORECASE,
)


def french_html(html: str) -> str:
    """An HTML document or fragment with French typography in its text nodes only."""
    if not html:
        return html
    parts = []
    position = 0
    for match in _HTML_SKIP.finditer(html):
        start = match.start()
        if start > position:
            parts.append(_TEXT.sub(_replace, html[position:start]))
        parts.append(match.group())
        position = match.end()
    parts.append(_TEXT.sub(_replace, html[position:]))
    return "".join(parts)


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
