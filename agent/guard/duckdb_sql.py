"""The SQL a cell hands DuckDB: analysis over the thread's files, and none of DuckDB's ways out.

DuckDB can fetch extensions (INSTALL/LOAD), read URLs (httpfs), write files (COPY … TO, EXPORT),
open other databases (ATTACH) and change its own settings (SET, PRAGMA): each is refused here, and
every quoted path in the SQL must be one the rest of the code could use (the data folder, the
working directory, /tmp). Only what can be read without running the
code is judged; SQL built at run time from anything but literals is refused, since it cannot be.
"""

from __future__ import annotations

import re

from agent.guard.paths import PathLiteral, PathPolicy

# Calls whose first argument is SQL: `duckdb.sql(…)`, and the same methods on a connection.
SQL_FUNCTIONS = frozenset({"duckdb.sql", "duckdb.query", "duckdb.execute", "duckdb.executemany", "duckdb.query_df"})
SQL_METHODS = frozenset({"sql", "execute", "executemany"})
# Connection methods that fetch or load native extensions.
EXTENSION_METHODS = frozenset({"install_extension", "load_extension"})

_REFUSED_STATEMENTS = {
    "install": "install a DuckDB extension",
    "load": "load a DuckDB extension",
    "force": "install a DuckDB extension",
    "attach": "attach another database",
    "detach": "detach a database",
    "copy": "copy data to or from files with DuckDB",
    "export": "export a database to files",
    "import": "import a database from files",
    "set": "change DuckDB's settings",
    "reset": "change DuckDB's settings",
    "pragma": "change DuckDB's settings",
    "call": "call DuckDB's procedures",
    "checkpoint": "write a DuckDB database file",
}
_STATEMENT_START = re.compile(r"(?:^|;)\s*(?:\(\s*)*([A-Za-z_]+)")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_EXTENSION_FUNCTIONS = re.compile(r"\b(?:load_extension|install_extension)\s*\(", re.IGNORECASE)


def sql_rule(sql: PathLiteral | None, paths: PathPolicy) -> tuple[str, str] | None:
    """(what the SQL would do, why: a key of WHY or its text) when DuckDB must not run it, else None."""
    if sql is None:
        return "run SQL that is not written out in the code", "duckdb"
    text = _without_comments(sql.text)
    for match in _STATEMENT_START.finditer(text):
        if (word := match.group(1).lower()) in _REFUSED_STATEMENTS:
            return _REFUSED_STATEMENTS[word], "duckdb"
    if _URL.search(text):
        return "read a URL with DuckDB", "net"
    if _EXTENSION_FUNCTIONS.search(text):
        return "load a DuckDB extension", "duckdb"
    for quoted in _QUOTED.findall(text):
        # Plain values ('North') are not paths; anything with a separator or a home is judged as one.
        if "/" in quoted or "\\" in quoted or quoted.startswith("~"):
            verdict = paths.judge(PathLiteral(quoted.replace("''", "'")))
            if verdict is not None:
                return verdict
    return None


def _without_comments(text: str) -> str:
    # A statement hidden after a comment still runs: comments go before statements are judged.
    text = re.sub(r"/\*.*?(\*/|$)", " ", text, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", " ", text)
