"""The real threaded server: in a thread, and as `python -m emulator`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from emulator import Settings, run_in_thread
from emulator_test_helpers import PROJECT, create_body, token_request
from emulator_test_signer import sdk_date, sign_request

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_threaded_server_end_to_end() -> None:
    with run_in_thread(Settings(port=0, transition_seconds=0.05)) as server:
        base = server.base_url
        assert base.startswith("http://127.0.0.1:")
        response = requests.post(f"{base}/v3/auth/tokens", json=token_request(), timeout=5)
        assert response.status_code == 201
        headers = {"X-Auth-Token": response.headers["X-Subject-Token"]}
        created = requests.post(f"{base}/v1/{PROJECT}/notebooks", json=create_body(), headers=headers, timeout=5)
        assert created.status_code == 200 and created.json()["status"] == "CREATING"
        nb_id = created.json()["id"]
        deadline = time.monotonic() + 5
        status = "CREATING"
        while status != "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.02)
            status = requests.get(f"{base}/v1/{PROJECT}/notebooks/{nb_id}", headers=headers, timeout=5).json()["status"]
        assert status == "RUNNING"

        # AK/SK over a real socket: the Host header carries the port.
        url = f"{base}/v1/{PROJECT}/notebooks?limit=5"
        raw = json.dumps({}).encode()
        signed = sign_request("POST", f"{base}/v1/{PROJECT}/notebooks/{nb_id}/stop",
                              {"Host": urlsplit(base).netloc, "X-Sdk-Date": sdk_date(),
                               "Content-Type": "application/json"}, raw, "emulator-ak", "emulator-sk",
                              ["content-type", "host", "x-sdk-date"])
        stopped = requests.post(f"{base}/v1/{PROJECT}/notebooks/{nb_id}/stop", data=raw, headers=signed, timeout=5)
        assert stopped.status_code == 200, stopped.text
        signed = sign_request("GET", url, {"Host": urlsplit(base).netloc, "X-Sdk-Date": sdk_date()}, b"",
                              "emulator-ak", "emulator-sk")
        assert requests.get(url, headers=signed, timeout=5).status_code == 200


def test_reset_connection_fault() -> None:
    with run_in_thread(Settings(port=0)) as server:
        requests.post(f"{server.base_url}/_emulator/faults",
                      json={"rules": [{"path_regex": "/notebooks", "reset_connection": True, "times": 1}]}, timeout=5)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{server.base_url}/v1/{PROJECT}/notebooks", timeout=5)
        # the next call goes through (and is refused only for lack of credentials)
        assert requests.get(f"{server.base_url}/v1/{PROJECT}/notebooks", timeout=5).status_code == 401
        log = requests.get(f"{server.base_url}/_emulator/requests", timeout=5).json()["requests"]
        assert [e["status"] for e in log] == [0, 401]


def test_delay_fault() -> None:
    with run_in_thread(Settings(port=0)) as server:
        requests.post(f"{server.base_url}/_emulator/faults",
                      json={"rules": [{"path_regex": "/projects", "delay_seconds": 0.3, "status": None}]}, timeout=5)
        with pytest.raises(requests.exceptions.Timeout):
            requests.get(f"{server.base_url}/v3/projects", timeout=0.1)


def test_refuses_non_loopback_in_thread() -> None:
    with pytest.raises(ValueError):
        run_in_thread(Settings(host="0.0.0.0", port=0))


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen([sys.executable, "-m", "emulator", *args], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_port_zero_prints_listening_line(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    proc = _spawn("--host", "127.0.0.1", "--port", "0", "--transition-seconds", "0", "--port-file", str(port_file),
                  "--delete-running", "--profile", "strict")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("emulator listening on http://127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        assert port > 0
        assert port_file.read_text().strip() == str(port)
        health = requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=5)
        assert health.json() == {"ok": True}
        config = requests.get(f"http://127.0.0.1:{port}/_emulator/config", timeout=5).json()
        assert config["profile"] == "strict" and config["max_page_size"] == 3 and config["delete_running"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert out == "" and "Traceback" not in err


def test_cli_sigint_is_quiet() -> None:
    proc = _spawn("--port", "0")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("emulator listening on ")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err


def test_cli_refuses_non_loopback() -> None:
    proc = _spawn("--host", "0.0.0.0", "--port", "0")
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 2 and out == "" and "non-loopback" in err


def test_parallel_creates_respect_quota() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with run_in_thread(Settings(port=0, max_notebooks=5)) as server:
        token = requests.post(f"{server.base_url}/v3/auth/tokens", json=token_request(),
                              timeout=5).headers["X-Subject-Token"]

        def create(i: int) -> requests.Response:
            return requests.post(f"{server.base_url}/v1/{PROJECT}/notebooks", json=create_body(name=f"p{i}"),
                                 headers={"X-Auth-Token": token}, timeout=10)

        with ThreadPoolExecutor(max_workers=12) as pool:
            responses = list(pool.map(create, range(12)))
        assert sorted(r.status_code for r in responses) == [200] * 5 + [400] * 7
        assert {r.json()["error_code"] for r in responses if r.status_code == 400} == {"ModelArts.6302"}
        inventory = requests.get(f"{server.base_url}/_emulator/notebooks", timeout=5).json()["notebooks"]
        assert len(inventory) == 5


def test_cli_leaves_an_existing_port_file_alone(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    port_file.write_bytes(b"someone's file\n")
    proc = _spawn("--port", "0", "--port-file", str(port_file))
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 2 and out == "" and f"--port-file {port_file} already exists" in err
    assert port_file.read_bytes() == b"someone's file\n"


def test_a_stop_is_never_swallowed_by_the_request_loop() -> None:
    """The server's request loop catches every Exception raised while it dispatches a request; a SIGTERM
    arriving just then must still stop the emulator (seen under load: the process served on)."""
    from emulator.__main__ import _raise_stop, _Stop

    with pytest.raises(_Stop):
        try:
            _raise_stop(signal.SIGTERM, None)
        except Exception:  # what socketserver's _handle_request_noblock does
            pass
