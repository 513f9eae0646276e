"""Strings that libraries evaluate as Python: model formulas (patsy, statsmodels) and pandas expressions.

patsy runs every term of `'y ~ np.log(x) + C(region)'` as Python in the caller's namespace, and pandas'
`query`/`eval` call whatever an `@`-reference or a bare name leads to (`'@os.system("id") == 0'`). The
strings are parsed here, never run: only column names, literals, arithmetic, comparisons and a short
list of harmless functions pass; attributes, subscripts, lambdas and everything else are refused.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Functions a formula term may call: patsy's own, and numpy's element-wise maths.
FORMULA_CALLS = frozenset(
    {
        *("C", "Q", "I", "center", "standardize", "scale", "bs", "cr", "cc", "te", "poly"),
        *("Treatment", "Sum", "Diff", "Helmert", "Poly", "log", "exp", "sqrt", "abs"),
    }
)
NUMPY_MATHS = frozenset(
    {
        *("log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "square", "abs", "absolute", "power"),
        *("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "floor", "ceil", "round"),
        *("sign", "clip", "maximum", "minimum", "where", "isnan", "nan", "pi", "e", "inf"),
    }
)
# The maths functions pandas' expression language knows by name.
PANDAS_CALLS = frozenset(
    {
        *("sin", "cos", "tan", "arcsin", "arccos", "arctan", "arccosh", "arcsinh", "arctanh", "sinh", "cosh"),
        *("tanh", "exp", "expm1", "log", "log1p", "log10", "sqrt", "abs", "arctan2"),
    }
)
# Column methods (`name.str.contains("x")`, `when.dt.year`) pandas' python engine allows in a query.
COLUMN_ATTRS = frozenset(
    {
        *("str", "dt", "cat", "contains", "startswith", "endswith", "lower", "upper", "strip", "len", "match"),
        *("isin", "between", "isna", "notna", "isnull", "notnull", "abs", "round", "fillna", "astype"),
        *("year", "month", "day", "hour", "minute", "weekday", "dayofweek", "quarter", "date", "days"),
        *("values", "any", "all", "sum", "mean", "median", "min", "max", "std", "count", "nunique"),
    }
)
_NODES = (
    ast.Module,
    ast.Expression,
    ast.Expr,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.keyword,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
    ast.expr_context,
)
_AT = "at_ref_"
_QUOTED = "quoted_name_"


@dataclass(frozen=True)
class _Dialect:
    """What one kind of string may call: by bare name, on `np.`, and as column methods."""

    calls: frozenset[str]
    numpy: bool
    columns: bool
    assign: bool


_FORMULA = _Dialect(FORMULA_CALLS, numpy=True, columns=False, assign=False)
_QUERY = _Dialect(PANDAS_CALLS, numpy=False, columns=True, assign=True)
# Top-level `pd.eval` has no columns: its bare names are the caller's variables, so no attribute is safe.
_EVAL = _Dialect(PANDAS_CALLS, numpy=False, columns=False, assign=True)


def formula_problem(formula: str) -> str | None:
    """Why a patsy/statsmodels formula could run code (a phrase), or None when it is only terms of columns."""
    text = _rewrite(formula, {"~": " < ", ":": " & "}, backticks=False)
    if text is None:
        return "use a model formula that cannot be checked"
    sides = text.lstrip()
    return _judge("0" + text if sides.startswith("<") else text, _FORMULA, "a model formula")


def query_problem(expression: str, *, columns: bool = True) -> str | None:
    """Why a pandas `query`/`eval` string could run code, or None.

    Args:
        expression: The string handed to `DataFrame.query`, `DataFrame.eval` or `pd.eval`.
        columns: False for top-level `pd.eval`, whose bare names are variables rather than columns.
    """
    text = _rewrite(expression, {}, backticks=True)
    if text is None:
        return "use a pandas expression that cannot be checked"
    return _judge(text, _QUERY if columns else _EVAL, "a pandas expression")


def _rewrite(text: str, operators: dict[str, str], *, backticks: bool) -> str | None:
    """The string as parseable Python: `@name` and backticked names become plain names, patsy's `~`/`:` operators."""
    out: list[str] = []
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            out.append(char)
            if char == "\\":
                out.append(text[index + 1 : index + 2])
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "`" and backticks:
            end = text.find("`", index + 1)
            if end < 0:
                return None
            out.append(f" {_QUOTED}{len(out)} ")
            index = end
        elif char == "@":
            out.append(f" {_AT}")
        else:
            out.append(operators.get(char, char))
        index += 1
    return None if quote else "".join(out)


def _judge(text: str, dialect: _Dialect, shown: str) -> str | None:
    try:
        tree = ast.parse(text.strip(), mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return f"use {shown} that cannot be checked"
    for node in ast.walk(tree):
        problem = _node_problem(node, dialect)
        if problem:
            return f"run {problem} inside {shown}"
    return None


def _node_problem(node: ast.AST, dialect: _Dialect) -> str | None:
    if isinstance(node, ast.Name):
        return f"the name {node.id.removeprefix(_AT)!r}" if "__" in node.id else None
    if isinstance(node, ast.Assign):
        plain = dialect.assign and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        return None if plain else "an assignment"
    if isinstance(node, ast.Call):
        return _call_problem(node.func, dialect)
    if isinstance(node, ast.Attribute):
        return _attribute_problem(node, dialect)
    if isinstance(node, _NODES):
        return None
    return f"a {type(node).__name__.lower()} expression"


def _call_problem(func: ast.expr, dialect: _Dialect) -> str | None:
    if isinstance(func, ast.Name):
        return None if func.id in dialect.calls else f"the function {func.id.removeprefix(_AT)!r}"
    if isinstance(func, ast.Attribute):
        return _attribute_problem(func, dialect)
    return "a computed call"


def _attribute_problem(node: ast.Attribute, dialect: _Dialect) -> str | None:
    """`np.log` in a formula, `name.str.contains` on a column in a query; nothing else."""
    root: ast.expr = node
    attrs: list[str] = []
    while isinstance(root, ast.Attribute):
        attrs.append(root.attr)
        root = root.value
    if not isinstance(root, ast.Name):
        return "an attribute of a computed value"
    shown = f"{root.id.removeprefix(_AT)}.{'.'.join(reversed(attrs))}"
    if any(attr.startswith("_") for attr in attrs):
        return f"the attribute {shown!r}"
    if dialect.numpy and root.id in ("np", "numpy") and len(attrs) == 1 and attrs[0] in NUMPY_MATHS:
        return None
    on_column = dialect.columns and not root.id.startswith(_AT)
    if on_column and all(attr in COLUMN_ATTRS for attr in attrs):
        return None
    return f"the attribute {shown!r}"
