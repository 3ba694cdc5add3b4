"""Zip containers (XLSX, DOCX, PPTX, OpenDocument) checked before anything in them is inflated.

A zip's central directory lists every entry with its compressed and inflated sizes; reading it costs a few
kilobytes whatever the archive holds. A zip bomb (a few megabytes that inflate to gigabytes) is refused from
those figures alone: too many entries, too much once inflated, or an entry compressed far beyond what real
documents reach (10 to 20 times for a spreadsheet's XML). `zipfile` never inflates an entry past the size the
directory declares, so checking the declared sizes bounds what reading can cost.
"""

import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from smdq.formatting import fr_int

MB = 1024 * 1024
# Below this inflated size an entry's compression ratio is not checked: small, very regular parts (an empty
# sheet, a style list) legitimately compress a hundredfold and cost nothing to read.
RATIO_FLOOR = MB


class ArchiveError(Exception):
    """The container is refused; the message is French and names the limit."""


class NotAnArchive(ArchiveError):
    """The file is no zip at all (or a damaged one)."""


@dataclass(frozen=True)
class ArchiveLimits:
    inflated_bytes: int
    ratio: int
    entries: int

    @classmethod
    def from_settings(cls) -> "ArchiveLimits":
        return cls(
            inflated_bytes=settings.UPLOAD_MAX_INFLATED_MB * MB,
            ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
            entries=settings.UPLOAD_MAX_ARCHIVE_ENTRIES,
        )


def open_archive(source, limits: ArchiveLimits | None = None) -> zipfile.ZipFile:
    """Opens a zip (a path or a seekable binary file) reading only its central directory, and checks the
    declared sizes against `limits`. The caller closes the archive. Raises ArchiveError."""
    limits = limits or ArchiveLimits.from_settings()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise NotAnArchive(
            _("Le fichier n'est pas une archive valide : il est endommagé ou d'un autre type.")
        ) from None
    try:
        check_archive(archive, limits)
    except ArchiveError:
        archive.close()
        raise
    return archive


def check_archive(archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
    entries = archive.infolist()
    if len(entries) > limits.entries:
        raise ArchiveError(
            _("Le fichier contient %(n)s éléments compressés : la limite est de %(limit)s.")
            % {"n": fr_int(len(entries)), "limit": fr_int(limits.entries)}
        )
    inflated = sum(entry.file_size for entry in entries)
    if inflated > limits.inflated_bytes:
        raise ArchiveError(
            _("Le fichier décompressé occuperait %(size)s Mo : la limite est de %(limit)s Mo.")
            % {"size": fr_int(inflated // MB), "limit": fr_int(limits.inflated_bytes // MB)}
        )
    for entry in entries:
        if entry.file_size > RATIO_FLOOR and entry.file_size > limits.ratio * max(entry.compress_size, 1):
            raise ArchiveError(
                _(
                    "L'élément « %(name)s » du fichier est compressé %(ratio)s fois : la limite est de %(limit)s "
                    "fois (un document ordinaire l'est 10 à 20 fois)."
                )
                % {
                    "name": entry.filename[:80],
                    "ratio": fr_int(entry.file_size // max(entry.compress_size, 1)),
                    "limit": fr_int(limits.ratio),
                }
            )


def read_entry(archive: zipfile.ZipFile, name: str, max_bytes: int) -> bytes | None:
    """The inflated content of entry `name`, or None when it is absent; ArchiveError when it declares more
    than `max_bytes` (a part that should be small, such as a manifest)."""
    try:
        entry = archive.getinfo(name)
    except KeyError:
        return None
    if entry.file_size > max_bytes:
        raise ArchiveError(
            _("L'élément « %(name)s » du fichier est anormalement gros (%(size)s octets).")
            % {"name": name[:80], "size": fr_int(entry.file_size)}
        )
    try:
        with archive.open(entry) as stream:
            return stream.read(max_bytes + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        raise ArchiveError(
            _("Le fichier est endommagé : l'élément « %(name)s » est illisible.") % {"name": name[:80]}
        ) from None
