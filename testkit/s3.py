"""Test support for Pulumi state in an S3-compatible bucket: a versitygw server on
loopback, and projects whose backend is a key prefix in its bucket."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from . import ROOT
from .projects import PulumiProject, Result

S3_REGION = "eu-de"
# Loopback-only test credentials of the server the suite starts; never a real account's.
S3_ACCESS_KEY = "state-test-ak"
S3_SECRET_KEY = "state-test-sk-" + uuid.uuid4().hex


def versitygw_binary() -> str:
    """The server binary from the project's own set-up script (built once, then cached)."""
    result = subprocess.run([str(ROOT / "tools" / "ensure-versitygw.sh")], capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3Server:
    """versitygw with its posix backend on a temporary folder; one bucket = one top-level folder."""

    def __init__(self, binary: str, bucket: str) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="s3-state-"))
        self.bucket = bucket
        (self.data / bucket).mkdir()
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._log = (self.data.parent / f"{self.data.name}.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "--access", S3_ACCESS_KEY, "--secret", S3_SECRET_KEY, "--region", S3_REGION,
             "--port", f"127.0.0.1:{self.port}", "--quiet", "posix", str(self.data)],
            stdout=self._log, stderr=subprocess.STDOUT, env={"PATH": os.environ.get("PATH", "")},
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"versitygw exited: {Path(self._log.name).read_text(errors='replace')}")
            try:
                # Unsigned requests are refused: a 403 means it is up and checking signatures.
                if requests.get(self.endpoint + "/", timeout=1).status_code == 403:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError("versitygw did not answer in 30 s")

    def url(self, prefix: str) -> str:
        return (f"s3://{self.bucket}/{prefix}?endpoint={self.endpoint}"
                f"&use_path_style=true&region={S3_REGION}")

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        """Every object of the bucket under `prefix`, by key (the posix backend keeps each object as a file)."""
        root = self.data / self.bucket
        return {
            str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file() and str(path.relative_to(root)).startswith(prefix)
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def s3_environment(server: S3Server, prefix: str, base: dict[str, str]) -> dict[str, str]:
    """`base` with the backend in the bucket: credentials only in the SDK's variables,
    nothing inherited from the caller's AWS set-up, no instance-metadata lookups."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(
        PULUMI_BACKEND_URL=server.url(prefix),
        AWS_ACCESS_KEY_ID=S3_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


class S3Backed:
    """Mixin for a PulumiProject: every CLI call uses a key prefix of the test bucket as its backend."""

    s3: S3Server
    prefix: str
    env: dict[str, str]
    stack: str

    def __init__(self, *args: Any, s3: S3Server, prefix: str, **kwargs: Any) -> None:
        self.s3, self.prefix = s3, prefix
        super().__init__(*args, **kwargs)

    def pulumi(self, *args: str, **kwargs: Any) -> Result:
        self.env = s3_environment(self.s3, self.prefix, self.env)
        return super().pulumi(*args, **kwargs)  # type: ignore[misc]

    def popen(self, *args: str) -> subprocess.Popen:
        """A CLI command started in the background (for concurrency tests)."""
        self.env = s3_environment(self.s3, self.prefix, self.env)
        command = ["pulumi", *args, "--stack", self.stack, "--non-interactive"]
        return subprocess.Popen(command, cwd=self.dir, env=self.env,  # type: ignore[attr-defined]
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def lock_keys(self) -> list[str]:
        return [key for key in self.s3.objects(self.prefix) if "/.pulumi/locks/" in f"/{key}"]


class S3Project(S3Backed, PulumiProject):
    """A throwaway project whose state lives under a key prefix of the test bucket."""
