import re
import threading
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.db import connections
from django.http import HttpResponseBadRequest
from django.urls import Resolver404, resolve

from smdq.net import is_trusted_proxy

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)


class ReadOnlyGetError(RuntimeError):
    pass


# Whether the current thread is serving a GET or HEAD. Per thread, not per connection: a live-server test on SQLite
# shares one connection between its threads, and a wrapper put on it for one thread's GET refused the POST another
# thread was saving at the same moment (a flaky browser test).
_serving_get = threading.local()


def _refuse_writes(execute, sql, params, many, context):
    if getattr(_serving_get, "active", False) and _WRITE.match(sql):
        raise ReadOnlyGetError(f"Une requête GET/HEAD ne doit pas écrire en base : {sql[:120]}")
    return execute(sql, params, many, context)


def writes_on_get(view):
    """Marks a view whose GET writes by design, which ReadOnlyGetMiddleware lets through: only Django's own
    password-reset link, which keeps its token in the session (a write) and redirects, so that the token leaves
    the address bar before the page can leak it."""
    view.writes_on_get = True
    return view


class ReadOnlyGetMiddleware:
    """GET and HEAD never write to the database (the rule les-emplois enforces): a write during one is a bug,
    made loud in development and tests (ENFORCE_READ_ONLY_GET, on when DEBUG is). Views marked `writes_on_get`
    are let through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not settings.ENFORCE_READ_ONLY_GET:
            return self.get_response(request)
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            view = None
        if getattr(view, "writes_on_get", False):
            return self.get_response(request)
        for connection in connections.all():
            # Put once on each connection and left there (added and removed per request, two threads sharing a
            # connection removed each other's): it refuses only while its thread serves a GET.
            if _refuse_writes not in connection.execute_wrappers:
                connection.execute_wrappers.append(_refuse_writes)
        _serving_get.active = True
        try:
            return self.get_response(request)
        finally:
            _serving_get.active = False


class RejectNulMiddleware:
    """A NUL character in the path or the query string answers 400. No page has a use for one, and PostgreSQL
    refuses it in any text it is given (a lookup by token, a search): without this it surfaced as a 500
    wherever a path or query value reached the database. Form fields refuse NUL themselves (Django's
    ProhibitNullCharactersValidator), with a message on the field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or b"\x00" in unquote_to_bytes(query.replace("+", " ")):
            return HttpResponseBadRequest(
                "Requête refusée : l'adresse contient un caractère nul (%00).", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class ExplainedMethodNotAllowedMiddleware:
    """A 405 (Django's require_POST and the like) says in French what the address accepts, where it had an empty
    body: a person who opened an action's address in the browser saw a blank page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            allowed = response.get("Allow", "")
            response.content = (
                f"Méthode refusée : cette adresse n'accepte que {allowed} (une action d'un formulaire, pas une page "
                "à ouvrir). Rien n'a été enregistré."
            ).encode()
            response["Content-Type"] = "text/plain; charset=utf-8"
        return response


class UntrustedForwardedProtoMiddleware:
    """X-Forwarded-Proto is believed only from a trusted proxy (TRUSTED_PROXIES), like X-Forwarded-For
    (`smdq.net`): from any other peer it is dropped before Django reads it (SECURE_PROXY_SSL_HEADER), so a client
    reaching the application server directly over HTTP cannot pass its request off as HTTPS (secure cookies sent in
    clear, the HTTPS redirect skipped). First in the chain, before SecurityMiddleware asks `request.is_secure()`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_X_FORWARDED_PROTO" in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)
