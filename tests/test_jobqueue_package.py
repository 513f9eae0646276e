"""The jobqueue package stays generic and small, and its Lua scripts read by name."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jobqueue import scripts
from tests.jobs_helpers import (
    JOBQUEUE,
)


def test_jobqueue_imports_only_the_standard_library_and_redis() -> None:
    allowed = {*sys.stdlib_module_names, "redis", "jobqueue"}
    for path in sorted(JOBQUEUE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            assert {n.split(".")[0] for n in names} <= allowed, f"{path.name} imports {names}"


def test_jobqueue_modules_stay_small_and_simple() -> None:
    for path in JOBQUEUE.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, f"{path.name} is over 400 lines"
    ruff = Path(sys.executable).with_name("ruff")
    select = ["--select", "C901", "--config", "lint.mccabe.max-complexity=10"]
    proc = subprocess.run([str(ruff), "check", "--no-cache", *select, str(JOBQUEUE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("name", scripts.NAMES)
def test_each_lua_script_names_its_keys_and_arguments_at_the_top(name: str) -> None:
    lua = (JOBQUEUE / "lua" / f"{name}.lua").read_text()
    for line in lua.splitlines():
        # ARGV[i] with a variable walks a list of entry ids; a fixed index belongs in a named local.
        if re.search(r"\b(KEYS|ARGV)\[\d+\]", line):
            assert re.fullmatch(r"local \w+ = (KEYS|ARGV)\[\d+\]", line.strip()), f"{name}.lua: {line}"
    prelude = (JOBQUEUE / "lua" / "prelude.lua").read_text()
    assert "KEYS" not in prelude and "ARGV" not in prelude
    assert scripts.source(name) == prelude + "\n" + lua
