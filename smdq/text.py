"""Text compared the way people type it: case and accents ignored (« sante » finds « Santé »)."""

import unicodedata

# Letters NFKD does not split into a base letter and an accent.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


def fold(text) -> str:
    """Lower case, without accents or ligatures: « Œuvre de Santé » → « oeuvre de sante ». None stays None (SQL)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(text).lower().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


SQLITE_FOLD = "smdq_fold"


def register_sqlite_fold(sender, connection, **kwargs):
    """`smdq_fold(text)` in SQL on SQLite, the accent-insensitive search's fallback (PostgreSQL has `unaccent`).
    Connected to `connection_created` (kit/apps.py)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD, 1, fold, deterministic=True)
