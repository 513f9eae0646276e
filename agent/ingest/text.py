"""An upload's text: decoded up front, or kept as valid UTF-8 bytes and decoded only where needed."""

from __future__ import annotations

import codecs


class Text:
    """An upload's text and how it was read.

    A file that is valid UTF-8 (most are) stays its bytes, decoded only if a reader needs all of the
    text: the fast CSV reader takes the bytes, so a big file is neither decoded nor held twice.
    """

    def __init__(
        self, encoding: str, warnings: tuple[str, ...] = (), *, text: str | None = None, utf8: bytes | None = None
    ) -> None:
        self.encoding = encoding
        self.warnings = warnings
        self._text = text
        self._raw = utf8
        self._start = 0  # where the text begins in `_raw`

    @classmethod
    def of(cls, text: str) -> Text:
        """Text already decoded."""
        return cls("utf-8", text=text)

    @property
    def utf8(self) -> memoryview | None:
        """The text's exact UTF-8 bytes, when the file held them (zero-copy)."""
        return None if self._raw is None else memoryview(self._raw)[self._start :]

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._raw is not None
            self._text = str(memoryview(self._raw)[self._start :], "utf-8")
        return self._text

    def head(self, chars: int) -> str:
        """The first `chars` characters, decoding no more than they need."""
        if self._raw is None or self._text is not None:
            return self.text[:chars]
        piece = self._raw[self._start : self._start + 4 * chars]  # a character is at most 4 bytes
        # Incremental: a character cut at the end of the piece is held back, not an error.
        return codecs.getincrementaldecoder("utf-8")().decode(piece)[:chars]

    def count(self, char: str) -> int:
        """How often an ASCII character occurs."""
        if self._raw is None:
            return self.text.count(char)
        return self._raw.count(char.encode("ascii"), self._start)

    def holds(self, char: str) -> bool:
        """Does an ASCII character occur at all?"""
        if self._raw is None:
            return char in self.text
        return self._raw.find(char.encode("ascii"), self._start) != -1

    def after(self, chars: int) -> Text:
        """The text without its first `chars` characters."""
        if self._raw is None:
            return Text(self.encoding, self.warnings, text=self.text[chars:])
        rest = Text(self.encoding, self.warnings, utf8=self._raw)
        rest._start = self._start + len(self.head(chars).encode("utf-8"))
        return rest
