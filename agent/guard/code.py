"""An AST policy on model-written code, checked before it reaches the sandbox.

It refuses what analysis code never needs: imports outside an allowlist (analysis libraries and pure
standard-library helpers), processes, sockets and HTTP clients, native code, dynamic imports, code run
from strings (`eval`/`exec`, timeit, pickle), Python internals (`__subclasses__`, `__globals__`, frames),
the environment, package installs, shell escapes (`!cmd`, `%pip`, `get_ipython().system`, IPython's
shell), background threads and timers, assignments that patch imported libraries (kernel state outlives
the cell, so a patch would falsify every later answer) and literal paths outside the data directory, the
working directory and /tmp. Code that does not parse is let through (the sandbox reports the SyntaxError
and the heal loop fixes it), but its shell-escape lines are still refused.

Each violation reads "line N: <what the code would do> (<why not>)", so a caller can write
"the code would <what the code would do>".
"""

from __future__ import annotations

import ast
import re

from agent.guard.duckdb_sql import EXTENSION_METHODS, SQL_FUNCTIONS, SQL_METHODS, sql_rule
from agent.guard.escapes import CODE_MAGICS, SAFE_MAGICS, neutralize_escapes
from agent.guard.hooks import call_problems, option_problem, rcparam_problem
from agent.guard.modules import import_rule, import_what, module_rule, reached_rule
from agent.guard.path_tables import ATTR_PATH_ARGS, NOT_PATH_READERS, PATH_KWARGS, QUAL_PATH_ARGS
from agent.guard.paths import PathLiteral, PathPolicy, climbs_up, literal_of
from agent.guard.policy import (
    BUILTINS,
    CONVENTIONAL,
    DATA_METHODS,
    DUNDERS,
    FRAME_ATTRS,
    IPYTHON_OK,
    IPYTHON_SHELLS,
    MODULES,
    OUTPUT_NAMES,
    SENSITIVE_TARGETS,
    SETTABLE,
    WHY,
)
from agent.guard.verdicts import CodeVerdict, Violation
from agent.sandbox.base import DATA_DIR


def check_code(code: str, *, data_dir: str = DATA_DIR) -> CodeVerdict:
    """Check model-written code against the sandbox policy.

    Args:
        code: The cell as the model wrote it (IPython syntax included).
        data_dir: Where the datasets live inside the sandbox.

    Returns:
        The verdict; code that does not parse is allowed unless it has shell-escape lines.
    """
    source, found = neutralize_escapes(code)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        tree = None  # the sandbox reports it and the heal loop fixes it
    except (RecursionError, MemoryError):
        tree = None
        found.append((1, "nest code too deeply to check", "nesting"))
    if tree is not None:
        found += _Checker(PathPolicy(data_dir)).check(tree)
    violations = tuple(Violation(line, what, WHY.get(why, why)) for line, what, why in sorted(set(found)))
    return CodeVerdict(not violations, violations)


_FORMAT_DUNDER = re.compile(r"\{[^{}]*\.__\w+__")


