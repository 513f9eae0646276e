"""`dataagent sandbox run` as an operator would use it on a host."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.sandbox_helpers import PNG_MAGIC

SCRIPT = """
import matplotlib.pyplot as plt
print("hello from the sandbox")
plt.plot([1, 2, 3]); plt.title("one")
plt.figure(); plt.bar(["a", "b"], [3, 4])
raise ValueError("on purpose")
"""


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("E2B_API_KEY", "SANDBOX")}
    env["DATA_DIR"] = str(tmp_path / "state")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_sandbox_run_json_reports_stdout_error_and_two_figures(tmp_path: Path) -> None:
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT)
    done = run_cli(tmp_path, "sandbox", "run", str(script), "--json")
    assert done.returncode == 1, done.stderr  # the script raised
    data = json.loads(done.stdout)
    assert data["stdout"] == "hello from the sandbox\n"
    assert data["error"]["name"] == "ValueError"
    assert "on purpose" in data["error"]["traceback"]
    pngs = [base64.b64decode(r["png"]) for r in data["results"] if r["png"]]
    assert len(pngs) == 2 and all(p.startswith(PNG_MAGIC) for p in pngs)
    assert data["lost"] is False


def test_sandbox_run_human_output_and_timeout(tmp_path: Path) -> None:
    script = tmp_path / "slow.py"
    script.write_text("print('starting')\nimport time\ntime.sleep(60)")
    done = run_cli(tmp_path, "sandbox", "run", str(script), "--timeout", "2")
    assert done.returncode == 1
    assert "starting" in done.stdout
    assert "TimeoutError" in done.stderr


def test_sandbox_run_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "sandbox", "run", str(tmp_path / "nope.py"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr
