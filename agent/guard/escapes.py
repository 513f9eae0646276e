"""IPython escapes in model-written code: `!cmd`, `x = !cmd`, `%magic`, `%%cell magic` and automagic.

These lines are not Python, so they are found before parsing: unsafe ones become violations, and
every escape line is replaced by `pass` (same indentation) so the rest of the cell can still be
parsed and checked. Display and timing magics (`%matplotlib inline`, `%%time`) are harmless.
"""

from __future__ import annotations

import ast
import re

SAFE_MAGICS = frozenset(
    {
        "matplotlib",
        "time",
        "timeit",
        "config",
        "precision",
        "who",
        "whos",
        "who_ls",
        "pprint",
        "xmode",
        "capture",
        "pinfo",
        "pinfo2",
        "pdoc",
        "pdef",
        "psearch",
        "lsmagic",
        "quickref",
        "prun",
        "tb",
    }
)
_INSTALLERS = frozenset({"pip", "pip3", "conda", "mamba", "micromamba", "uv", "apt", "apt-get", "npm", "sudo"})
_ENV_MAGICS = frozenset({"env", "set_env"})
# Line magics and shell aliases IPython runs without a `%` when a cell is a single line
# (`ls /etc`, `pip install x`, `env`), unless the line assigns to that name.
_AUTOMAGIC = frozenset(
    {
        "pip",
        "conda",
        "mamba",
        "micromamba",
        "uv",
        "env",
        "set_env",
        "system",
        "sx",
        "sc",
        "cd",
        "ls",
        "cat",
        "rm",
        "rmdir",
        "mkdir",
        "mv",
        "cp",
        "ll",
        "lf",
        "lk",
        "ldir",
        "lx",
        "alias",
        "unalias",
        "rehashx",
        "run",
        "load",
        "loadpy",
        "pushd",
        "popd",
        "pycat",
        "killbgscripts",
        "logstart",
        "bookmark",
        "save",
        "store",
    }
)
_ASSIGNMENT = re.compile(r"^\s*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)")
_ESCAPE = re.compile(r"^(?P<indent>[ \t]*)(?P<assign>[\w.\[\]'\" ,]+?\s*=\s*)?(?P<sigil>!!?|%%?)(?P<body>.*)$")
_HELP = re.compile(r"^[ \t]*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
_WORD = re.compile(r"^([A-Za-z_][\w.]*)(.*)$")

Found = list[tuple[int, str, str]]


def neutralize_escapes(code: str) -> tuple[str, Found]:
    """Find IPython escapes in a cell.

    Args:
        code: The cell as the model wrote it.

    Returns:
        The cell with every escape line replaced by `pass`, and (line, what, why-key) for each unsafe one.
    """
    found = _automagic(code)
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    else:
        return code, found
    lines = code.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = _first_word(lines[first].lstrip()[2:])
        if name not in SAFE_MAGICS:
            # The body of a cell magic is not Python (`%%bash`, `%%writefile`): nothing else to check.
            return "", [*found, (first + 1, f"run the cell magic %%{name}", _why(name, "ipython"))]
        lines[first] = ""
    for index, line in enumerate(lines):
        if _HELP.match(line):
            lines[index] = line[: len(line) - len(line.lstrip())] + "pass"
            continue
        match = _ESCAPE.match(line)
        if match is None:
            continue
        body = match.group("body").strip()
        if match.group("sigil").startswith("!"):
            shown = body if len(body) <= 60 else body[:57] + "..."
            found.append((index + 1, f"run the shell command `!{shown}`", _why(_first_word(body), "shell")))
        else:
            name = _first_word(body)
            if match.group("sigil") == "%%" or name not in SAFE_MAGICS or match.group("assign"):
                found.append((index + 1, f"run the IPython magic %{name}", _why(name, "ipython")))
        lines[index] = match.group("indent") + "pass"
    return "\n".join(lines), found


def _automagic(code: str) -> Found:
    stripped = code.strip()
    if "\n" in stripped:
        return []  # IPython applies automagic to single-line cells only
    match = _WORD.match(stripped)
    if match is None or match.group(1) not in _AUTOMAGIC:
        return []
    if _ASSIGNMENT.match(match.group(2)):
        return []  # `env = ...` is Python; IPython checks assignments before automagic
    return [(1, f"run the IPython command `{stripped[:60]}`", _why(match.group(1), "shell"))]


def _first_word(text: str) -> str:
    words = text.split()
    return words[0] if words else ""


def _why(command: str, default: str) -> str:
    if command in _INSTALLERS:
        return "install"
    if command in _ENV_MAGICS:
        return "env"
    return default
