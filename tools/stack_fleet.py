"""Run `pulumi up` on many stacks of one project from one pipeline job.

The alternative to a CI matrix: one job, one checkout, a bounded number of
stacks updated at once (each stack still takes its own lock in the backend), a
line per stack at the end, and every stack attempted whatever the others do.
The exit status is non-zero if any stack failed.

    python tools/stack_fleet.py --work-dir . --stack team-a --stack team-b \
        --set running=false --parallel 4 --report fleet-report.json

The backend and the secrets provider come from the environment as for the CLI
(`PULUMI_BACKEND_URL`, `PULUMI_CONFIG_PASSPHRASE` or a KMS-backed provider in
each `Pulumi.<stack>.yaml`). `--report` replaces only a report of an earlier run
(a nightly job may keep one name); any other file there needs `--force`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from pulumi import automation as auto

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from provider.files import FileRefused, check_writable, write_file  # noqa: E402

# Selecting a stack writes the workspace's current-stack record; every command
# after that names its stack explicitly, so only the selection is serialized.
_SELECT = threading.Lock()
# Lines of a failed stack's output kept in its report.
ERROR_TAIL_LINES = 15


@dataclass
class StackReport:
    """The outcome of one stack's `up`."""

    stack: str
    ok: bool = False
    started: float = 0.0
    finished: float = 0.0
    changes: dict[str, int] = field(default_factory=dict)
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def update_stack(work_dir: Path, name: str, settings: dict[str, str], refresh: bool) -> StackReport:
    """`up` of one stack; any failure is recorded in the report, never raised."""
    report = StackReport(name, started=time.time())
    lines: list[str] = []
    try:
        with _SELECT:
            stack = auto.select_stack(stack_name=name, work_dir=str(work_dir))
        for key, value in settings.items():
            stack.set_config(key, auto.ConfigValue(value=value))
        result = stack.up(on_output=lines.append, refresh=refresh, color="never")
        report.changes = {op: count for op, count in (result.summary.resource_changes or {}).items()}
        report.ok = result.summary.result == "succeeded"
        if not report.ok:
            report.error = f"update ended as {result.summary.result}"
    except Exception as error:  # one stack's failure must not stop the others
        text = str(error).strip() or type(error).__name__
        report.error = "\n".join((text.splitlines() or [text])[-ERROR_TAIL_LINES:])
    report.finished = time.time()
    return report


def run_fleet(
    work_dir: Path, stacks: Sequence[str], settings: dict[str, str], parallel: int, refresh: bool = False
) -> list[StackReport]:
    """Every stack's report, in the order given; at most `parallel` updates at once."""
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [pool.submit(update_stack, work_dir, name, settings, refresh) for name in stacks]
        return [future.result() for future in futures]


def is_fleet_report(data: bytes) -> bool:
    """A report this tool wrote: a JSON list of objects with exactly a StackReport's keys."""
    keys = {*StackReport.__dataclass_fields__, "seconds"}
    try:
        loaded = json.loads(data)
    except ValueError:
        return False
    return isinstance(loaded, list) and bool(loaded) and all(isinstance(r, dict) and set(r) == keys for r in loaded)


def render(reports: Sequence[StackReport]) -> str:
    width = max((len(r.stack) for r in reports), default=5)
    lines = []
    for r in reports:
        changes = ", ".join(f"{k} {v}" for k, v in sorted(r.changes.items())) or "-"
        status = "ok" if r.ok else "FAILED"
        lines.append(f"{r.stack:<{width}}  {status:<6}  {r.seconds:6.1f}s  {changes}")
        lines.extend(f"{'':<{width}}    {line}" for line in r.error.splitlines())
    failed = sum(1 for r in reports if not r.ok)
    lines.append(f"{len(reports) - failed} of {len(reports)} stacks updated, {failed} failed")
    return "\n".join(lines)


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set takes KEY=VALUE, got {pair!r}")
        settings[key] = value
    return settings


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="pulumi up on many stacks at once, with a bound")
    parser.add_argument("--work-dir", type=Path, default=Path("."), help="the Pulumi project's folder")
    parser.add_argument("--stack", action="append", required=True, help="a stack to update (repeat)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="plain config set on every stack before its up (e.g. running=false)")
    parser.add_argument("--parallel", type=int, default=4, help="stacks updated at once (default 4)")
    parser.add_argument("--refresh", action="store_true", help="refresh each stack as part of its up")
    parser.add_argument("--report", type=Path, help="also write the per-stack report as JSON")
    parser.add_argument("--force", action="store_true", help="replace a --report file that is not an earlier report")
    args = parser.parse_args(argv)
    settings = parse_settings(args.set)
    try:
        if args.report:  # before any stack is touched
            check_writable(args.report, force=args.force, owned=is_fleet_report)
    except FileRefused as error:
        print(f"stack_fleet: {error}", file=sys.stderr)
        return 2
    reports = run_fleet(args.work_dir, args.stack, settings, args.parallel, args.refresh)
    print(render(reports))
    if args.report:
        text = json.dumps([dict(asdict(r), seconds=r.seconds) for r in reports], indent=2)
        try:
            print(f"stack_fleet: {write_file(args.report, text, force=args.force, owned=is_fleet_report)}",
                  file=sys.stderr)
        except (FileRefused, OSError) as error:
            print(f"stack_fleet: {error}", file=sys.stderr)
            return 2
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
