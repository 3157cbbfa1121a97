"""`python -m emulator`: serve the emulator until SIGTERM or SIGINT.

Prints exactly one line to stdout once the socket is bound, so a parent
process can wait for it (and read the port when `--port 0` was asked for).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from types import FrameType
from typing import Any, Sequence

from .app import create_app
from .server import build_server, is_loopback, quiet_access_log
from .clock import CLOCK_MODES, EmulatorClock
from .settings import NOT_FOUND_STYLES, PROFILES, READINGS, Settings


class _Stop(BaseException):
    """SIGTERM or SIGINT. A BaseException: the server's request loop catches every Exception raised while
    it dispatches a request (and carries on serving), so a stop arriving just then would be lost."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = Settings()
    p = argparse.ArgumentParser(prog=f"python -m {__package__ or 'emulator'}",
                                description="Local ModelArts notebook + IAM emulator.")
    p.add_argument("--host", default=defaults.host)
    p.add_argument("--port", type=int, default=defaults.port, help="0 picks a free port")
    p.add_argument("--port-file", help="also write the bound port number to this file")
    p.add_argument("--allow-non-loopback", action="store_true", help="allow binding to a non-loopback host")
    p.add_argument("--transition-seconds", type=float, default=defaults.transition_seconds)
    p.add_argument("--clock", choices=CLOCK_MODES, default="wall",
                   help="wall: real seconds; driven: time moves only when told (tests)")
    p.add_argument("--tick-seconds", type=float, default=0.0,
                   help="with --clock driven: how far every API request moves time")
    p.add_argument("--access-key", default=defaults.access_key)
    p.add_argument("--secret-key", default=defaults.secret_key)
    p.add_argument("--project-id", default=defaults.project_id)
    p.add_argument("--project-name", default=defaults.project_name)
    p.add_argument("--extra-project", action="append", default=[], metavar="ID:NAME",
                   help="one more project of the account, with its own notebooks and quota (repeatable)")
    p.add_argument("--username", default=defaults.username)
    p.add_argument("--password", default=defaults.password)
    p.add_argument("--domain", default=defaults.domain)
    p.add_argument("--token-lifetime-seconds", type=float, default=defaults.token_lifetime_seconds)
    p.add_argument("--not-found-style", choices=NOT_FOUND_STYLES, default=defaults.not_found_style)
    p.add_argument("--max-notebooks", type=int, default=defaults.max_notebooks)
    p.add_argument("--max-clock-skew-seconds", type=float, default=defaults.max_clock_skew_seconds)
    p.add_argument("--keep-deleted", action="store_true",
                   help="keep deleted notebooks visible with status DELETED")
    p.add_argument("--log-requests", action="store_true", help="write an access log line per request to stderr")
    _add_reading_args(p)
    return p.parse_args(argv)


def _add_reading_args(p: argparse.ArgumentParser) -> None:
    """The profile, then one switch per reading; a switch given overrides the profile."""
    p.add_argument("--profile", choices=tuple(PROFILES), default="lenient",
                   help="set every reading at once (default lenient)")
    for key in READINGS:
        flag = "--" + key.replace("_", "-")
        kind = type(PROFILES["lenient"][key])
        if kind is bool:
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=None)
        else:
            p.add_argument(flag, type=kind, default=None)


def reading_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The single reading switches given on the command line."""
    return {key: getattr(args, key) for key in READINGS if getattr(args, key) is not None}


def parse_projects(given: Sequence[str]) -> dict[str, str]:
    """`ID:NAME` pairs to a mapping; a pair without both parts is refused."""
    projects: dict[str, str] = {}
    for item in given:
        project_id, _, name = item.partition(":")
        if not project_id or not name:
            raise ValueError(f"--extra-project takes ID:NAME, got {item!r}")
        projects[project_id] = name
    return projects


def write_port_file(path: str, port: int) -> None:
    """Write aside then link into place: a reader never sees a partial file, and a file
    that exists (someone else's) is never replaced (FileExistsError)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".emulator-port-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(f"{port}\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: create exclusively, one small write
            with open(path, "x") as f:
                f.write(f"{port}\n")
    finally:
        os.unlink(tmp)


def _port_file_taken(path: str | None) -> str | None:
    if path and os.path.lexists(path):
        return (f"emulator: --port-file {path} already exists: left as it is and not started "
                "(the emulator writes only a new file; remove it or name another)")
    return None


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop()


def settings_from(args: argparse.Namespace) -> Settings:
    """The emulator's settings from its command line: the profile first, then the single switches."""
    return Settings.for_profile(
        args.profile,
        **reading_overrides(args),
        host=args.host,
        port=args.port,
        transition_seconds=args.transition_seconds,
        access_key=args.access_key,
        secret_key=args.secret_key,
        project_id=args.project_id,
        project_name=args.project_name,
        extra_projects=parse_projects(args.extra_project),
        username=args.username,
        password=args.password,
        domain=args.domain,
        token_lifetime_seconds=args.token_lifetime_seconds,
        not_found_style=args.not_found_style,
        max_notebooks=args.max_notebooks,
        max_clock_skew_seconds=args.max_clock_skew_seconds,
        keep_deleted=args.keep_deleted,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    taken = _port_file_taken(args.port_file)
    if taken:
        print(taken, file=sys.stderr)
        return 2
    if not args.allow_non_loopback and not is_loopback(args.host):
        print(f"emulator: refusing to bind to non-loopback host {args.host!r} "
              "(pass --allow-non-loopback to allow it)", file=sys.stderr)
        return 2
    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 2
    if args.tick_seconds < 0:
        print("emulator: --tick-seconds must be >= 0", file=sys.stderr)
        return 2

    quiet_access_log(args.log_requests)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        clock = EmulatorClock(args.clock, args.tick_seconds)
        server = build_server(create_app(settings, clock), settings.host, settings.port)
    except OSError as exc:
        print(f"emulator: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except _Stop:
        return 0
    try:
        port = server.server_port
        if args.port_file:
            try:
                write_port_file(args.port_file, port)
            except FileExistsError:
                print(_port_file_taken(args.port_file), file=sys.stderr)
                return 2
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(f"emulator listening on http://{host}:{port}", flush=True)
        server.serve_forever()
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        # Further signals during shutdown must not print a traceback either.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
