"""From uploaded bytes to text: unwrap one layer of compression, refuse what is not a CSV, decode.

Every refusal is a `DatasetError` whose message says what the file is and what to do about it.
Decompression is bounded: reading stops one byte past the size limit, so a small "bomb" never
expands in memory.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import re
import struct
import zipfile
from typing import IO

import numpy as np
import pyarrow as pa
from charset_normalizer import from_bytes

from agent.errors import DatasetError
from agent.ingest.text import Text

# Encodings charset-normalizer proposes for Western text; among them cp1252 is what people export.
_WESTERN = {"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman", "cp850"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_COMPRESSED = (
    (re.compile(rb"\x1f\x8b"), "gzip"),
    (re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)"), "bzip2"),  # a text file may start with "BZh"
    (re.compile(rb"\xfd7zXZ\x00"), "xz"),
)
# (magic prefix, what it is, what to do)
_BINARY = (
    (b"\x89PNG", "a PNG image", "upload the data itself as a CSV file"),
    (b"\xff\xd8\xff", "a JPEG image", "upload the data itself as a CSV file"),
    (b"GIF8", "a GIF image", "upload the data itself as a CSV file"),
    (b"%PDF", "a PDF document", "export the table from its source as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Office file", "open it in Excel and export it as CSV"),
    (b"PAR1", "a Parquet file", "export it as CSV (e.g. pandas `to_csv`)"),
    (b"SQLite format 3", "a SQLite database", "export the table you need as CSV"),
    (b"7z\xbc\xaf", "a 7-Zip archive", "extract the CSV and upload it (or zip/gzip it)"),
    (b"Rar!", "a RAR archive", "extract the CSV and upload it (or zip/gzip it)"),
)
# Decompression: read in chunks; past this many compressed-to-text times (and this many bytes) it is a bomb.
_CHUNK = 1 << 20
_MAX_EXPANSION = 200
_RATIO_FREE_BYTES = 8 << 20
# A zip holding one CSV lists a few entries (plus __MACOSX/ and .DS_Store ones from macOS).
_MAX_ZIP_ENTRIES = 16
_MAX_ZIP_DIRECTORY = 1 << 20
_EOCD_SEARCH = 22 + 0xFFFF  # the end record, then at most a 64 KB comment
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_CONTENT = re.compile(rb"[^ \t\r\n\x00\xef\xbb\xbf\xfe\xff]")  # a byte that is not blank, NUL or a BOM's
_SAMPLE_SCAN, _SAMPLE_PIECES, _SAMPLE_WINDOW = 1 << 22, 400, 256
_HTML = re.compile(r"(<!doctype\s+html|<html|<head|<body|<\?xml|<!--)", re.IGNORECASE)


def mb(n: int) -> str:
    """A byte count as megabytes for a message: `100 MB`, `2.5 MB`."""
    value = n / (1 << 20)
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


def read_text(name: str, data: bytes, *, max_bytes: int) -> Text:
    """Check, decompress and decode an uploaded file.

    Raises:
        DatasetError: empty, too large, a bomb, binary, HTML, JSON, an Excel workbook, or an archive
            that does not hold exactly one data file.
    """
    if len(data) > max_bytes:
        raise DatasetError(
            f"{name} is {mb(len(data))}, over the {mb(max_bytes)} limit; filter it to the rows and columns "
            "you need or split it into smaller files, then upload again."
        )
    data, inner = _unwrap(name, data, max_bytes)
    shown = f"{name} ({inner})" if inner else name
    if not _CONTENT.search(data):
        raise DatasetError(f"{shown} is empty; export the data again and upload a file that has rows.")
    _refuse_binary(shown, data)
    decoded = _decode(shown, data)
    _refuse_markup(shown, decoded)
    return decoded


def unwrap(name: str, data: bytes, *, max_bytes: int) -> tuple[bytes, str]:
    """The size check and decompression of `read_text`, for readers of formats other than CSV.

    Raises:
        DatasetError: too large, a bomb, damaged, or an archive that does not hold exactly one file.
    """
    check_size(name, data, max_bytes=max_bytes)
    return _unwrap(name, data, max_bytes)


def check_size(name: str, data: bytes, *, max_bytes: int) -> None:
    """Raises:
    DatasetError: the upload is over the size limit."""
    if len(data) > max_bytes:
        raise DatasetError(
            f"{name} is {mb(len(data))}, over the {mb(max_bytes)} limit; filter it to the rows and columns "
            "you need or split it into smaller files, then upload again."
        )


def _unwrap(name: str, data: bytes, limit: int) -> tuple[bytes, str]:
    """Decompress gzip/bz2/xz or open a zip holding one file; returns (bytes, inner name or "")."""
    kind = next((k for magic, k in _COMPRESSED if magic.match(data)), "")
    if kind:
        try:
            with _decompressor(kind, io.BytesIO(data)) as stream:
                out = _bounded_read(name, stream, limit, len(data))
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise DatasetError(
                f"{name} is a damaged {kind} file ({exc}); compress the CSV again or upload it uncompressed."
            ) from None
        _refuse_nested(name, out)
        return out, ""
    if data[:4] == b"PK\x03\x04":
        return _unzip(name, data, limit)
    return data, ""


def _decompressor(kind: str, raw: io.BytesIO) -> io.BufferedIOBase:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw)
    return bz2.BZ2File(raw) if kind == "bzip2" else lzma.LZMAFile(raw)


def _bounded_read(name: str, stream: IO[bytes] | io.BufferedIOBase, limit: int, packed: int) -> bytes:
    """Decompress in chunks, stopping as soon as the output passes the size limit or the expansion cap.

    Args:
        packed: the compressed size, for the expansion ratio.
    """
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise DatasetError(
                f"{name} expands to more than {mb(limit)} when decompressed; filter or split the data "
                "into smaller files and upload those."
            )
        if total > max(_RATIO_FREE_BYTES, packed * _MAX_EXPANSION):
            raise DatasetError(
                f"{name} expands more than {_MAX_EXPANSION}-fold when decompressed, far more than a CSV does; "
                "upload the CSV itself or compress it again."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _unzip(name: str, data: bytes, limit: int) -> tuple[bytes, str]:
    _refuse_crowded_zip(name, data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DatasetError(f"{name} is a damaged zip file; zip the CSV again or upload it unzipped.") from None
    if len(names) > _MAX_ZIP_ENTRIES:
        _refuse_entries(name, len(names))
    if "xl/workbook.xml" in names or any(n.startswith("xl/worksheets/") for n in names):
        raise DatasetError(
            f"{name} is an Excel workbook (.xlsx), not a CSV; open it in Excel and export it as CSV "
            "(File → Save As → CSV UTF-8), then upload that file."
        )
    if "mimetype" in names and "content.xml" in names:
        raise DatasetError(f"{name} is an OpenDocument file, not a CSV; export it as CSV and upload that.")
    members = [
        i
        for i in archive.infolist()
        if not i.is_dir() and not i.filename.startswith("__MACOSX/") and not i.filename.endswith(".DS_Store")
    ]
    if len(members) != 1:
        listed = ", ".join(i.filename for i in members[:5]) or "nothing"
        raise DatasetError(
            f"{name} holds {len(members)} files ({listed}); upload a zip with exactly one CSV inside, "
            "or the CSV itself."
        )
    member = members[0]
    try:
        with archive.open(member) as stream:
            out = _bounded_read(name, stream, limit, member.compress_size)
    except RuntimeError:  # zipfile's signal for an encrypted member
        raise DatasetError(f"{name} is password-protected; upload the CSV without a password.") from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, lzma.LZMAError) as exc:
        raise DatasetError(f"{name} could not be unzipped ({exc}); upload the CSV itself.") from None
    _refuse_nested(name, out)
    return out, member.filename


def _refuse_crowded_zip(name: str, data: bytes) -> None:
    """Refuse a zip whose end record lists many entries or a large directory, before zipfile reads
    that directory into one object per entry (it walks the directory by size, so both are checked)."""
    # As zipfile looks: a record at the very end, else the last one before a comment.
    end = (
        len(data) - 22
        if data[-22:-18] == b"PK\x05\x06"
        else data.rfind(b"PK\x05\x06", max(0, len(data) - _EOCD_SEARCH))
    )
    if end < 0 or end + 22 > len(data):
        return  # zipfile reports the damage
    entries, directory_size = struct.unpack_from("<HL", data, end + 10)
    if entries >= 0xFFFF:  # the record's most; the true count is in a zip64 record
        _refuse_entries(name, "65,535 or more")
    if entries > _MAX_ZIP_ENTRIES:
        _refuse_entries(name, entries)
    if directory_size > _MAX_ZIP_DIRECTORY:  # a record that understates its count
        _refuse_entries(name, "many")


def _refuse_entries(name: str, count: str | int) -> None:
    shown = f"{count:,}" if isinstance(count, int) else count
    raise DatasetError(f"{name} holds {shown} files; upload a zip with exactly one CSV inside, or the CSV itself.")


def _refuse_nested(name: str, data: bytes) -> None:
    if data.startswith(b"PK\x03\x04") or any(magic.match(data) for magic, _ in _COMPRESSED):
        raise DatasetError(
            f"{name} holds another compressed file inside; decompress it and upload the CSV (compressed once at most)."
        )


def _refuse_binary(name: str, data: bytes) -> None:
    for magic, what, todo in _BINARY:
        if data.startswith(magic):
            raise DatasetError(f"{name} is {what}, not a CSV; {todo}.")
    if any(data.startswith(bom) for bom, enc in _BOMS if enc.startswith("utf-16") or enc.startswith("utf-32")):
        return
    head = data[:8192]
    nuls = head.count(0)
    if nuls and not _looks_utf16(head):
        raise DatasetError(f"{name} is binary data, not a text CSV; export your data as CSV (text) and upload that.")


def _looks_utf16(head: bytes) -> bool:
    """BOM-less UTF-16 puts a NUL in every other byte of ASCII text."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = max(1, len(head) // 2)
    return max(even, odd) > 0.4 * half and min(even, odd) < 0.05 * half