class _Checker:
    """Walks a module once to learn names, once to judge; iteratively, so deep code cannot blow the stack."""

    def __init__(self, paths: PathPolicy) -> None:
        self.paths = paths
        self.aliases: dict[str, str] = dict(CONVENTIONAL)
        self.consts: dict[str, PathLiteral] = {}
        self.bound: set[str] = set()
        self.ipython: set[str] = set()
        self.quals: dict[int, str] = {}
        self.parents: dict[int, ast.AST] = {}
        self.found: list[tuple[int, str, str]] = []

    def check(self, tree: ast.Module) -> list[tuple[int, str, str]]:
        self._learn(tree)
        for node in ast.walk(tree):
            visit = getattr(self, f"visit_{type(node).__name__}", None)
            if visit is not None:
                visit(node)
        return self.found

    def _learn(self, tree: ast.Module) -> None:
        stores: dict[str, int] = {}
        renames: list[tuple[str, ast.expr]] = []
        for node in ast.walk(tree):
            self._learn_binding(node)
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                stores[node.id] = stores.get(node.id, 0) + 1
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                renames.append((node.targets[0].id, node.value))
        self._learn_derived(renames, stores)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
            if isinstance(node, ast.Call):
                qual = self._qual(node.func)
                if qual:
                    self.quals[id(node)] = qual
        self._learn_consts(tree)

    def _learn_consts(self, tree: ast.Module) -> None:
        """Module-level names bound to a literal or to IPython's shell."""
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
                if self._is_ipython(stmt.value):
                    self.ipython.add(name)
                value = literal_of(stmt.value, self.consts, self.quals)
                if value is not None:
                    self.consts[name] = value

    def _learn_binding(self, node: ast.AST) -> None:
        """Names the code binds itself (imports with their real modules, assignments, defs)."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                self.aliases[local] = alias.name if alias.asname else local
                self.bound.add(local)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                self.bound.add(alias.asname or alias.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            self.bound.add(node.id)
        elif isinstance(node, ast.arg):
            self.bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.bound.add(node.name)

    def _learn_derived(self, renames: list[tuple[str, ast.expr]], stores: dict[str, int]) -> None:
        """`S = pd.Series`, bound once, names what it was bound to (so `S.sum = …` patches pandas)."""
        for name, value in renames:
            root = value
            while isinstance(root, ast.Attribute):
                root = root.value
            qual = self._qual(value)
            if stores.get(name) == 1 and isinstance(root, ast.Name) and root.id in self.aliases and qual:
                self.aliases[name] = qual

    def _qual(self, node: ast.expr) -> str | None:
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        return ".".join([self.aliases.get(node.id, node.id), *reversed(attrs)])

    def _is_ipython(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.ipython
        return isinstance(node, ast.Call) and (self._qual(node.func) or "").split(".")[-1] == "get_ipython"

    def _flag(self, node: ast.AST, what: str, why: str) -> None:
        self.found.append((getattr(node, "lineno", 0), what, why))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            why = import_rule(alias.name)
            if why:
                self._flag(node, import_what(alias.name, alias.name), why)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if not node.module or node.level:
            return
        for alias in node.names:
            full = node.module if alias.name == "*" else f"{node.module}.{alias.name}"
            why = import_rule(full) or (MODULES.get(node.module.split(".")[0]) if alias.name == "*" else None)
            if alias.name == "*" and node.module in ("os", "sys", "shutil"):
                why = why or "internals"
            if why:
                shown = node.module if alias.name == "*" else f"{alias.name} from {node.module}"
                self._flag(node, import_what(shown, node.module), why)

    def visit_Name(self, node: ast.Name) -> None:
        why = BUILTINS.get(node.id)
        if why and isinstance(node.ctx, ast.Load) and node.id not in self.bound:
            self._flag(node, f"use {node.id}", why)
        shell = self.aliases.get(node.id, node.id).split(".")[-1]
        if shell in IPYTHON_SHELLS:
            self._flag(node, f"use IPython's {shell}", "ipython")
        elif isinstance(node.ctx, ast.Load) and self._loose_shell(node):
            self._flag(node, "hand IPython's shell to other code", "ipython")
        elif node.id in OUTPUT_NAMES and not isinstance(node.ctx, ast.Load):
            self._flag(node, f"rebind {node.id}", "rebind")
        elif node.id in ("getattr", "setattr", "delattr") and node.id not in self.bound:
            parent = self.parents.get(id(node))
            if not (isinstance(parent, ast.Call) and parent.func is node):
                # `reduce(getattr, ['system'], os)`: the getter escapes the checks made on its calls.
                self._flag(node, f"hand {node.id} to other code", "internals")

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        if node.name in OUTPUT_NAMES:
            self._flag(node, f"rebind {node.name}", "rebind")

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def _loose_shell(self, node: ast.Name) -> bool:
        """Whether the shell escapes the forms whose attributes are checked: `get_ipython().x`, `ip = get_ipython()`."""
        parent = self.parents.get(id(node))
        if node.id in self.ipython:
            return not isinstance(parent, ast.Attribute)
        if node.id != "get_ipython" or node.id in self.bound:
            return False
        if not (isinstance(parent, ast.Call) and parent.func is node):
            return True
        user = self.parents.get(id(parent))
        tracked = isinstance(user, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in self.ipython for t in user.targets
        )
        return not (isinstance(user, ast.Attribute) or tracked)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in DUNDERS:
            self._flag(node, f"use the name {node.value!r}", "internals")
        elif isinstance(node.value, str) and _FORMAT_DUNDER.search(node.value):
            # `'{0.__class__.__base__}'.format(x)` walks attributes like `x.__class__.__base__` would.
            self._flag(node, "reach Python internals through a format string", "internals")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load):
            self._check_patch(node, node.value, node.attr, "delete" if isinstance(node.ctx, ast.Del) else "replace")
            if node.attr in DATA_METHODS and self._imported(node.value) is None:
                self._flag(node, f"replace the method {node.attr} of an object", "patch")
        if node.attr in IPYTHON_SHELLS:
            self._flag(node, f"use IPython's {node.attr}", "ipython")
        elif node.attr in DUNDERS or node.attr in FRAME_ATTRS:
            self._flag(node, f"access {node.attr}", "internals")
        elif self._is_ipython(node.value) and node.attr not in IPYTHON_OK:
            self._flag(node, f"call get_ipython's .{node.attr}", "ipython")
        else:
            qual = self._qual(node)
            why = module_rule(qual) if qual else None
            reached = reached_rule(qual) if qual and not why else None
            if qual and why:
                self._flag(node, f"use {qual}", why)
            elif reached:
                self._flag(node, *reached)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load):
            return
        if (self._qual(node.value) or "").endswith("rcParams"):
            problem = rcparam_problem(self._text(node.slice))
            if problem:
                self._flag(node, *problem)
        elif isinstance(node.value, ast.Attribute) and self._is_ipython(node.value.value):
            key = self._text(node.slice)
            if key is None or key in OUTPUT_NAMES or key in BUILTINS:
                self._flag(node, f"rebind {key or 'a name'} in the shell's namespace", "rebind")

    def _text(self, node: ast.expr) -> str | None:
        literal = literal_of(node, self.consts, self.quals)
        return literal.text if literal is not None and literal.complete else None

    def visit_Call(self, node: ast.Call) -> None:
        qual = self.quals.get(id(node), "")
        name = node.func.attr if isinstance(node.func, ast.Attribute) else qual.split(".")[-1]
        if qual in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
            self._check_getattr(node, qual)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "run_line_magic"
            and self._is_ipython(node.func.value)
        ):
            magic = literal_of(node.args[0], self.consts, self.quals) if node.args else None
            words = magic.text.split() if magic is not None and magic.complete else []
            name = words[0].lstrip("%") if words else ""
            # The line of a code-running magic is code the policy never sees (`run_line_magic('time', …)`).
            runs_code = name in CODE_MAGICS and (len(node.args) > 1 or bool(node.keywords))
            if name not in SAFE_MAGICS or runs_code:
                self._flag(node, "call get_ipython's .run_line_magic", "ipython")
        for problem in call_problems(node, qual, name, self._text):
            self._flag(node, *problem)
        self._check_paths(node, qual, name)
        self._check_duckdb(node, qual, name)

    def _check_duckdb(self, node: ast.Call, qual: str, name: str) -> None:
        if name in EXTENSION_METHODS:
            self._flag(node, "load a DuckDB extension", "duckdb")
        elif qual in SQL_FUNCTIONS or (isinstance(node.func, ast.Attribute) and name in SQL_METHODS):
            sql = literal_of(node.args[0], self.consts, self.quals) if node.args else None
            if (verdict := sql_rule(sql, self.paths)) is not None:
                self._flag(node, *verdict)

    def _imported(self, node: ast.expr) -> str | None:
        """The imported module or class `node` reaches, named ("" for an object's class); None for the code's own."""
        inner = node
        while isinstance(inner, ast.Attribute | ast.Subscript):
            if isinstance(inner, ast.Attribute) and inner.attr == "__class__":
                return ""
            inner = inner.value
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "type":
            return ""  # type(df).sum = … patches DataFrame itself
        if isinstance(inner, ast.Name) and inner.id in self.aliases:
            return self._qual(node) or self.aliases[inner.id]
        return None

    def _check_patch(self, node: ast.AST, base: ast.expr, attr: str | None, verb: str) -> None:
        """Assigning to an imported module or class persists in the kernel and changes every later answer."""
        owner = self._imported(base)
        if owner is not None and f"{owner}.".startswith(SETTABLE):
            parent = self.parents.get(id(node))
            value = parent.value if isinstance(parent, ast.Assign) else base  # unknown: judged as code
            problem = option_problem(f"{owner}.{attr}".split(".", 2)[2], value) if attr else None
            if problem:
                self._flag(node, *problem)
            return
        if owner is None:
            return
        if not owner:
            what = f"{verb} {attr or 'attributes'} on an object's class"
        else:
            what = f"{verb} {owner}.{attr}" if attr else f"{verb} attributes of {owner}"
        self._flag(node, what, "patch")

    def _check_getattr(self, node: ast.Call, qual: str) -> None:
        target = self._qual(node.args[0]) or ""
        attr = literal_of(node.args[1], self.consts, self.quals)
        if qual in ("setattr", "delattr"):
            name = attr.text if attr is not None and attr.complete else None
            self._check_patch(node, node.args[0], name, "delete" if qual == "delattr" else "replace")
            if name in DATA_METHODS and self._imported(node.args[0]) is None:
                self._flag(node, f"replace the method {name} of an object", "patch")
        if attr is not None and attr.complete:
            why = module_rule(f"{target}.{attr.text}") if target else None
            if attr.text in FRAME_ATTRS or attr.text in DUNDERS or attr.text == "__class__":
                why = "internals"
            reached = reached_rule(f"{target}.{attr.text}") if target and not why else None
            if why:
                self._flag(node, f"use {target or 'an object'}.{attr.text}", why)
            elif reached:
                self._flag(node, *reached)
        elif target in SENSITIVE_TARGETS:
            self._flag(node, f"call {qual} on {target} with a computed name", "internals")
        if qual in ("setattr", "delattr") and target in SENSITIVE_TARGETS:
            self._flag(node, f"call {qual} on {target}", "internals")

    def _check_paths(self, node: ast.Call, qual: str, name: str) -> None:
        if qual in QUAL_PATH_ARGS:
            positions = QUAL_PATH_ARGS[qual]
        elif isinstance(node.func, ast.Attribute) and (
            name in ATTR_PATH_ARGS or (name.startswith("read_") and name not in NOT_PATH_READERS)
        ):
            positions = (0,)
        else:
            return
        args = [node.args[i] for i in positions if i < len(node.args)]
        args += [kw.value for kw in node.keywords if kw.arg in PATH_KWARGS]
        for arg in args:
            literal = literal_of(arg, self.consts, self.quals)
            if literal is not None:
                verdict = self.paths.judge(literal)
            elif climbs_up(arg):
                verdict = ("use a path that climbs out with '..'", self.paths.why_files)
            else:
                verdict = None
            if verdict:
                self._flag(node, *verdict)
