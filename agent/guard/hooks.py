"""Calls that hand a library something it runs later: formula and expression strings, display hooks.

Kernel state outlives the cell, so a formatter (`pd.options.display.float_format = lambda x: '999'`)
falsifies every later output, and a string a library evaluates (`smf.ols('y ~ __import__("os")…')`,
`df.query('@os.system("id") == 0')`) is code the policy never saw. Ordinary settings
(`pd.set_option('display.max_rows', 100)`, `'{:,.2f}'.format` as the float format) stay allowed.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Callable, Iterator

from agent.guard.expressions import formula_problem, query_problem

Problem = tuple[str, str]  # (what the code would do, key of policy.WHY)
TextOf = Callable[[ast.expr], str | None]  # the complete literal an expression spells, or None

# pandas options whose value is code pandas runs (or a module it imports) whenever it prints.
HOOK_OPTIONS = ("display.float_format", "styler.format.formatter", "plotting.backend")
# What may be written around the number in a float format: units, not other numbers.
_FORMAT_TEXT = frozenset(" $€£¥%")
_FORMULA_KWARGS = ("formula", "re_formula", "vc_formula", "exog_formula")
# statsmodels.formula.api's models and patsy's builders, by bare name: an earlier cell's
# `from statsmodels.formula.api import ols` still binds `ols` in the kernel when this cell runs.
_FORMULA_FUNCTIONS = frozenset(
    {
        *("ols", "wls", "gls", "glsar", "glm", "logit", "probit", "mnlogit", "poisson", "negativebinomial"),
        *("quantreg", "mixedlm", "gee", "ordinal_gee", "nominal_gee", "phreg", "rlm", "conditional_logit"),
        *("dmatrix", "dmatrices", "from_formula"),
    }
)
_NOT_FORMULAS = ("pandas.", "numpy.", "scipy.", "sklearn.", "matplotlib.", "seaborn.")
# rcParams naming programs matplotlib runs (ffmpeg, ImageMagick, LaTeX).
_PROGRAM_RCPARAMS = re.compile(r"^(?:animation\.\w*(?:_path|_args)|animation\.writer|text\.usetex|text\.latex\.|pgf\.)")


def call_problems(node: ast.Call, qual: str, name: str, text_of: TextOf) -> Iterator[Problem]:
    """What a call hands a library to run later, if anything; `qual` is its resolved dotted name."""
    if _is_formula_call(qual, name):
        yield from _formula_problems(node, text_of)
    elif qual == "pandas.eval" or (name in ("query", "eval") and isinstance(node.func, ast.Attribute)):
        yield from _expression_problems(node, text_of, columns=qual != "pandas.eval")
    else:
        yield from _hook_problems(node, qual, name, text_of)


def _hook_problems(node: ast.Call, qual: str, name: str, text_of: TextOf) -> Iterator[Problem]:
    if qual in ("pandas.set_option", "pandas.option_context"):
        yield from _option_call_problems(node, text_of)
    elif qual in ("numpy.set_printoptions", "numpy.printoptions"):
        if any(kw.arg in ("formatter", None) and not _is_none(kw.value) for kw in node.keywords):
            yield f"install a numpy print formatter with {qual}", "hook"
    elif qual == "numpy.set_string_function":
        yield f"install a numpy print formatter with {qual}", "hook"
    elif name == "update" and qual.endswith("rcParams.update") and node.args:
        yield from _rcparams_problems(node.args[0], text_of)
    elif qual in ("matplotlib.use", "matplotlib.pyplot.switch_backend") and node.args:
        backend = text_of(node.args[0])
        if backend is None or backend.startswith("module://"):
            yield f"load a matplotlib backend module with {qual}", "dynamic"
    elif qual == "numpy.load" and any(kw.arg == "allow_pickle" and not _is_false(kw.value) for kw in node.keywords):
        yield "load pickled arrays with numpy.load", "pickle"


def option_problem(key: str, value: ast.expr | None) -> Problem | None:
    """Setting pandas option `key` (exact, or a pattern as `set_option` takes it) to `value`."""
    try:
        hooks = [hook for hook in HOOK_OPTIONS if re.search(key, hook, re.IGNORECASE)]
    except re.error:
        return f"set the pandas options matching {key!r}", "hook"
    for hook in hooks:
        if not _safe_hook_value(hook, value):
            return f"set the pandas option {hook} to code", "hook"
    return None


def rcparam_problem(key: str | None) -> Problem | None:
    """Setting a matplotlib rcParam: those that name programs to run are refused."""
    if key is None:
        return "set a matplotlib rcParam named at run time", "hook"
    if _PROGRAM_RCPARAMS.match(key):
        return f"set the matplotlib rcParam {key}, which names a program to run", "hook"
    if key == "backend":
        return "set the matplotlib rcParam backend, which names a module to import", "dynamic"
    return None


def _is_formula_call(qual: str, name: str) -> bool:
    statsmodels = qual.startswith("statsmodels.") and ".formula." in qual
    by_name = name in _FORMULA_FUNCTIONS and not qual.startswith(_NOT_FORMULAS)
    return statsmodels or qual.startswith("patsy.") or by_name


def _formula_problems(node: ast.Call, text_of: TextOf) -> Iterator[Problem]:
    formulas = node.args[:1] + [kw.value for kw in node.keywords if kw.arg in _FORMULA_KWARGS]
    for formula in formulas:
        parts = formula.values if isinstance(formula, ast.Dict) else [formula]  # vc_formula={'g': '0 + C(g)'}
        for part in parts:
            text = text_of(part)
            problem = formula_problem(text) if text is not None else "build a model formula at run time"
            if problem:
                yield problem, "eval"


def _expression_problems(node: ast.Call, text_of: TextOf, *, columns: bool) -> Iterator[Problem]:
    expressions = node.args[:1] + [kw.value for kw in node.keywords if kw.arg in ("expr", "expression")]
    for expression in expressions:
        text = text_of(expression)
        problem = query_problem(text, columns=columns) if text is not None else "build a pandas expression at run time"
        if problem:
            yield problem, "eval"


def _option_call_problems(node: ast.Call, text_of: TextOf) -> Iterator[Problem]:
    if any(isinstance(arg, ast.Starred) for arg in node.args) or node.keywords:
        yield "set pandas options that cannot be checked", "hook"
        return
    for index in range(0, len(node.args), 2):
        key = text_of(node.args[index])
        value = node.args[index + 1] if index + 1 < len(node.args) else None
        problem = option_problem(key, value) if key is not None else ("set a pandas option named at run time", "hook")
        if problem:
            yield problem


def _rcparams_problems(update: ast.expr, text_of: TextOf) -> Iterator[Problem]:
    if not isinstance(update, ast.Dict):
        yield "set matplotlib rcParams that cannot be checked", "hook"
        return
    for key in update.keys:
        problem = rcparam_problem(text_of(key) if key is not None else None)
        if problem:
            yield problem


def _is_false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and not node.value


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _safe_hook_value(hook: str, value: ast.expr | None) -> bool:
    if value is None or _is_none(value):
        return True
    if hook == "plotting.backend":
        return isinstance(value, ast.Constant) and value.value == "matplotlib"
    return hook == "display.float_format" and _is_number_format(value)


def _is_number_format(value: ast.expr) -> bool:
    """`'{:,.2f}'.format`, `lambda x: f'{x:.1%}'` or `lambda x: '${:,.0f}'.format(x)`: the number, formatted."""
    if isinstance(value, ast.Attribute) and value.attr == "format" and isinstance(value.value, ast.Constant):
        return isinstance(value.value.value, str) and _safe_format(value.value.value)
    if not (isinstance(value, ast.Lambda) and len(value.args.args) == 1 and not value.args.vararg):
        return False
    arg, body = value.args.args[0].arg, value.body
    if isinstance(body, ast.Call) and len(body.args) == 1 and not body.keywords:
        only_arg = isinstance(body.args[0], ast.Name) and body.args[0].id == arg
        return only_arg and _is_number_format(body.func)
    if isinstance(body, ast.JoinedStr):
        fields = [part for part in body.values if isinstance(part, ast.FormattedValue)]
        texts = [part.value for part in body.values if isinstance(part, ast.Constant)]
        plain = all(isinstance(text, str) and set(text) <= _FORMAT_TEXT for text in texts)
        return plain and len(fields) == 1 and _formats_arg(fields[0], arg)
    return False


def _formats_arg(field: ast.FormattedValue, arg: str) -> bool:
    spec = field.format_spec
    spec_ok = spec is None or all(isinstance(part, ast.Constant) for part in getattr(spec, "values", []))
    return isinstance(field.value, ast.Name) and field.value.id == arg and field.conversion == -1 and spec_ok


def _safe_format(fmt: str) -> bool:
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError:
        return False
    fields = [(name, spec, conv) for _, name, spec, conv in parts if name is not None]
    texts = "".join(text for text, _, _, _ in parts)
    one_field = len(fields) == 1 and fields[0][0] in ("", "0") and fields[0][2] is None
    return one_field and "{" not in (fields[0][1] or "") and set(texts) <= _FORMAT_TEXT
