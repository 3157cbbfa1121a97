"""Start, stop and query the background emulator used by `make up` / `make down`.

`start` is idempotent: an emulator of this checkout that already answers on the
port is reused, so `make up` can be re-run at will.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulator.process import EmulatorProcess, EmulatorStartError, is_healthy, stop_pid  # noqa: E402

RUN_DIR = ROOT / ".emulator"
PID_FILE = RUN_DIR / "pid"


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(port: int, transition_seconds: float) -> int:
    if is_healthy(url(port)):
        print(f"emulator already answering on {url(port)}")
        return 0
    try:
        process = EmulatorProcess(port=port, transition_seconds=transition_seconds, log_dir=RUN_DIR, detached=True)
    except EmulatorStartError as error:
        print(f"emulator did not start on port {port}: {error}", file=sys.stderr)
        return 1
    PID_FILE.write_text(str(process.process.pid))
    print(f"emulator started on {process.url} (pid {process.process.pid}, log {process.log_path})")
    return 0


def stop() -> int:
    pid = running_pid()
    if pid is None:
        print("no emulator of this checkout is running")
        return 0
    stop_pid(pid)
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
    print("running" if is_healthy(url(args.port)) else "not running")
    return 0 if is_healthy(url(args.port)) else 1


if __name__ == "__main__":
    sys.exit(main())
