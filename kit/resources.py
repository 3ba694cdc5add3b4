"""Checks on a file uploaded to the kit's library: a known extension, content that really is of that type
(read from its first bytes, never from what the browser claims), and a size limit."""

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from smdq.formatting import fr_decimal

MAX_UPLOAD_SIZE = 50 * 1024 * 1024  # 50 Mo
MB = 1024 * 1024

OOXML = {".docx": "word/", ".pptx": "ppt/", ".xlsx": "xl/"}
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


def _zip_names(upload) -> tuple[zipfile.ZipFile | None, list[str]]:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, []
    return archive, archive.namelist()


def _is_ooxml(upload, extension: str) -> bool:
    archive, names = _zip_names(upload)
    if archive is None:
        return False
    with archive:
        return "[Content_Types].xml" in names and any(name.startswith(OOXML[extension]) for name in names)


def _is_odf(upload, extension: str) -> bool:
    archive, names = _zip_names(upload)
    if archive is None:
        return False
    with archive:
        if "mimetype" not in names:
            return False
        try:
            return archive.read("mimetype").strip() == ODF[extension].encode()
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
            return False


def _content_matches(upload, extension: str, head: bytes) -> bool:
    if extension == ".pdf":
        return head.startswith(b"%PDF-")
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == ".mp4":
        return head[4:8] == b"ftyp"
    if not head.startswith(b"PK\x03\x04"):
        return False
    if extension in OOXML:
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
