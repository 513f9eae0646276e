"""docker-compose.yml: Redis persists and is healthy before the bot, which points at it."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.deploy_helpers import load_yaml


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
