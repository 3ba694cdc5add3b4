"""Checks on a file uploaded to the kit's library: a known extension, content that really is of that type
(read from its bytes, never from what the browser claims), and size limits.

What each type must be (issue #12): an office file a zip container within the bounds of `smdq.archives`
(checked from its directory, nothing inflated) whose manifest declares the format its name claims; a PDF a
PDF's structure with no HTML in it; an image one that decodes, under a pixel limit. Each check reads at most
the file once and keeps a megabyte at a time, whatever the file holds."""

import re
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from smdq.archives import ArchiveError, NotAnArchive, open_archive, read_entry
from smdq.formatting import fr_decimal

MAX_UPLOAD_SIZE = 50 * 1024 * 1024  # 50 Mo
MB = 1024 * 1024

ODF = {
    ".odt": "application/vnd.oasis.opendocument.text",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    **ODF,
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".mp4": "video/mp4",
}
ACCEPT = ",".join(CONTENT_TYPES)
ACCEPTED_LABEL = "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), OpenDocument (.odt, .odp, .ods), PNG, JPEG, MP4"


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    size: int
    content_type: str


# The main part each office format declares in its manifest: a .docx holding a macro-enabled document, or a
# .pptx holding a Word document, is not what its name says.
OOXML_MAIN_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
MANIFEST_MAX_BYTES = 1024 * 1024  # [Content_Types].xml is a few kilobytes
# Markup a browser would render: never inside a real PDF's bytes, the sign of an HTML page renamed .pdf.
HTML_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta\s)[\s>/]", re.I)
PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
PDF_TRAILER = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
SCAN_CHUNK = 1024 * 1024


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _archive(upload) -> zipfile.ZipFile | None:
    """The upload opened as a zip, its directory checked before anything is inflated; None if no zip."""
    try:
        return open_archive(upload)
    except NotAnArchive:
        return None
    except ArchiveError as exc:
        raise _refused(str(exc), "archive") from None


def _is_ooxml(upload, extension: str) -> bool:
    archive = _archive(upload)
    if archive is None:
        return False
    with archive:
        try:
            manifest = read_entry(archive, "[Content_Types].xml", MANIFEST_MAX_BYTES)
        except ArchiveError as exc:
            raise _refused(str(exc), "archive") from None
        if manifest is None:
            return False
        try:
            root = ElementTree.fromstring(manifest)
        except ElementTree.ParseError:
            return False
        names = set(archive.namelist())
        return any(
            element.get("ContentType") == OOXML_MAIN_TYPES[extension]
            and element.get("PartName", "").lstrip("/") in names
            for element in root.iter()
        )


def _is_odf(upload, extension: str) -> bool:
    archive = _archive(upload)
    if archive is None:
        return False
    with archive:
        try:
            mimetype = read_entry(archive, "mimetype", 200)
        except ArchiveError as exc:
            raise _refused(str(exc), "archive") from None
        return (
            mimetype is not None and mimetype.strip() == ODF[extension].encode() and "content.xml" in archive.namelist()
        )


def _is_pdf(upload) -> bool:
    """No PDF parser runs in production (pypdf is a test tool): the structure is checked instead. A header,
    a final `startxref N %%EOF` whose offset lies in the file, and no HTML anywhere (read a megabyte at a
    time, with an overlap so that markup across two chunks is seen)."""
    upload.seek(0)
    if not PDF_HEADER.match(upload.read(16)):
        return False
    upload.seek(max(0, upload.size - 4096))
    trailers = list(PDF_TRAILER.finditer(upload.read()))
    if not trailers or int(trailers[-1].group(1)) >= upload.size:
        return False
    upload.seek(0)
    previous = b""
    while chunk := upload.read(SCAN_CHUNK):
        if HTML_MARKUP.search(previous[-32:] + chunk):
            raise _refused(_("Ce fichier PDF contient du code HTML : il n'a pas été accepté."), "html")
        previous = chunk
    return True


def _is_image(upload, image_format: str) -> bool:
    """The image decodes fully (JPEG at an eighth of its size: its data is still all read), once its
    announced size is under the pixel limit (a small PNG can announce billions of pixels)."""
    from PIL import Image, ImageFile, UnidentifiedImageError

    limit = settings.UPLOAD_MAX_IMAGE_MEGAPIXELS * 1_000_000
    too_large = _refused(
        _("L'image dépasse la limite de %(limit)s millions de pixels.")
        % {"limit": settings.UPLOAD_MAX_IMAGE_MEGAPIXELS},
        "pixels",
    )
    upload.seek(0)
    # WeasyPrint, once imported, makes Pillow accept truncated images process-wide: a truncated upload is still
    # refused here (the flag is put back as it was; a web worker handles one request at a time).
    load_truncated, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[image_format]) as image:
                if image.width * image.height > limit:
                    raise too_large
                if image_format == "JPEG":
                    image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error):
        return False
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = load_truncated
    return True


def _content_matches(upload, extension: str, head: bytes) -> bool:
    if extension == ".pdf":
        return _is_pdf(upload)
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n") and _is_image(upload, "PNG")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff") and _is_image(upload, "JPEG")
    if extension == ".mp4":
        return head[4:8] == b"ftyp"
    if not head.startswith(b"PK\x03\x04"):
        return False
    if extension in OOXML_MAIN_TYPES:
        return _is_ooxml(upload, extension)
    return _is_odf(upload, extension)


def check_upload(upload) -> CheckedFile:
    """The checked facts of an uploaded file, or a ValidationError in French saying what is wrong."""
    name = PurePath(upload.name or "").name.strip()
    extension = PurePath(name).suffix.lower()
    if extension not in CONTENT_TYPES:
        raise ValidationError(
            _("Ce type de fichier n'est pas accepté%(ext)s. Formats acceptés : %(formats)s.")
            % {"ext": f" (« {extension} »)" if extension else "", "formats": ACCEPTED_LABEL},
            code="extension",
        )
    limit = MAX_UPLOAD_SIZE
    if upload.size > limit:
        raise ValidationError(
            _("Le fichier pèse %(size)s Mo : la limite est de %(limit)s Mo.")
            % {"size": fr_decimal(upload.size / MB), "limit": fr_decimal(limit / MB)},
            code="size",
        )
    if not upload.size:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    upload.seek(0)
    head = upload.read(16)
    try:
        matches = _content_matches(upload, extension, head)
    finally:
        upload.seek(0)
    if not matches:
        raise ValidationError(
            _("Le contenu de ce fichier ne correspond pas à son extension « %(ext)s » : il n'a pas été accepté.")
            % {"ext": extension},
            code="content",
        )
    return CheckedFile(original_name=name[:255], size=upload.size, content_type=CONTENT_TYPES[extension])
