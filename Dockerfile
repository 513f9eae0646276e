# syntax=docker/dockerfile:1
# DataAgent image: `docker build -t dataagent .`, then
#   docker run --init --env-file .env -p 3000:3000 -v dataagent-data:/data dataagent
# or `docker compose up --build` (docker-compose.yml adds Redis).
#
# Sandbox: the image defaults to E2B (SANDBOX=e2b, needs E2B_API_KEY). The local bubblewrap sandbox
# needs user namespaces and a fresh /proc mount, which Docker's defaults refuse (the seccomp profile
# blocks unshare(CLONE_NEWUSER); the masked /proc makes the new procfs "too revealing"; AppArmor on
# Ubuntu hosts denies mount). To use it anyway, set SANDBOX=local and run with
#   --security-opt seccomp=unconfined   (or a profile that allows clone/unshare of user namespaces)
#   --security-opt systempaths=unconfined --security-opt apparmor=unconfined
# on a host that allows unprivileged user namespaces. bubblewrap and util-linux (setpriv, prlimit)
# are installed below so that this works; `dataagent sandbox run FILE.py` checks it in seconds.

# Same base in both stages: the venv's interpreter is a symlink into /usr/local. Debian bookworm is
# where the local jail is developed and tested.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# uv installs exactly the versions in uv.lock (scripts/bootstrap pins the same uv). It lives in this
# stage's system Python only: the runtime stage copies /opt/venv and nothing else.
ARG UV_VERSION=0.13.9
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1
RUN pip install "uv==${UV_VERSION}"
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, from the lock alone, so a source change does not reinstall pandas & co.
# --frozen: the lock as committed, never re-resolved; no extras, so no dev tools.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
# Then the project itself: non-editable, no dev extras, nothing beyond the lock.
COPY README.md ./
COPY agent ./agent
COPY handlers ./handlers
COPY bot ./bot
COPY jobqueue ./jobqueue
RUN uv sync --frozen --no-dev --no-editable \
    && dataagent --help > /dev/null

FROM ${PYTHON_IMAGE} AS runtime
# bubblewrap + util-linux: the optional local sandbox (see the top of this file).
# redis-server: used only when REDIS_URL is unset (the bot then runs a private one under /data).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        bubblewrap util-linux redis-server \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 dataagent \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/dataagent \
        --shell /usr/sbin/nologin dataagent \
    && install -d -o 10001 -g 10001 -m 0750 /data
COPY --from=build /opt/venv /opt/venv
# No secrets here: tokens come from the environment at run time (--env-file / compose env_file).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data \
    SANDBOX=e2b
WORKDIR /home/dataagent
# A named volume on /data starts with the ownership above; a bind mount must be writable by uid 10001.
VOLUME ["/data"]
EXPOSE 3000
USER 10001:10001
# /healthz is served in both Socket Mode and HTTP mode (bot/app.py): 200 when Redis answers, 503
# otherwise. Python, not curl (the slim image has none); proxies are bypassed on purpose.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as r; port = os.environ.get('PORT') or '3000'; opener = r.build_opener(r.ProxyHandler({})); sys.exit(0 if opener.open('http://127.0.0.1:%s/healthz' % port, timeout=4).status == 200 else 1)"]
ENTRYPOINT ["dataagent"]
CMD ["serve"]
