"""The card posted when a dataset arrives: size, a columns table, reading warnings, oddities, its DataFrame
name, and suggested questions as buttons (each asks its question in the file's thread)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent import DatasetRecord
from agent.profile import ColumnProfile
from handlers import texts
from handlers.render.blocks import MAX_BLOCKS, Block, actions, button, context, section, table
from handlers.render.dates import kept_until as kept_until_text
from handlers.render.mrkdwn import escape, preview

MAX_COLUMNS_SHOWN = 25
MAX_SUSPICIOUS = 5
MAX_WARNINGS = 5
ASK_SUGGESTION = "ask_suggestion"  # action ids are ask_suggestion_0, _1, … (unique within their block)
_CELL_CAP = 60
_LABEL_CAP = 75
MAX_CATEGORY_DISTINCT = 50
_NAME_CAP = 40
_ID_LIKE = re.compile(r"(^|[_\s])(id|uuid|key|code|zip|postcode|phone|index)$|^id[_\s]|^unnamed", re.I)
_MEASURE = re.compile(r"amount|revenue|sales|price|total|cost|profit|value|qty|quantity|units|score|income", re.I)
_DATE_NAME = re.compile(r"date|month|time|day|created|updated|timestamp|period", re.I)
_FREE_TEXT = re.compile(r"name$|description|comment|note|text|email|url|address|title", re.I)


@dataclass(frozen=True)
class DatasetView:
    """What the card needs to know about one dataset."""

    name: str
    var_name: str
    rows: int
    columns: tuple[tuple[str, str], ...]  # (column, kind): a dtype in, a friendly kind (number, date…) kept
    suspicious: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # how the file was read: skipped lines, decimal comma, dropped rows…
    stats: tuple[ColumnStat, ...] = ()  # the columns table; empty: the columns are listed as text

    def __post_init__(self) -> None:
        # Callers may pass pandas dtypes; the card and the suggestions speak in friendly kinds.
        object.__setattr__(self, "columns", tuple((c, friendly_type(k)) for c, k in self.columns))

    @classmethod
    def from_record(
        cls,
        record: DatasetRecord,
        *,
        columns_with_types: Sequence[tuple[str, str]] | None = None,
        suspicious: Sequence[str] | None = None,
    ) -> DatasetView:
        """Read kinds and oddities from the record's profile unless given explicitly."""
        columns = columns_with_types if columns_with_types is not None else _profile_columns(record)
        notes = suspicious if suspicious is not None else record.profile.suspicious
        kinds = dict(columns)
        stats = tuple(ColumnStat.of(c, kinds.get(c.name, c.dtype), record.rows) for c in record.profile.columns)
        warnings = tuple(record.profile.warnings)
        return cls(record.name, record.var_name, record.rows, tuple(columns), tuple(notes), warnings, stats)


@dataclass(frozen=True)
class ColumnStat:
    """One row of the columns table: name, kind, share of empty cells and range, as shown."""

    name: str
    kind: str
    empty: str
    range: str

    @classmethod
    def of(cls, column: ColumnProfile, kind: str, rows: int) -> ColumnStat:
        return cls(column.name, friendly_type(kind), _empty_share(column.nulls, rows), _range(column.min, column.max))


def _empty_share(nulls: int, rows: int) -> str:
    if rows <= 0:
        return ""
    share = 100 * nulls / rows
    if share == 0:
        return "0%"
    return "<1%" if share < 1 else f"{share:.0f}%"


def _range(low: float | int | str | None, high: float | int | str | None) -> str:
    if low is None or high is None:
        return ""
    lo, hi = _scalar(low), _scalar(high)
    return lo if lo == hi else f"{lo} – {hi}"


