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
# Safe magics whose argument is Python that IPython runs (`%time expr`; `%config` execs `cfg.` + its line):
# the argument stands in for the magic line, so it is checked like the rest of the cell.
CODE_MAGICS = frozenset({"time", "timeit", "prun", "config"})
# Options of those magics that take a value (`-n 10`, `-s key`); `%timeit -s` takes setup code.
_VALUED = frozenset({"n", "r", "p", "l", "s", "T", "D"})
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
        # `%%timeit setup` runs its first line too; other cell magics' lines hold only options.
        args = lines[first].lstrip()[2 + len(name) :]
        lines[first] = _code_of_magic(first + 1, "", name, args, found) if name in CODE_MAGICS else ""
    for index, line in enumerate(lines):
        lines[index] = _neutral_line(index + 1, line, found)
    return "\n".join(lines), found


def _neutral_line(line: int, text: str, found: Found) -> str:
    """One line with its escape, if any, replaced by `pass` or by the Python it runs."""
    if _HELP.match(text):
        return text[: len(text) - len(text.lstrip())] + "pass"
    match = _ESCAPE.match(text)
    if match is None:
        return text
    body = match.group("body").strip()
    if match.group("sigil").startswith("!"):
        shown = body if len(body) <= 60 else body[:57] + "..."
        found.append((line, f"run the shell command `!{shown}`", _why(_first_word(body), "shell")))
    else:
        name = _first_word(body)
        if match.group("sigil") == "%%" or name not in SAFE_MAGICS or match.group("assign"):
            found.append((line, f"run the IPython magic %{name}", _why(name, "ipython")))
        elif name in CODE_MAGICS:
            return _code_of_magic(line, match.group("indent"), name, body[len(name) :], found)
    return match.group("indent") + "pass"


def _code_of_magic(line: int, indent: str, name: str, args: str, found: Found) -> str:
    """The Python a code-running magic runs, to check in its place; `pass` (and a violation) if unreadable."""
    words = args.split()
    while words and words[0].startswith("-") and name != "config":
        option = words.pop(0)
        if option[1:2] == "s" and name == "timeit":
            found.append((line, f"run the IPython magic %{name} with setup code", "eval"))
            return indent + "pass"
        if option[1:] in _VALUED and words:
            words.pop(0)  # the option's value, given apart (`-n 10`)
    code = " ".join(words)
    if name == "config" and code:
        code = "cfg." + code  # what IPython's %config execs
    if not code:
        return indent + "pass"
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        found.append((line, f"run the IPython magic %{name} on code that cannot be checked", "eval"))
        return indent + "pass"
    return indent + code


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
