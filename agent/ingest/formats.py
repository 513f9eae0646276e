"""Which reader an upload needs: a workbook, Parquet/Feather, JSON, JSON Lines, or CSV text.

The file's first bytes decide where they can (magic numbers survive a wrong extension); the
extension decides the rest. A compressed file is judged by its decompressed start, so a `.json.gz`
is JSON, and only a file that turns out not to be CSV is decompressed here (CSV text keeps the one
decompression `agent.ingest.sniff` does).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Literal

from agent.errors import DatasetError
from agent.ingest.sniff import _refuse_crowded_zip as refuse_crowded_zip
from agent.ingest.sniff import check_size, unwrap

Kind = Literal["csv", "excel", "parquet", "feather", "json", "jsonl"]

_HEAD = 4096
_BZIP2 = re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)")  # as sniff: a text file may start with "BZh"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A password-protected .xlsx is an OLE container whose directory names this stream.
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
_EXTENSION_KINDS: dict[str, Kind] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".feather": "feather",
    ".arrow": "feather",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    **dict.fromkeys(_WORKBOOK_EXTENSIONS, "excel"),
}
_COMPRESSION_SUFFIXES = (".gz", ".gzip", ".bz2", ".xz", ".zip")


@dataclass(frozen=True)
class Detected:
    """What an upload is, and the bytes its reader takes (decompressed, except for CSV and workbooks)."""

    kind: Kind
    data: bytes
    # Only a JSON extension insists on JSON; `[` or `{` at the start of a `.csv` may still be CSV.
    insisted: bool = False


def detect(name: str, data: bytes, *, max_bytes: int) -> Detected:
    """Classify an upload.

    Raises:
        DatasetError: too large, or compressed in a way that cannot be opened (see `sniff.unwrap`).
    """
    check_size(name, data, max_bytes=max_bytes)
    if is_workbook(data):
        return Detected("excel", data)
    packed = _is_compressed(data)
    head = _decompressed_head(data) if packed else data[:_HEAD]
    kind, insisted = _classify(_inner_extension(name, data if packed else b""), head)
    if kind == "csv" or (kind == "excel" and not packed):
        return Detected(kind, data, insisted)
    inner, _ = unwrap(name, data, max_bytes=max_bytes) if packed else (data, "")
    return Detected(kind, inner, insisted)


def is_workbook(data: bytes) -> bool:
    """An Excel (.xlsx/.xlsm, .xls, or a password-protected one) or OpenDocument spreadsheet."""
    if data.startswith(_OLE):
        return True
    if not data.startswith(b"PK\x03\x04"):
        return False
    # ODF puts an uncompressed "mimetype" entry first; xlsx lists its parts in the central directory.
    if data[30:38] == b"mimetype" and b"opendocument.spreadsheet" in data[38:120]:
        return True
    tail = data[-(1 << 20) :]
    return b"xl/workbook.xml" in tail or b"xl/workbook.bin" in tail


def _classify(extension: str, head: bytes) -> tuple[Kind, bool]:
    if head.startswith(b"PAR1"):
        return "parquet", False
    if head.startswith((b"ARROW1", b"FEA1")):
        return "feather", False
    if head.startswith(_OLE) or (head.startswith(b"PK\x03\x04") and is_workbook(head)):
        return "excel", False
    by_extension = _EXTENSION_KINDS.get(extension)
    if by_extension is not None:
        return by_extension, by_extension in ("json", "jsonl")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"[", b"{"):
        return "json", False
    return "csv", False


def _inner_extension(name: str, packed: bytes) -> str:
    """The extension that says what the data is: "x.json.gz" → ".json"; a zip's member's own."""
    base = PurePosixPath(name.replace("\\", "/").lower()).name
    if packed.startswith(b"PK\x03\x04"):
        member = _zip_member(packed)
        return PurePosixPath(member.lower()).suffix if member else ""
    for suffix in _COMPRESSION_SUFFIXES:
        base = base.removesuffix(suffix)
    return PurePosixPath(base).suffix


def _is_compressed(data: bytes) -> bool:
    return data.startswith((b"\x1f\x8b", b"\xfd7zXZ\x00", b"PK\x03\x04")) or _BZIP2.match(data) is not None


def _zip_member(data: bytes) -> str:
    try:
        refuse_crowded_zip("", data)  # before zipfile reads a directory of any size
    except DatasetError:
        return ""  # sniff refuses it, with the message
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ""
    return names[0] if len(names) == 1 else ""


def _decompressed_head(data: bytes) -> bytes:
    """The first bytes of what the file holds; b"" when it cannot be opened (sniff reports the damage)."""
    try:
        if data.startswith(b"PK\x03\x04"):
            member = _zip_member(data)
            if not member:
                return b""
            with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(member) as stream:
                return stream.read(_HEAD)
        with _opener(data) as stream:
            return stream.read(_HEAD)
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zipfile.BadZipFile, lzma.LZMAError):
        return b""


def _opener(data: bytes) -> IO[bytes] | io.BufferedIOBase:
    raw = io.BytesIO(data)
    if data.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw)
    if data.startswith(b"BZh"):
        return bz2.BZ2File(raw)
    return lzma.LZMAFile(raw)
