"""Running what a block registered with `transaction.on_commit`, as a real commit would: the test's own transaction
never commits (pytest-django rolls it back)."""

import contextlib

from django.db import DEFAULT_DB_ALIAS, connections


@contextlib.contextmanager
def commit_callbacks_run_at_the_end():
    """Runs the on-commit callbacks registered inside the block when it ends, and forgets them so an enclosing
    capture (`django_capture_on_commit_callbacks`) does not run them twice."""
    connection = connections[DEFAULT_DB_ALIAS]
    start = len(connection.run_on_commit)
    try:
        yield
    finally:
        while len(connection.run_on_commit) > start:
            pending = connection.run_on_commit[start:]
            del connection.run_on_commit[start:]
            for _savepoints, callback, _robust in pending:
                callback()


def committed(function):
    """`function` run as its own committed unit of work (a command, a scheduled task)."""

    def run(*args, **kwargs):
        with commit_callbacks_run_at_the_end():
            return function(*args, **kwargs)

    return run
