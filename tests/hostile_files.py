"""Builders of hostile files, small on disk, for the tests and for `bench/bench_hostile_files.py`.

A zip bomb is a real one: its entry inflates to the size it declares (with the right CRC). It is written
without compressing that size: one chunk is deflated once, after a full flush (which empties the compressor's
window, so the chunk's compressed form no longer depends on what came before), and that block is repeated.
"""

import io
import struct
import zlib

from openpyxl import Workbook

CHUNK = 1024 * 1024


def deflated(prefix: bytes, chunk: bytes, repeat: int, suffix: bytes) -> tuple[bytes, int, int]:
    """(raw deflate data, CRC-32, inflated size) of prefix + chunk * repeat + suffix."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "the chunk's compressed form must not depend on its position"
    tail = compressor.compress(suffix) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    crc = zlib.crc32(chunk, crc)
    for _ in range(repeat - 1):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    return head + block * repeat + tail, crc, len(prefix) + len(chunk) * repeat + len(suffix)


def stored(data: bytes) -> tuple[bytes, int, int, int]:
    return data, zlib.crc32(data), len(data), 0


def compressed(data: bytes) -> tuple[bytes, int, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data), 8


def bomb(prefix: bytes, chunk: bytes, repeat: int, suffix: bytes) -> tuple[bytes, int, int, int]:
    return (*deflated(prefix, chunk, repeat, suffix), 8)


def zip_bytes(entries: list[tuple[str, tuple[bytes, int, int, int]]]) -> bytes:
    """A zip archive of already encoded entries: (name, (data, crc, inflated size, method 0 or 8))."""
    out = io.BytesIO()
    central = []
    for name, (data, crc, size, method) in entries:
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        )
        out.write(encoded)
        out.write(data)
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                method,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _xlsx_parts(headers) -> dict[str, bytes]:
    """The parts of a real one-sheet workbook (made by openpyxl) whose first row is `headers`."""
    import zipfile

    workbook = Workbook()
    workbook.active.append(list(headers))
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def header_row(headers) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in headers)
    return f'<row r="1">{cells}</row>'.encode()


def xlsx_with_sheet(headers, sheet: tuple[bytes, int, int, int], **other_parts) -> bytes:
    parts = _xlsx_parts(headers)
    entries = []
    for name, data in parts.items():
        entries.append((name, sheet if name == SHEET else compressed(data)))
    entries += [(name.replace("__", "/"), encoded) for name, encoded in other_parts.items()]
    return zip_bytes(entries)


def xlsx_inflating_to(headers, size: int) -> bytes:
    """A workbook whose first sheet inflates to about `size` bytes of one-cell rows (no <dimension>, as
    many producers write: openpyxl then reads the whole sheet just to size it)."""
    prefix = SHEET_HEAD + b"<sheetData>" + header_row(headers)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    chunk = row * (CHUNK // len(row))
    return xlsx_with_sheet(headers, bomb(prefix, chunk, max(2, -(-size // len(chunk))), b"</sheetData></worksheet>"))


def xlsx_with_shared_strings(headers, shared_strings: bytes, rows: bytes) -> bytes:
    """A workbook whose sheet holds `rows` (XML) after the header row, with the given shared strings part."""
    parts = _xlsx_parts(headers)
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override)
    parts[SHEET] = SHEET_HEAD + b"<sheetData>" + header_row(headers) + rows + b"</sheetData></worksheet>"
    parts["xl/sharedStrings.xml"] = shared_strings
    return zip_bytes([(name, compressed(data)) for name, data in parts.items()])


def xlsx_declaring(headers, dimension: str = "A1:XFD1048576", rows: int = 1, last_cell: str = "") -> bytes:
    """A tiny workbook whose <dimension> claims a huge sheet while holding `rows` data rows, and optionally a
    value in a far cell such as `XFD1048576` (then the rows between are blank)."""
    data_rows = b"".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>2024-001</t></is></c></row>'.encode()
        for n in range(2, rows + 2)
    )
    if last_cell:
        number = last_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        data_rows += f'<row r="{number}"><c r="{last_cell}"><v>1</v></c></row>'.encode()
    sheet = (
        SHEET_HEAD
        + f'<dimension ref="{dimension}"/>'.encode()
        + b"<sheetData>"
        + header_row(headers)
        + data_rows
        + b"</sheetData></worksheet>"
    )
    return xlsx_with_sheet(headers, compressed(sheet))


def xlsx_wide_row(headers, cells: int, cell: bytes = b"<c><v>1</v></c>") -> bytes:
    """One row of `cells` cells (openpyxl builds a whole row in memory before giving it)."""
    prefix = SHEET_HEAD + b"<sheetData>" + header_row(headers) + b'<row r="2">'

    chunk = cell * (64 * 1024 // len(cell))
    repeat = max(2, cells // (len(chunk) // len(cell)))
    return xlsx_with_sheet(headers, bomb(prefix, chunk, repeat, b"</row></sheetData></worksheet>"))


def xlsx_rows(headers, rows: int, value: str = "x") -> bytes:
    """A plain workbook of `rows` data rows (each a single cell), deflated normally."""
    body = b"".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{value}</t></is></c></row>'.encode() for n in range(2, rows + 2)
    )
    sheet = SHEET_HEAD + b"<sheetData>" + header_row(headers) + body + b"</sheetData></worksheet>"
    return xlsx_with_sheet(headers, compressed(sheet))


def csv_rows(headers, rows: int, line: bytes = b"x") -> bytes:
    return ";".join(headers).encode() + b"\n" + (line + b"\n") * rows


# Office files and others for the kit's library -------------------------------------------------------------

OOXML_TYPES = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}


def content_types(part: str, content_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    ).encode()


def ooxml(kind: str = "docx", main: tuple[bytes, int, int, int] | None = None) -> bytes:
    part, content_type = OOXML_TYPES[kind]
    return zip_bytes(
        [
            ("[Content_Types].xml", compressed(content_types(part, content_type))),
            (part, main or compressed(b"<document/>")),
        ]
    )


def docx_bomb(size: int) -> bytes:
    chunk = b"<w:p/>" * (CHUNK // 6)
    return ooxml("docx", bomb(b"<w:document>", chunk, max(2, -(-size // len(chunk))), b"</w:document>"))


def odf(mimetype: bytes, *, mimetype_entry=None) -> bytes:
    return zip_bytes(
        [
            ("mimetype", mimetype_entry or stored(mimetype)),
            ("content.xml", compressed(b"<office:document-content/>")),
        ]
    )


def odt_mimetype_bomb(size: int) -> bytes:
    prefix = b"application/vnd.oasis.opendocument.text"
    chunk = b" " * CHUNK
    return odf(prefix, mimetype_entry=bomb(prefix, chunk, max(2, size // CHUNK), b""))


def pdf(body: bytes = b"1 0 obj << /Type /Catalog >> endobj\n") -> bytes:
    head = b"%PDF-1.7\n" + body
    return head + b"xref\n0 1\n0000000000 65535 f \ntrailer << /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % len(head)


def png(width: int = 4, height: int = 3) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(width: int = 4, height: int = 3) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 30, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A PNG whose header announces width × height pixels, its pixels a deflated run of zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">L", len(data)) + kind + data + struct.pack(">L", zlib.crc32(kind + data))

    line = b"\x00" * (1 + width)  # filter byte + one byte per pixel (greyscale)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(line) for _ in range(height)) + compressor.flush()
    header = struct.pack(">2L5B", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