def _scalar(value: float | int | str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _cap(str(value), 25)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    return f"{int(value):,}"


def friendly_type(dtype: str) -> str:
    """A pandas dtype (or an already friendly kind) as a word a user knows."""
    d = dtype.lower()
    if "bool" in d or d == "yes/no":
        return "yes/no"
    if "date" in d or "time" in d:
        return "date"
    if any(k in d for k in ("int", "float", "number", "numeric", "decimal")):
        return "number"
    if "categor" in d:
        return "category"
    if any(k in d for k in ("object", "str", "text")):
        return "text"
    return d


def _profile_columns(record: DatasetRecord) -> list[tuple[str, str]]:
    """(column, kind) from the record's profile; few distinct texts make a category."""
    out = []
    for column in record.profile.columns:
        kind = friendly_type(column.dtype)
        if kind == "text" and column.distinct <= MAX_CATEGORY_DISTINCT:
            kind = "category"
        out.append((column.name, kind))
    return out


def suggested_questions(view: DatasetView, limit: int = 3) -> list[str]:
    """2–3 questions that fit the columns (they name real columns), ending with a summary request."""
    numbers = [c for c, k in view.columns if k == "number" and not _ID_LIKE.search(c)]
    numbers.sort(key=lambda c: not _MEASURE.search(c))  # measures like revenue first
    dates = [c for c, k in view.columns if k == "date" or (k == "text" and _DATE_NAME.search(c))]
    groups = [c for c, k in view.columns if k in ("category", "yes/no")]
    groups += [c for c, k in view.columns if k == "text" and not _FREE_TEXT.search(c) and c not in dates]
    groups = [c for c in groups if not _ID_LIKE.search(c)]
    out: list[str] = []
    if numbers and dates:
        out.append(texts.SUGGEST_BY_MONTH.format(numeric=numbers[0]))
    if numbers and groups:
        out.append(texts.SUGGEST_TOP_CATEGORY.format(category=groups[0], numeric=numbers[0]))
    if numbers and len(out) < 2:
        out.append(texts.SUGGEST_DISTRIBUTION.format(numeric=numbers[0]))
    if groups and len(out) < 2:
        out.append(texts.SUGGEST_COUNT_CATEGORY.format(category=groups[0]))
    out.append(texts.SUGGEST_SUMMARY)
    return out[:limit]


Suggestion = tuple[str, str]  # (id the button carries, question)


def profile_card(
    datasets: Sequence[DatasetRecord | DatasetView],
    *,
    in_thread: Sequence[DatasetRecord | DatasetView] = (),
    suggestions: Sequence[Sequence[Suggestion]] | None = None,
    kept_until: float | None = None,
    now: float = 0.0,
) -> tuple[str, list[Block]]:
    """Fallback text and blocks introducing freshly uploaded dataset(s).

    Args:
        datasets: the new dataset(s).
        in_thread: every dataset now in the thread (new ones included); when there are several,
            a line names them all.
        suggestions: per dataset, the (id, question) pairs to offer as buttons; without them the
            questions are listed as text.
        kept_until: when the data is deleted (epoch seconds), said as "kept until 8 Dec"; `now` picks
            whether the year is shown.
    """
    views = [_view(d) for d in datasets]
    blocks: list[Block] = []
    for index, view in enumerate(views):
        offered = suggestions[index] if suggestions is not None and index < len(suggestions) else None
        # Slack shows one table per message: the first dataset gets it, others list their columns.
        blocks.extend(_card(view, offered, with_table=index == 0))
    names = [_view(d).var_name for d in in_thread]
    if len(names) > 1:
        listed = ", ".join(f"`{escape(n)}`" for n in names)
        blocks.append(context(texts.PROFILE_THREAD_MANY.format(n=len(names), vars=listed)))
    if kept_until is not None:
        blocks.append(context(kept_until_text(kept_until, now)))
    fallback = " ".join(_headline(v) for v in views)
    return preview(fallback), blocks[:MAX_BLOCKS]


def _view(d: DatasetRecord | DatasetView) -> DatasetView:
    return d if isinstance(d, DatasetView) else DatasetView.from_record(d)


def _headline(view: DatasetView) -> str:
    rows, cols = view.rows, len(view.columns)
    name = escape(view.name.replace("*", ""))
    plural = {"rs": "" if rows == 1 else "s", "cs": "" if cols == 1 else "s"}
    return texts.PROFILE_HEADLINE.format(name=name, rows=rows, cols=cols, **plural)


def _card(view: DatasetView, offered: Sequence[Suggestion] | None, *, with_table: bool) -> list[Block]:
    blocks = [section(_headline(view))]
    blocks.extend(columns_table(view) if with_table and view.stats else [_columns_text(view)])
    if view.warnings:
        blocks.append(_notes(texts.PROFILE_WARNINGS, view.warnings, MAX_WARNINGS))
    if view.suspicious:
        blocks.append(_notes(texts.PROFILE_SUSPICIOUS, view.suspicious, MAX_SUSPICIOUS))
    blocks.append(context(texts.PROFILE_VAR.format(var=escape(view.var_name))))
    if offered:
        buttons = [button(_label(q), f"{ASK_SUGGESTION}_{i}", sid) for i, (sid, q) in enumerate(offered[:5])]
        blocks.extend([section(texts.PROFILE_SUGGESTIONS), actions(*buttons)])
    else:
        questions = "\n".join(f"• {escape(q)}" for q in suggested_questions(view))
        blocks.append(section(f"{texts.PROFILE_SUGGESTIONS}\n{questions}"))
    return blocks


def columns_table(view: DatasetView) -> list[Block]:
    """The columns as a native table (name, kind, % empty, range), the first 25, then how many more.

    Cells are raw text, which Slack never parses, so column names are shown exactly as they are and cannot ping.
    """
    rows: list[tuple[str, ...]] = [texts.PROFILE_TABLE_HEADER_PLAIN]
    rows += [(_cap(s.name, _CELL_CAP), s.kind, s.empty, s.range) for s in view.stats[:MAX_COLUMNS_SHOWN]]
    blocks = [table(rows)]
    more = len(view.stats) - MAX_COLUMNS_SHOWN
    if more > 0:
        blocks.append(context(texts.PROFILE_TABLE_MORE.format(n=more, s="" if more == 1 else "s")))
    return blocks


def _columns_text(view: DatasetView) -> Block:
    shown = [_column(c, k) for c, k in view.columns[:MAX_COLUMNS_SHOWN]]
    more = len(view.columns) - len(shown)
    columns = ", ".join(shown) + (texts.PROFILE_MORE_COLUMNS.format(n=more) if more > 0 else "")
    return section(texts.PROFILE_COLUMNS.format(columns=columns))


def _notes(heading: str, notes: Sequence[str], limit: int) -> Block:
    lines = "\n".join(f"• {escape(_cap(n, 200))}" for n in notes[:limit])
    return section(f"{heading}\n{lines}")


def _label(question: str) -> str:
    """A button label (plain text, shown literally by Slack), cut to fit."""
    return _cap(question, _LABEL_CAP)


def _column(name: str, kind: str) -> str:
    shown = "`" + escape(_cap(name, _NAME_CAP).replace("`", "'")) + "`"
    return f"{shown} ({escape(kind)})" if kind else shown


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
