"""Django templates rendered to PDF with WeasyPrint (sign-in sheet, bilan, questionnaire posters…).

WeasyPrint fetches what a template links to (stylesheets, images, fonts). Static files are read from disk,
never over HTTP: a server asking itself for its own CSS can deadlock a single worker, and a PDF must render
the same from a management command, where there is no request. Anything else but `data:` URLs is refused,
so that a template can never make the server fetch an outside address.

Every PDF is tagged (PDF/UA-1): a structure tree in reading order (headings, lists, tables with their headers,
figures with their text alternative), the document's language (`<html lang>`) and title (`<title>`), so that a
screen reader reads it and text can be reflowed. An official document (a published bilan edition) is an archive
instead, PDF/A-3b, still tagged, carrying its data files (JSON, XLSX) so that its figures travel with it.
A PDF can claim only one of the two standards in its metadata: PDF/A-3 is the one that allows embedded files.
"""

import io
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher, URLFetcherResponse

from smdq.typography import french_html


def static_file_path(url: str) -> Path | None:
    """The file on disk behind a static URL (`/static/css/app.css`, `http://host/static/…`), or None."""
    static_url = settings.STATIC_URL or "/static/"
    if static_url.startswith(("http://", "https://")):
        if not url.startswith(static_url):
            return None
        relative = url[len(static_url) :]
    else:
        prefix = "/" + static_url.strip("/") + "/"
        path = urlsplit(url).path
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix) :]
    relative = unquote(relative.split("?")[0].split("#")[0])
    if not relative or ".." in Path(relative).parts:
        return None
    found = finders.find(relative)  # the source folders (development, tests)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / relative  # after collectstatic (production)
    return collected if collected.is_file() else None


class StaticFilesFetcher(URLFetcher):
    """Serves static files from disk and `data:` URLs; refuses every other address."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_file_path(url)
        if path is None:
            raise ValueError(f"adresse refusée dans un PDF (seuls les fichiers statiques sont permis) : {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def base_url_for(request=None) -> str:
    """Relative links resolve against the site (with a request) or the project folder (management commands)."""
    if request is not None:
        return request.build_absolute_uri("/")
    return Path(settings.BASE_DIR).as_uri() + "/"


ACCESSIBLE = "pdf/ua-1"
ARCHIVE = "pdf/a-3b"


@dataclass(frozen=True)
class EmbeddedFile:
    """A file carried inside an archived PDF (PDF/A-3 « associated file »)."""

    name: str
    content: bytes
    description: str = ""
    created: datetime | None = None
    # ISO 32000-2, 7.11.3: « Data » for the figures a document is drawn from.
    relationship: str = "Data"


def render_pdf(
    template_name: str,
    context: dict,
    request=None,
    *,
    variant: str = ACCESSIBLE,
    attachments: list[EmbeddedFile] | tuple = (),
) -> bytes:
    """The template rendered with `context`, as the bytes of a tagged PDF file: PDF/UA-1 (`ACCESSIBLE`), or
    PDF/A-3b (`ARCHIVE`) with `attachments` embedded."""
    if attachments and variant != ARCHIVE:
        raise ValueError("seul un PDF d'archive (PDF/A-3) peut contenir des fichiers joints")
    html = french_html(render_to_string(template_name, context, request=request))  # as the pages' middleware does
    document = weasyprint.HTML(string=html, base_url=base_url_for(request), url_fetcher=StaticFilesFetcher())
    return document.write_pdf(
        pdf_variant=variant,
        pdf_tags=True,  # implied by PDF/UA; PDF/A-3b does not ask for it, the reader does
        attachments=[
            weasyprint.Attachment(
                file_obj=io.BytesIO(attached.content),
                name=attached.name,
                description=attached.description,
                created=attached.created,
                modified=attached.created,
                relationship=attached.relationship,
            )
            for attached in attachments
        ],
    )
