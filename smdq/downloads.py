"""The `Content-Disposition` of every file the application serves (RFC 6266).

An accented name (« bilan-saison-2025-2026-région-auvergne-rhône-alpes.xlsx ») travels as
`filename*=UTF-8''…` (RFC 8187), which every current browser reads, after an ASCII `filename="…"` for the clients
that do not (`bilan-saison-2025-2026-region-auvergne-rhone-alpes.xlsx`). Django's `content_disposition_header`
writes only one of the two, and a raw non-ASCII header would be sent as Latin-1 or MIME-encoded (`=?utf-8?b?…?=`),
which browsers show as such.
"""

import re
import unicodedata
from urllib.parse import quote

# What a quoted-string may hold without escapes (RFC 9110), less the characters file systems refuse.
_UNSAFE_IN_FALLBACK = re.compile(r'[^\x20-\x7e]|["\\/:*?<>|]')
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'", "–": "-", "—": "-"})


def ascii_filename(filename: str) -> str:
    """The name without its accents (é → e, œ → oe); what has no ASCII form becomes « _ »."""
    decomposed = unicodedata.normalize("NFKD", filename.translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _UNSAFE_IN_FALLBACK.sub("_", stripped)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    disposition = "inline" if inline else "attachment"
    filename = unicodedata.normalize("NFC", filename)
    fallback = ascii_filename(filename)
    header = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def attach(response, filename: str, *, inline: bool = False):
    """Names the file of `response` (shown in the browser when `inline`, saved otherwise); returns it."""
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    return response
