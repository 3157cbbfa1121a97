"""Start, stop and query the background emulator used by `make up` / `make down`.

`start` is idempotent: an emulator of this checkout that already answers on the
port is reused, so `make up` can be re-run at will.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".emulator"
PID_FILE = RUN_DIR / "pid"
LOG_FILE = RUN_DIR / "log"


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=1) as response:
            return bool(json.load(response).get("ok"))
    except (OSError, ValueError, urllib.error.URLError):
        return False


def running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(port: int, transition_seconds: float) -> int:
    if healthy(port):
        print(f"emulator already answering on http://127.0.0.1:{port}")
        return 0
    RUN_DIR.mkdir(exist_ok=True)
    log = LOG_FILE.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", str(port),
         "--transition-seconds", str(transition_seconds)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    PID_FILE.write_text(str(process.pid))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if healthy(port):
            print(f"emulator started on http://127.0.0.1:{port} (pid {process.pid}, log {LOG_FILE})")
            return 0
        if process.poll() is not None:
            break
        time.sleep(0.1)
    print(f"emulator did not start on port {port}; see {LOG_FILE}:", file=sys.stderr)
    print(LOG_FILE.read_text()[-2000:], file=sys.stderr)
    return 1


def stop() -> int:
    pid = running_pid()
    if pid is None:
        print("no emulator of this checkout is running")
        return 0
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        if running_pid() is None:
            break
        time.sleep(0.1)
    PID_FILE.unlink(missing_ok=True)
    print(f"emulator stopped (pid {pid})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--transition-seconds", type=float, default=1.0)
    args = parser.parse_args()
    if args.action == "start":
        return start(args.port, args.transition_seconds)
    if args.action == "stop":
        return stop()
    print("running" if healthy(args.port) else "not running")
    return 0 if healthy(args.port) else 1


if __name__ == "__main__":
    sys.exit(main())
