"""An AST policy on model-written code, checked before it reaches the sandbox.

It refuses what analysis code never needs: processes, sockets and HTTP clients, native code, dynamic
imports, `eval`/`exec`, Python internals (`__subclasses__`, `__globals__`, frames), the environment,
package installs, shell escapes (`!cmd`, `%pip`, `get_ipython().system`) and literal paths outside the
data directory, the working directory and /tmp. Code that does not parse is let through (the sandbox
reports the SyntaxError and the heal loop fixes it), but its shell-escape lines are still refused.

Each violation reads "line N: <what the code would do> (<why not>)", so a caller can write
"the code would <what the code would do>".
"""

from __future__ import annotations

import ast

from agent.guard.escapes import SAFE_MAGICS, neutralize_escapes
from agent.guard.paths import PathLiteral, PathPolicy, climbs_up, literal_of
from agent.guard.policy import (
    ALLOWED_SUBMODULES,
    ATTR_PATH_ARGS,
    BUILTINS,
    CONVENTIONAL,
    DUNDERS,
    FRAME_ATTRS,
    IPYTHON_OK,
    MODULE_ATTRS,
    MODULES,
    NOT_PATH_READERS,
    PATH_KWARGS,
    PREFIXES,
    QUAL_PATH_ARGS,
    SENSITIVE_TARGETS,
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


def _module_rule(qual: str) -> str | None:
    if qual in MODULE_ATTRS:
        return MODULE_ATTRS[qual]
    return next((why for prefix, why in PREFIXES if qual.startswith(prefix)), None)


def _import_rule(module: str) -> str | None:
    if module in ALLOWED_SUBMODULES or any(module.startswith(ok + ".") for ok in ALLOWED_SUBMODULES):
        return None
    return MODULES.get(module.split(".")[0]) or _module_rule(module)


class _Checker:
    """Walks a module once to learn names, once to judge; iteratively, so deep code cannot blow the stack."""

    def __init__(self, paths: PathPolicy) -> None:
        self.paths = paths
        self.aliases: dict[str, str] = dict(CONVENTIONAL)
        self.consts: dict[str, PathLiteral] = {}
        self.bound: set[str] = set()
        self.ipython: set[str] = set()
        self.quals: dict[int, str] = {}
        self.found: list[tuple[int, str, str]] = []

    def check(self, tree: ast.Module) -> list[tuple[int, str, str]]:
        self._learn(tree)
        for node in ast.walk(tree):
            visit = getattr(self, f"visit_{type(node).__name__}", None)
            if visit is not None:
                visit(node)
        return self.found

    def _learn(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            self._learn_binding(node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                qual = self._qual(node.func)
                if qual:
                    self.quals[id(node)] = qual
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
            why = _import_rule(alias.name)
            if why:
                self._flag(node, f"import {alias.name}", why)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if not node.module or node.level:
            return
        for alias in node.names:
            full = node.module if alias.name == "*" else f"{node.module}.{alias.name}"
            why = _import_rule(full) or (MODULES.get(node.module.split(".")[0]) if alias.name == "*" else None)
            if alias.name == "*" and node.module in ("os", "sys", "shutil"):
                why = why or "internals"
            if why:
                what = f"import {node.module}" if alias.name == "*" else f"import {alias.name} from {node.module}"
                self._flag(node, what, why)

    def visit_Name(self, node: ast.Name) -> None:
        why = BUILTINS.get(node.id)
        if why and isinstance(node.ctx, ast.Load) and node.id not in self.bound:
            self._flag(node, f"use {node.id}", why)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in DUNDERS:
            self._flag(node, f"use the name {node.value!r}", "internals")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in DUNDERS or node.attr in FRAME_ATTRS:
            self._flag(node, f"access {node.attr}", "internals")
        elif self._is_ipython(node.value) and node.attr not in IPYTHON_OK:
            self._flag(node, f"call get_ipython's .{node.attr}", "ipython")
        else:
            qual = self._qual(node)
            why = _module_rule(qual) if qual else None
            if qual and why:
                self._flag(node, f"use {qual}", why)

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
            if not words or words[0].lstrip("%") not in SAFE_MAGICS:
                self._flag(node, "call get_ipython's .run_line_magic", "ipython")
        self._check_paths(node, qual, name)

    def _check_getattr(self, node: ast.Call, qual: str) -> None:
        target = self._qual(node.args[0]) or ""
        attr = literal_of(node.args[1], self.consts, self.quals)
        if attr is not None and attr.complete:
            why = _module_rule(f"{target}.{attr.text}") if target else None
            if attr.text in FRAME_ATTRS:
                why = "internals"
            if why:
                self._flag(node, f"use {target or 'an object'}.{attr.text}", why)
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
