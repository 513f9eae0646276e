"""manifest.yml against the code it configures: what handlers/ and bot/ really register and call.

No Slack workspace is involved: the file is read statically and cross-checked with the listeners and Web API
calls in the code, so a missing scope or a stray key shows up here rather than when the app is installed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from tests.deploy_helpers import ROOT, load_yaml

# The event subscriptions behind each bolt listener: messages in channels, private channels, DMs, group DMs.
LISTENER_EVENTS = {
    "app_mention": {"app_mention"},
    "message": {"message.channels", "message.groups", "message.im", "message.mpim"},
    "app_home_opened": {"app_home_opened"},
    "assistant_thread_started": {"assistant_thread_started"},
}
# What Slack requires for each event the bot subscribes to, and for each Web API method it calls.
EVENT_SCOPES = {
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "message.mpim": {"mpim:history"},
    "app_home_opened": set(),
    "assistant_thread_started": {"assistant:write"},
}
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "chat_stream": {"chat:write"},
    "assistant_threads_setStatus": {"chat:write"},
    "assistant_threads_setSuggestedPrompts": {"assistant:write"},
    "files_upload_v2": {"files:write"},
    "files_info": {"files:read"},
    "reactions_add": {"reactions:write"},
    "reactions_remove": {"reactions:write"},
    "users_info": {"users:read"},
    "views_open": set(),
    "views_publish": set(),
    # Membership checks (and App Home) ask for every conversation type; each needs its own read scope.
    "users_conversations": {"channels:read", "groups:read", "im:read", "mpim:read"},
    "auth_test": set(),
}
# Keys of Slack's manifest schema (v1) that this manifest may use; a typo is silently ignored by Slack.
MANIFEST_KEYS = {
    "": {"_metadata", "display_information", "features", "oauth_config", "settings"},
    "display_information": {"name", "description", "long_description", "background_color"},
    "features": {"app_home", "bot_user", "slash_commands", "shortcuts", "unfurl_domains", "assistant_view"},
    "features.app_home": {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"},
    "features.bot_user": {"display_name", "always_online"},
    "features.assistant_view": {"assistant_description", "suggested_prompts"},
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


def test_every_shortcut_the_bot_handles_is_declared_as_a_message_shortcut() -> None:
    handled = {first_string(call) for call in registered("shortcut")}
    declared = {s["callback_id"]: s for s in load_yaml("manifest.yml")["features"]["shortcuts"]}
    assert handled == set(declared) == {"analyze_file"}
    analyze = declared["analyze_file"]
    assert analyze["type"] == "message" and analyze["name"] == "Analyze with DataAgent"
    assert 0 < len(analyze["name"]) <= 24 and 0 < len(analyze["description"]) <= 80  # Slack's limits
    assert "commands" in load_yaml("manifest.yml")["oauth_config"]["scopes"]["bot"]  # shortcuts need it


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
    assert home["home_tab_enabled"] is True, "the bot publishes a Home tab (app_home_opened)"
