"""Test support: the emulator as a real process, and Pulumi projects run by the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = Path(sys.executable)
PROJECT_ID = "0123456789abcdef0123456789abcdef"
ACCESS_KEY = "emulator-ak"
SECRET_KEY = "emulator-sk"
USERNAME = "emulator-user"
PASSWORD = "emulator-password"
DOMAIN = "emulator-domain"
CPU_FLAVOR = "modelarts.vm.cpu.2u"
BIG_CPU_FLAVOR = "modelarts.vm.cpu.8u"
IMAGE_ID = "e1a07296-22a8-4f05-8bc8-e936c8e54090"


class Emulator:
    """`python -m emulator` on a free loopback port, controlled through /_emulator/."""

    def __init__(self, transition_seconds: float = 0.3, extra_args: tuple[str, ...] = ()) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="emulator-"))
        port_file = self._dir / "port"
        self._log = (self._dir / "log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0",
             "--port-file", str(port_file), "--transition-seconds", str(transition_seconds), *extra_args],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"emulator did not start: {(self._dir / 'log').read_text()}")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}"
        self.session = requests.Session()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _post(self, path: str, body: Optional[dict] = None) -> Any:
        response = self.session.post(f"{self.url}/_emulator/{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self, **config: Any) -> None:
        self._post("reset")
        self._post("config", {"transition_seconds": 0.3, "not_found_style": "6309", "keep_deleted": False,
                              "max_notebooks": 10, **config})

    def configure(self, **config: Any) -> None:
        self._post("config", config)

    def requests(self) -> list[dict]:
        return self.session.get(f"{self.url}/_emulator/requests", timeout=10).json()["requests"]

    def mutating(self, since: int = 0) -> list[tuple[str, str]]:
        """(method, path) of every mutating ModelArts call, from request number `since`."""
        return [(r["method"], r["path"]) for r in self.requests()[since:] if r["mutating"]]

    def calls(self, since: int = 0) -> list[str]:
        """Mutating calls from request `since` as short words:
        create, start, stop, update, delete, lease, mount, unmount."""
        words = []
        for method, path in self.mutating(since):
            tail = path.rstrip("/").rsplit("/", 1)[-1]
            if method == "POST":
                words.append({"notebooks": "create", "storage": "mount"}.get(tail, tail))
            elif method == "PATCH":
                words.append("lease")
            elif method == "PUT":
                words.append("update")
            elif method == "DELETE":
                words.append("unmount" if "/storage/" in path else "delete")
        return words

    def notebooks(self) -> list[dict]:
        body = self.session.get(f"{self.url}/_emulator/notebooks", timeout=10).json()
        return body["notebooks"] if isinstance(body, dict) else body

    def force_status(self, notebook_id: str, status: str, fail_reason: Optional[str] = None) -> None:
        body: dict[str, Any] = {"status": status}
        if fail_reason:
            body["fail_reason"] = fail_reason
        self._post(f"notebooks/{notebook_id}/status", body)


@contextmanager
def running_emulator(*extra_args: str) -> Iterator[Emulator]:
    emulator = Emulator(extra_args=extra_args)
    try:
        yield emulator
    finally:
        emulator.stop()


def pulumi_bin_dir() -> str:
    """The CLI directory from the project's own set-up script (cached after the first build)."""
    result = subprocess.run([str(ROOT / "tools" / "ensure-pulumi.sh")], capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


ENGINE_PROGRAM = '''
import pulumi
from provider import Notebook

config = pulumi.Config()
for key, kwargs in config.require_object("notebooks").items():
    notebook = Notebook(key, **kwargs)
    pulumi.export(key, {
        "notebook_id": notebook.notebook_id, "status": notebook.status, "url": notebook.url,
        "volume": notebook.volume, "running": notebook.running, "flavor": notebook.flavor,
        "token": notebook.token, "lease": notebook.lease,
    })
'''


class PulumiProject:
    """A throwaway Pulumi project on a local file backend, driven by the real `pulumi` CLI."""

    PASSPHRASE = "engine-test-passphrase"

    def __init__(self, workdir: Path, bin_dir: str, emulator: Emulator, *, auth: str = "aksk",
                 program: str = ENGINE_PROGRAM, stack: str = "test") -> None:
        self.dir = workdir
        self.emulator = emulator
        (workdir / "state").mkdir(parents=True, exist_ok=True)
        (workdir / "Pulumi.yaml").write_text(
            "name: nbtest\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
            f"    virtualenv: {VENV_PYTHON.parent.parent}\n"
        )
        (workdir / "__main__.py").write_text(program)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "PULUMI_"))}
        env.update(
            PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            PULUMI_HOME=str(workdir / "home"),
            PULUMI_BACKEND_URL=f"file://{workdir / 'state'}",
            PULUMI_CONFIG_PASSPHRASE=self.PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PYTHONPATH=str(ROOT),
        )
        self.env = env
        self.stack = stack
        self.pulumi("stack", "init", stack)
        self.config("modelarts:endpoint", emulator.url)
        self.config("modelarts:region", "eu-de")
        if auth == "aksk":
            self.config("modelarts:projectId", PROJECT_ID)
            self.config("modelarts:accessKey", ACCESS_KEY)
            self.config("modelarts:secretKey", SECRET_KEY, secret=True)
        else:
            self.config("modelarts:authUrl", f"{emulator.url}/v3")
            self.config("modelarts:username", USERNAME)
            self.config("modelarts:password", PASSWORD, secret=True)
            self.config("modelarts:domainName", DOMAIN)

    def pulumi(self, *args: str, check: bool = True, timeout: float = 300) -> Result:
        completed = subprocess.run(
            ["pulumi", *args, "--non-interactive"], cwd=self.dir, env=self.env,
            capture_output=True, text=True, timeout=timeout,
        )
        result = Result(completed.returncode, completed.stdout, completed.stderr)
        if check and completed.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({completed.returncode}):\n{result.output}")
        return result

    def config(self, key: str, value: str, secret: bool = False) -> None:
        self.pulumi("config", "set", *(["--secret"] if secret else []), key, value)

    def declare(self, **notebooks: dict) -> None:
        """Set the program's notebooks: resource name -> Notebook keyword arguments."""
        self.config("notebooks", json.dumps(notebooks))

    def preview(self, *args: str, check: bool = True) -> Result:
        return self.pulumi("preview", "--diff", *args, check=check)

    def up(self, *args: str, check: bool = True) -> Result:
        return self.pulumi("up", "--yes", "--skip-preview", *args, check=check)

    def refresh(self, *args: str, check: bool = True) -> Result:
        return self.pulumi("refresh", "--yes", "--skip-preview", *args, check=check)

    def destroy(self, check: bool = True) -> Result:
        return self.pulumi("destroy", "--yes", "--skip-preview", check=check)

    def outputs(self) -> dict:
        return json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout)

    def state_text(self) -> str:
        return self.pulumi("stack", "export").stdout

    def resources(self, type_suffix: str = "modelarts:Notebook") -> list[dict]:
        deployment = json.loads(self.state_text())["deployment"]
        return [r for r in deployment.get("resources", []) if r["type"].endswith(type_suffix)]


def notebook_spec(name: str = "nb-test", running: bool = True, **extra: Any) -> dict:
    spec = {
        "name": name,
        "flavor": CPU_FLAVOR,
        "image_id": IMAGE_ID,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
        "running": running,
    }
    spec.update(extra)
    return spec
