"""Deployment files against the code they deploy: manifest.yml, Dockerfile, .dockerignore, docker-compose.yml.

No Docker engine runs here, so the files are read statically, cross-checked with what handlers/ and bot/
really register and call, and the image's HEALTHCHECK command is run for real against a real bot.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import shlex
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from aiohttp import web
from packaging.specifiers import SpecifierSet

from agent.errors import ConfigError
from bot.config import Settings
from tests.bot_helpers import bot_settings, running_bot
from tests.conftest import free_port
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parent.parent

# The event subscriptions behind each bolt listener: messages in channels, private channels, DMs, group DMs.
LISTENER_EVENTS = {
    "app_mention": {"app_mention"},
    "message": {"message.channels", "message.groups", "message.im", "message.mpim"},
}
# What Slack requires for each event the bot subscribes to, and for each Web API method it calls.
EVENT_SCOPES = {
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "message.mpim": {"mpim:history"},
}
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "chat_stream": {"chat:write"},
    "assistant_threads_setStatus": {"chat:write"},
    "files_upload_v2": {"files:write"},
    "files_info": {"files:read"},
    "reactions_add": {"reactions:write"},
    "reactions_remove": {"reactions:write"},
    "users_info": {"users:read"},
    "auth_test": set(),
}
# Keys of Slack's manifest schema (v1) that this manifest may use; a typo is silently ignored by Slack.
MANIFEST_KEYS = {
    "": {"_metadata", "display_information", "features", "oauth_config", "settings"},
    "display_information": {"name", "description", "long_description", "background_color"},
    "features": {"app_home", "bot_user", "slash_commands", "shortcuts", "unfurl_domains", "assistant_view"},
    "features.app_home": {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"},
    "features.bot_user": {"display_name", "always_online"},
    "oauth_config": {"scopes", "redirect_urls", "token_management_enabled"},
    "oauth_config.scopes": {"bot", "user"},
    "settings": {
        "event_subscriptions",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
        "allowed_ip_address_ranges",
        "incoming_webhooks",
    },
    "settings.event_subscriptions": {"bot_events", "user_events", "request_url"},
    "settings.interactivity": {"is_enabled", "request_url", "message_menu_options_url"},
}
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE_KEY")
SECRET_VALUE = re.compile(r"xox[abpr]-\w|xapp-\w|gsk_\w{8}|e2b_\w{8}")


def load_yaml(name: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name} is not a YAML mapping"
    return data


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


def python_sources(*packages: str) -> Iterator[ast.AST]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield from ast.walk(ast.parse(path.read_text(encoding="utf-8")))


def registered(kind: str) -> list[ast.Call]:
    """Calls `app.<kind>(...)` in handlers/ and bot/: the listeners the bolt app really has."""
    return [
        node
        for node in python_sources("handlers", "bot")
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == kind
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "app"
    ]


def web_api_methods() -> set[str]:
    """Methods called on a Slack client (`client.x(...)`, `self.client.x(...)`) in handlers/ and bot/."""
    found = set()
    for node in python_sources("handlers", "bot"):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name == "client":
                found.add(node.func.attr)
    return found


def first_string(call: ast.Call) -> str:
    assert call.args and isinstance(call.args[0], ast.Constant), ast.dump(call)
    return str(call.args[0].value)


# --- manifest.yml -------------------------------------------------------------------------------------------


def test_manifest_uses_only_schema_keys_within_slack_limits() -> None:
    manifest = load_yaml("manifest.yml")
    for path, allowed in MANIFEST_KEYS.items():
        node: Any = manifest
        for part in filter(None, path.split(".")):
            node = node.get(part, {})
        assert set(node) <= allowed, f"unknown keys under {path or 'the top'}: {set(node) - allowed}"
    assert manifest["_metadata"]["major_version"] == 1
    info = manifest["display_information"]
    assert info["name"] == "DataAgent" and 0 < len(info["description"]) <= 140
    assert manifest["features"]["bot_user"] == {"display_name": "DataAgent", "always_online": True}


def test_every_slash_command_the_bot_handles_is_declared() -> None:
    handled = {first_string(call) for call in registered("command")}
    declared = {c["command"]: c for c in load_yaml("manifest.yml")["features"]["slash_commands"]}
    assert handled == set(declared) == {"/analyze"}
    analyze = declared["/analyze"]
    assert analyze["description"] and analyze["should_escape"] is False
    assert all(word in analyze["usage_hint"] for word in ("datasets", "forget", "help"))
    url = urlparse(analyze["url"])
    assert url.scheme == "https" and url.path == "/slack/events", "HTTP mode serves bolt at /slack/events"


def test_subscribed_events_are_exactly_the_ones_the_bot_listens_to() -> None:
    listened = {first_string(call) for call in registered("event")}
    assert listened, "handlers register event listeners"
    unknown = listened - set(LISTENER_EVENTS)
    assert not unknown, f"new listeners {unknown}: subscribe their events in manifest.yml and add them above"
    wanted = set().union(*(LISTENER_EVENTS[name] for name in listened))
    subscribed = load_yaml("manifest.yml")["settings"]["event_subscriptions"]["bot_events"]
    assert len(subscribed) == len(set(subscribed))
    assert set(subscribed) == wanted


def test_bot_scopes_are_exactly_what_its_events_and_calls_need() -> None:
    manifest = load_yaml("manifest.yml")
    needed: set[str] = set()
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        needed |= EVENT_SCOPES[event]
    for method in web_api_methods():
        assert method in METHOD_SCOPES, f"the code calls {method}: add its scope to the manifest and METHOD_SCOPES"
        needed |= METHOD_SCOPES[method]
    if registered("command"):
        needed.add("commands")
    downloads = any(
        isinstance(n, ast.Constant) and n.value == "url_private_download" for n in python_sources("handlers")
    )
    assert downloads, "the bot downloads shared files with the bot token"
    needed.add("files:read")
    assert {"chat:write", "files:write"} <= needed, "answers are posted and charts uploaded"
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert sorted(scopes) == sorted(needed), "missing or unused scopes"


def test_buttons_dms_and_socket_mode_are_enabled() -> None:
    manifest = load_yaml("manifest.yml")
    settings = manifest["settings"]
    assert registered("action"), "the bot has buttons"
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False and settings["token_rotation_enabled"] is False
    home = manifest["features"]["app_home"]
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False


# --- Dockerfile and .dockerignore ---------------------------------------------------------------------------


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
        r["name"] + r.get("specifier", "") + (f";{r['marker']}" if "marker" in r else "")
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


# --- docker-compose.yml -------------------------------------------------------------------------------------


def test_compose_runs_redis_with_persistence_and_a_healthcheck() -> None:
    compose = load_yaml("docker-compose.yml")
    redis = compose["services"]["redis"]
    assert redis["image"] == "redis:7-alpine"
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes", "quote yes: YAML 1.1 reads it as a boolean"
    assert any(str(v).endswith(":/data") and str(v).split(":")[0] in compose["volumes"] for v in redis["volumes"])
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


def test_compose_bot_waits_for_redis_and_points_at_it() -> None:
    compose = load_yaml("docker-compose.yml")
    bot = compose["services"]["bot"]
    assert bot["build"] == "." and bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
    redis_url = urlparse(bot["environment"]["REDIS_URL"])
    assert redis_url.scheme == "redis" and redis_url.hostname in compose["services"] and redis_url.port == 6379
    assert bot["depends_on"][redis_url.hostname]["condition"] == "service_healthy"
    data_volume = [str(v) for v in bot["volumes"] if str(v).endswith(":" + bot["environment"]["DATA_DIR"])]
    assert data_volume and data_volume[0].split(":")[0] in compose["volumes"]
