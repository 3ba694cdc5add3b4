"""One transaction at a time through a check-then-write that has no row to lock: a limit that counts rows, then adds
one. Two requests counting at once both saw room for one more, and both went through (25 « mot de passe oublié » at
once recorded 12 where the limit is 10, and sent 4 e-mails where it is 3)."""

import zlib

from django.db import connection, transaction


def serialise(name: str) -> None:
    """Until the current transaction ends, every other transaction calling `serialise(name)` waits.

    PostgreSQL: a transaction-level advisory lock keyed by the name. SQLite needs none: its transactions take the
    database's write lock when they begin (transaction_mode IMMEDIATE, smdq/env.py), one writer at a time."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("serialise() needs a transaction (transaction.atomic).")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])
