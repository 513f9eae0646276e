"""An S3-compatible server on a loopback port for the blob tests.

No real S3 server installs from this project's registries (MinIO, Garage and SeaweedFS ship from their own
sites; Debian's radosgw needs a Ceph cluster), so this is moto's standalone server: an emulator of S3's HTTP
API, spoken to by the real boto3 over the wire.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from agent.blobs.s3 import S3Settings


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def new_bucket(self) -> S3Settings:
        """A fresh bucket for one test, and the settings that reach it."""
        bucket = f"test-{uuid.uuid4().hex[:12]}"
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test-secret",
        )
        client.create_bucket(Bucket=bucket)
        client.close()
        return S3Settings(
            f"s3://{bucket}/blobs",
            endpoint_url=self.endpoint_url,
            region="us-east-1",
            access_key_id="test",
            secret_access_key="test-secret",
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if exe is None:
        pytest.fail("moto_server is not installed; run scripts/bootstrap")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("moto_server did not start")
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
