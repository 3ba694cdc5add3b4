"""Where flash messages wait for the next page: in a signed cookie only, never in the session.

Django's default (FallbackStorage) moves messages too big for the cookie into the session; the next page, a GET,
then writes the session to clear them, which GET must never do (smdq/middleware.py). Messages quote what people
typed (a need of 1,000 characters, a file name…): each one is cut to MAX_MESSAGE_LENGTH, so that a message always
fits in the cookie; should several long ones still overflow it, the oldest are dropped, never written elsewhere.
"""

from django.contrib.messages.storage.cookie import CookieStorage

# 300 characters of any script stay well under the cookie's 2 kB once signed and compressed.
MAX_MESSAGE_LENGTH = 300


def shorten(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class BoundedCookieStorage(CookieStorage):
    def add(self, level, message, extra_tags=""):
        super().add(level, shorten(str(message)), extra_tags)
