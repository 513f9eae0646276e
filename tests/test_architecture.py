"""The dependency rule is a checked contract: `lint-imports` breaks on a forbidden import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("agent", "handlers", "bot", "jobqueue")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's packages and contracts that a test may break."""
    for name in PACKAGES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_tree_as_it_is(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("agent/leak.py", "import slack_sdk\n", "the engine imports neither Slack"),
        ("agent/leak.py", "from handlers.render import escape\n", "bot → handlers → agent"),
        ("handlers/leak.py", "from bot.config import Settings\n", "bot → handlers → agent"),
        ("handlers/leak.py", "import groq\n", "handlers never import the model or sandbox SDKs"),
        ("agent/leak.py", "import jobqueue\n", "the engine imports neither Slack"),
        ("jobqueue/leak.py", "from agent import Engine\n", "the job queue imports no project package"),
    ],
)
def test_a_forbidden_import_breaks_the_build(tree: Path, module: str, source: str, contract: str) -> None:
    (tree / module).write_text(source, encoding="utf-8")
    result = lint(tree)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout
