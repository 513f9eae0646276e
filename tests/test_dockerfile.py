"""The Dockerfile and .dockerignore against the code they package.

No Docker engine runs here, so the files are read statically, cross-checked with pyproject.toml and the
settings the bot accepts, and the image's HEALTHCHECK command is run for real against a real bot.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from packaging.specifiers import SpecifierSet

from agent.errors import ConfigError
from bot.config import Settings
from tests.bot_helpers import bot_settings, running_bot
from tests.conftest import free_port
from tests.deploy_helpers import ROOT, load_yaml
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE_KEY")
SECRET_VALUE = re.compile(r"xox[abpr]-\w|xapp-\w|gsk_\w{8}|e2b_\w{8}")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def dockerfile_stages() -> list[list[Instruction]]:
    """Instructions per build stage (the ARGs before the first FROM form stage 0), continuations joined."""
    stages: list[list[Instruction]] = [[]]
    pending = ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, also inside a continuation
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, args = (pending + stripped).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return stages


def final_stage() -> list[Instruction]:
    return dockerfile_stages()[-1]


def exec_form(instruction: Instruction) -> list[str]:
    value = json.loads(instruction.args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), instruction
    return value


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in final_stage():
        if ins.keyword == "ENV":
            tokens = shlex.split(ins.args)
            if "=" not in tokens[0]:  # legacy `ENV KEY value`
                env[tokens[0]] = " ".join(tokens[1:])
            else:
                env.update(token.split("=", 1) for token in tokens)  # type: ignore[misc]
    return env


def healthcheck_argv() -> list[str]:
    checks = [ins for ins in final_stage() if ins.keyword == "HEALTHCHECK"]
    assert len(checks) == 1, "the image needs exactly one HEALTHCHECK"
    match = re.search(r"(?:^|\s)CMD\s+(.*)$", checks[0].args, re.DOTALL)
    assert match, "HEALTHCHECK must run a command (CMD [...])"
    argv = json.loads(match.group(1))
    assert argv[0] == "python", "the healthcheck runs the image's python (no curl in slim images)"
    return [sys.executable, *argv[1:]]


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus `**`) as a regex."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignored(path: str) -> bool:
    """Whether `path` (relative to the context) is left out of the build context."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        negate = raw.startswith("!")
        regex = glob_regex(raw.lstrip("!").strip("/"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


async def test_entrypoint_and_cmd_are_exec_form_and_start_the_bot() -> None:
    stage = final_stage()
    (entry,) = [exec_form(i) for i in stage if i.keyword == "ENTRYPOINT"]
    (cmd,) = [exec_form(i) for i in stage if i.keyword == "CMD"]
    assert entry == ["dataagent"] and cmd == ["serve"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry[0] in scripts
    script = Path(sys.executable).parent / entry[0]
    proc = await asyncio.create_subprocess_exec(str(script), *cmd, "--help", stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0 and b"usage: dataagent serve" in out


def test_the_process_runs_as_uid_10001_not_root() -> None:
    keywords = [i.keyword for i in final_stage()]
    users = [i.args for i in final_stage() if i.keyword == "USER"]
    assert users and keywords.index("USER") < keywords.index("ENTRYPOINT")
    assert users[-1].split(":")[0] == "10001"
    assert "useradd --uid 10001" in " ".join(i.args for i in final_stage() if i.keyword == "RUN")


def test_image_defaults_make_a_valid_configuration_with_compose() -> None:
    env = image_env()
    assert {"PYTHONUNBUFFERED": "1", "DATA_DIR": "/data", "SANDBOX": "e2b"}.items() <= env.items()
    exposed = {i.args for i in final_stage() if i.keyword == "EXPOSE"}
    bot = load_yaml("docker-compose.yml")["services"]["bot"]
    merged = {**env, **{k: str(v) for k, v in bot["environment"].items()}}
    secrets = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_APP_TOKEN": "xapp-x", "GROQ_API_KEY": "k", "E2B_API_KEY": "k"}
    settings = Settings.from_env({**merged, **secrets})
    assert settings.sandbox == "e2b" and settings.data_dir == Path("/data")
    assert exposed == {str(settings.port)} and bot["ports"] == [f"{settings.port}:{settings.port}"]
    with pytest.raises(ConfigError, match="E2B_API_KEY"):  # the image says what is missing
        Settings.from_env({**merged, **secrets, "E2B_API_KEY": ""})


def test_no_secret_is_baked_into_the_image_or_compose() -> None:
    for ins in (i for stage in dockerfile_stages() for i in stage if i.keyword in ("ENV", "ARG")):
        assert not SECRET_NAME.search(ins.args), f"secrets come from the run-time environment: {ins}"
    environment = load_yaml("docker-compose.yml")["services"]["bot"]["environment"]
    assert not [name for name in environment if SECRET_NAME.search(name)], "secrets belong in .env"
    for name in ("Dockerfile", "docker-compose.yml", "manifest.yml", ".dockerignore"):
        assert not SECRET_VALUE.search((ROOT / name).read_text()), f"a token-like value in {name}"
    for path in (".env", ".env.local", ".venv/bin/python", ".git/config", ".dataagent/redis/appendonly.aof"):
        assert dockerignored(path), f"{path} must stay out of the build context"


def test_build_copies_what_setuptools_needs_and_installs_it_non_editable() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    copied: set[str] = set()
    for stage in dockerfile_stages():
        for ins in stage:
            if ins.keyword == "COPY" and not ins.args.startswith("--from"):
                *sources, _dest = shlex.split(ins.args)
                for source in sources:
                    assert (ROOT / source).exists() and not dockerignored(source), f"COPY {source} would fail"
                    copied.add(source.strip("/"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert {"pyproject.toml", "uv.lock", project["project"]["readme"], *packages} <= copied
    for package in packages:
        for path in (ROOT / package).rglob("*"):
            if path.suffix == ".py" or path.name == "py.typed":
                assert not dockerignored(str(path.relative_to(ROOT))), f"{path} is left out of the image"
    installs = [i.args for stage in dockerfile_stages() for i in stage if "uv sync" in i.args]
    assert installs and not any(re.search(r"(^|\s)(-e|--editable|--extra|--all-extras)\s", cmd) for cmd in installs)
    assert all("--no-editable" in cmd for cmd in installs if "--no-install-project" not in cmd)


def test_dependency_layer_installs_exactly_the_locked_dependencies() -> None:
    stage = dockerfile_stages()[1]
    (layer,) = [n for n, i in enumerate(stage) if i.keyword == "RUN" and "--no-install-project" in i.args]
    assert re.search(r"(^|\s)uv sync\s.*--frozen(\s|$)", stage[layer].args), "installs from uv.lock as committed"
    copied = sorted(src for i in stage[:layer] if i.keyword == "COPY" for src in shlex.split(i.args)[:-1])
    assert copied == ["pyproject.toml", "uv.lock"], (
        "only these before the dependency layer: no reinstall on a source change"
    )
    # The lock was made from this pyproject.toml: its record of the project's requirements is the same.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"]]
    wanted += [f"{req}; extra == '{x}'" for x, reqs in project["optional-dependencies"].items() for req in reqs]
    (locked,) = [p for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"] if p["name"] == project["name"]]
    recorded = [
        r["name"]
        + (f"[{','.join(r['extras'])}]" if r.get("extras") else "")
        + r.get("specifier", "")
        + (f";{r['marker']}" if "marker" in r else "")
        for r in locked["metadata"]["requires-dist"]
    ]

    def canonical(requirement: str) -> str:
        return re.sub(r"[-_.]+", "-", requirement).lower().replace(" ", "").replace('"', "'")

    assert sorted(map(canonical, recorded)) == sorted(map(canonical, wanted)), "run `.venv-tools/bin/uv lock`"


def test_both_stages_share_a_base_that_satisfies_requires_python() -> None:
    stages = dockerfile_stages()
    froms = [stage[0].args.split()[0] for stage in stages[1:]]
    assert len(froms) >= 2 and len(set(froms)) == 1, "the venv copied between stages needs the same interpreter"
    defaults = dict(i.args.split("=", 1) for i in stages[0] if i.keyword == "ARG" and "=" in i.args)
    image = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], froms[0])
    version = re.fullmatch(r"python:(\d+\.\d+)-slim(-\w+)?", image)
    assert version, image
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version.group(1) in SpecifierSet(requires)


def test_the_local_sandbox_and_embedded_redis_tools_are_installed() -> None:
    runs = " ".join(i.args for i in final_stage() if i.keyword == "RUN")
    # agent/sandbox/jail.require_tools: bwrap (bubblewrap), setpriv and prlimit (util-linux).
    assert re.search(r"apt-get install .*\bbubblewrap\b.*\butil-linux\b.*\bredis-server\b", runs)


async def run_healthcheck(port: int, **extra_env: str) -> int:
    env = {**os.environ, "PORT": str(port), **extra_env}
    proc = await asyncio.create_subprocess_exec(
        *healthcheck_argv(), env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await asyncio.wait_for(proc.wait(), 30)


async def test_healthcheck_passes_against_the_real_bot_in_socket_mode_even_behind_a_proxy(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, socket_mode=True)
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    async with running_bot(settings, namespace) as bot:
        assert await run_healthcheck(bot.port, HTTP_PROXY=dead_proxy, http_proxy=dead_proxy) == 0


@pytest.mark.parametrize("status", [503, 404])
async def test_healthcheck_fails_on_an_unhealthy_answer(status: int) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": False}, status=status)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        assert await run_healthcheck(port) != 0
    finally:
        await runner.cleanup()


async def test_healthcheck_fails_when_nothing_listens() -> None:
    assert await run_healthcheck(free_port()) != 0
