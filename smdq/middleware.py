import re

from django.conf import settings
from django.db import connections

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)


class ReadOnlyGetError(RuntimeError):
    pass


def _refuse_writes(execute, sql, params, many, context):
    if _WRITE.match(sql):
        raise ReadOnlyGetError(f"Une requête GET/HEAD ne doit pas écrire en base : {sql[:120]}")
    return execute(sql, params, many, context)


class ReadOnlyGetMiddleware:
    """GET and HEAD never write to the database (the rule les-emplois enforces): a write during one is a bug,
    made loud in development and tests (ENFORCE_READ_ONLY_GET, on when DEBUG is)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not settings.ENFORCE_READ_ONLY_GET:
            return self.get_response(request)
        wrappers = [connection.execute_wrapper(_refuse_writes) for connection in connections.all()]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            return self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
