"""Which literal paths model-written code may touch, and how to read a literal out of an AST node.

Allowed: anything under the data directory, the working directory (the data directory's parent, the
sandbox's cwd and HOME) except hidden entries such as `.ssh` or `.bashrc`, and `/tmp`. Refused:
other absolute paths, `..` escapes, `~`, and URLs (the sandbox has no network).
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass

_URL = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_WINDOWS_DRIVE = re.compile(r"^[a-z]:[\\/]", re.IGNORECASE)
_JOINERS = frozenset(
    {
        "os.path.join",
        "posixpath.join",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.PurePosixPath",
        "os.path.expanduser",
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
    }
)
WHY_NETWORK = "network access is not allowed"
_MAX_DEPTH = 40  # a path spelled in more pieces than this is not worth reading


@dataclass(frozen=True)
class PathLiteral:
    """A string the code spells out: `complete` is False when only its beginning is known."""

    text: str
    complete: bool = True


def literal_of(
    node: ast.expr, consts: dict[str, PathLiteral], qual_of_call: dict[int, str], depth: int = 0
) -> PathLiteral | None:
    """The literal a path expression spells, as far as it can be read without running anything.

    Args:
        node: The expression handed to a file or URL consumer.
        consts: Module-level names bound once to a literal (`URL = "http://…"`).
        qual_of_call: Resolved dotted name of each call's function, keyed by `id(call)`.
        depth: Recursion depth so far; past `_MAX_DEPTH` nothing is known.

    Returns:
        The literal, its known prefix (complete=False), or None when nothing is known.
    """
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return PathLiteral(node.value)
        if isinstance(node.value, bytes):
            return PathLiteral(node.value.decode("latin-1"))
        return None
    if isinstance(node, ast.Name):
        return consts.get(node.id)
    if isinstance(node, ast.JoinedStr):
        return _f_string(node, consts, qual_of_call, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Div):
        return _concatenated(node, consts, qual_of_call, depth + 1)
    if isinstance(node, ast.Call) and qual_of_call.get(id(node)) in _JOINERS and node.args:
        return _joined(node.args, consts, qual_of_call, depth + 1)
    return None


def _f_string(
    node: ast.JoinedStr, consts: dict[str, PathLiteral], qual_of_call: dict[int, str], depth: int
) -> PathLiteral | None:
    text = ""
    for part in node.values:
        inner = part.value if isinstance(part, ast.FormattedValue) else part
        piece = literal_of(inner, consts, qual_of_call, depth)
        if piece is None or not piece.complete:
            text += piece.text if piece else ""
            return PathLiteral(text, False) if text else None
        text += piece.text
    return PathLiteral(text)


def _concatenated(
    node: ast.BinOp, consts: dict[str, PathLiteral], qual_of_call: dict[int, str], depth: int
) -> PathLiteral | None:
    """`a + b` or `a / b` (pathlib), read as far as its left side is known."""
    left = literal_of(node.left, consts, qual_of_call, depth)
    if left is None or not left.complete:
        return left
    glue = "/" if isinstance(node.op, ast.Div) else ""
    right = literal_of(node.right, consts, qual_of_call, depth)
    if right is None:
        return PathLiteral(left.text + glue, False)
    joined = posixpath.join(left.text, right.text) if glue else left.text + right.text
    return PathLiteral(joined, right.complete)


def _joined(
    args: list[ast.expr], consts: dict[str, PathLiteral], qual_of_call: dict[int, str], depth: int
) -> PathLiteral | None:
    text: str | None = None
    for arg in args:
        piece = literal_of(arg, consts, qual_of_call, depth)
        if piece is None:
            return PathLiteral(text + "/", False) if text is not None else None
        text = piece.text if text is None else posixpath.join(text, piece.text)
        if not piece.complete:
            return PathLiteral(text, False)
    return PathLiteral(text) if text is not None else None


def climbs_up(node: ast.expr) -> bool:
    """Whether any literal piece of a path expression has a `..` component (`f"{d}/../../etc"`)."""
    return any(
        isinstance(part, ast.Constant) and isinstance(part.value, str) and ".." in re.split(r"[\\/]", part.value)
        for part in ast.walk(node)
    )


class PathPolicy:
    """Judges literal paths against the sandbox layout."""

    def __init__(self, data_dir: str) -> None:
        self.data_dir = posixpath.normpath(data_dir)
        self.workdir = posixpath.dirname(self.data_dir) or "/"
        self.why_files = f"only files under {self.data_dir}, the working directory and /tmp may be used"

    def judge(self, literal: PathLiteral) -> tuple[str, str] | None:
        """Return (what the code would do, why not) for a forbidden path or URL, else None."""
        text = literal.text.strip()
        shown = repr((text if len(text) <= 60 else text[:57] + "...") + ("" if literal.complete else "…"))
        url = _URL.match(text)
        if url:
            if url.group(1).lower() != "file":
                return f"read from the URL {shown}", WHY_NETWORK
            text = text[len(url.group(0)) :]
        if not text or "\n" in text or "{" in text or "<" in text:
            return None  # inline content (CSV, JSON, HTML), not a path
        if text.startswith("~") or _WINDOWS_DRIVE.match(text):
            return f"use the path {shown}", self.why_files
        if "/" not in text and "\\" not in text and text != "..":
            return None  # a bare file name in the working directory
        full = posixpath.normpath(posixpath.join(self.workdir, text))
        if self._allowed(full):
            return None
        # Only a prefix known: refuse only when no continuation could land somewhere allowed.
        roots = (self.data_dir, self.workdir, "/tmp")
        if not literal.complete and ".." not in text.split("/") and any(r.startswith(full) for r in roots):
            return None
        return f"use the path {shown}", self.why_files

    def _allowed(self, full: str) -> bool:
        if _within(full, self.data_dir) or _within(full, "/tmp"):
            return True
        if not _within(full, self.workdir):
            return False
        inside = posixpath.relpath(full, self.workdir)
        return not any(part.startswith(".") and part != "." for part in inside.split("/"))


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