def _refuse_markup(name: str, decoded: Text) -> None:
    head = decoded.head(2048).lstrip("\ufeff \t\r\n")
    if _HTML.match(head) or "<html" in head[:1024].lower():
        raise DatasetError(
            f"{name} is a web page (HTML), not a CSV — the download probably failed or needed a login; "
            "download the file again and upload the file itself."
        )
    if head[:1] in ("{", "[") and len(text := decoded.text) < (64 << 20):
        try:
            json.loads(text)
        except ValueError:
            return
        except RecursionError:
            raise DatasetError(
                f"{name} holds brackets nested thousands deep, which is not a CSV; export the data as CSV "
                "and upload that."
            ) from None
        raise DatasetError(f"{name} is JSON, not a CSV; convert it to CSV (one row per record) and upload that.")


def _decode(name: str, data: bytes) -> Text:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                if not _valid_utf8(data):
                    raise DatasetError(f"{name} says it is UTF-8 but is not valid UTF-8; export it again as CSV UTF-8.")
                return Text("utf-8-sig", utf8=data).after(1)
            try:
                return Text(encoding, text=data[len(bom) :].decode(encoding))
            except UnicodeDecodeError:
                raise DatasetError(
                    f"{name} says it is {encoding.upper()} but is not valid {encoding.upper()}; "
                    "export it again as CSV UTF-8."
                ) from None
    if _looks_utf16(data[:8192]) and data.count(0):
        encoding = "utf-16-le" if data[1:8192:2].count(0) > data[0:8192:2].count(0) else "utf-16-be"
        try:
            return Text(encoding, text=data.decode(encoding))
        except UnicodeDecodeError:
            raise DatasetError(f"{name} looks like UTF-16 but does not decode; export it as CSV UTF-8.") from None
    if _valid_utf8(data):
        return Text("utf-8", utf8=data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    return _decode_legacy(data, first_bad)


def _valid_utf8(data: bytes) -> bool:
    """Checked by Arrow in place, ten times as fast as decoding into a str nobody may need."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _decode_legacy(data: bytes, first_bad: int) -> Text:
    """Not UTF-8: mostly-UTF-8 with a few bad bytes, a Western code page, or what the detector says."""
    head = data[: 1 << 20]
    sequences = re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", head)
    good = len(sequences)
    bad = len(re.findall(rb"[\x80-\xff]", head)) - sum(len(s) for s in sequences)
    if good >= 10 and bad * 10 <= good:
        text = data.decode("utf-8", errors="replace")
        return Text(
            "utf-8", (f"some bytes were not valid UTF-8 (first at byte {first_bad}); they show as �",), text=text
        )
    sample = _high_byte_sample(data)
    guesses = [m.encoding for m in from_bytes(sample)]
    if not guesses or _WESTERN.intersection(guesses[:6]):
        try:
            return Text("cp1252", text=data.decode("cp1252"))
        except UnicodeDecodeError:
            return Text("latin-1", text=data.decode("latin-1"))
    encoding = guesses[0]
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return Text("latin-1", text=data.decode("latin-1"))
    return Text(encoding, (f"the file is not UTF-8; its encoding was guessed as {encoding}",), text=text)


def _high_byte_sample(data: bytes) -> bytes:
    """The start of the file plus the text around non-ASCII bytes, so the detector sees the letters.

    Each piece is the high byte's line cut to a window: a regex for "the whole line around a high byte"
    is quadratic on one long line.
    """
    head = data[:_SAMPLE_SCAN]
    pieces: list[bytes] = []
    found = _HIGH_BYTE.search(head)
    while found is not None and len(pieces) < _SAMPLE_PIECES:
        at = found.start()
        start = max(head.rfind(b"\n", max(0, at - _SAMPLE_WINDOW), at) + 1, at - _SAMPLE_WINDOW)
        stop = head.find(b"\n", at, at + _SAMPLE_WINDOW)
        end = stop if stop != -1 else min(len(head), at + _SAMPLE_WINDOW)
        pieces.append(head[start:end])
        found = _HIGH_BYTE.search(head, max(end, at + 1))
    return data[:16384] + b"\n" + b"\n".join(pieces)
