"""Writing files without losing anyone's work: the one rule every command of the project follows.

A command creates a file only where none exists. It replaces an existing file
only when that file is its own (the command wrote it earlier: its own report,
recognised by what the command puts in it) or when the user asked for it with
an explicit flag such as `--force`. A refusal names the path and the flag,
and nothing is written.

Creation is exclusive (O_EXCL), so a file that appears between the check and
the write is never clobbered; a replacement is written beside the file and
renamed over it, so a reader never sees half a file.

The Makefile asks through `python -m provider.files check PATH`; the CI preview
step, which may run without the project's venv, states the same rule in shell.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from .core.errors import ModelArtsError

# Recognises a command's own earlier output from its bytes.
Owned = Callable[[bytes], bool]
Content = Union[str, bytes]
FORCE_FLAG = "--force"


class FileRefused(ModelArtsError):
    """A command would have replaced a file it did not write; nothing was written."""

    def __init__(self, path: Union[str, os.PathLike[str]], flag: str, reason: str = "") -> None:
        self.path = Path(path)
        self.flag = flag
        why = reason or "already exists and was not written by this command"
        super().__init__(f"{self.path} {why}: left as it is, nothing written (pass {flag} to replace it)")


def containing(marker: Content) -> Owned:
    """Own output is recognised by `marker` (text or bytes) somewhere in it."""
    needle = marker.encode() if isinstance(marker, str) else marker
    return lambda data: needle in data


def refusal(path: Union[str, os.PathLike[str]], *, force: bool = False, owned: Optional[Owned] = None,
            flag: str = FORCE_FLAG) -> Optional[FileRefused]:
    """Why `path` may not be written now, or None when it may.

    A missing file may be created; with `force` anything but a folder may be
    replaced; otherwise an existing file only when `owned` recognises it.
    """
    target = Path(path)
    if target.is_dir():
        return FileRefused(target, flag, "is a folder")
    if not os.path.lexists(target) or force:
        return None
    if owned is not None and target.is_file():
        try:
            if owned(target.read_bytes()):
                return None
        except OSError:
            pass
    return FileRefused(target, flag)


def check_writable(path: Union[str, os.PathLike[str]], *, force: bool = False, owned: Optional[Owned] = None,
                   flag: str = FORCE_FLAG) -> None:
    """Raise FileRefused unless `path` may be written (call before long work, so a refusal costs nothing)."""
    refused = refusal(path, force=force, owned=owned, flag=flag)
    if refused is not None:
        raise refused


def write_file(path: Union[str, os.PathLike[str]], content: Content, *, force: bool = False,
               owned: Optional[Owned] = None, flag: str = FORCE_FLAG) -> str:
    """Write `content` to `path` under the rule; returns a line saying what was written.

    Raises FileRefused (nothing written) when the rule forbids it.
    """
    target = Path(path)
    data = content.encode() if isinstance(content, str) else content
    check_writable(target, force=force, owned=owned, flag=flag)
    if not os.path.lexists(target):
        try:
            with open(target, "xb") as handle:  # exclusive: never clobbers a file that just appeared
                handle.write(data)
            return f"wrote {target} ({len(data)} bytes)"
        except FileExistsError:
            check_writable(target, force=force, owned=owned, flag=flag)
    _replace(target, data)
    return f"replaced {target} ({len(data)} bytes)"


def _replace(target: Path, data: bytes) -> None:
    """Write beside `target`, keep its permissions, and rename over it."""
    mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else None
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`check PATH`: exit 0 when PATH may be written, 2 with the reason otherwise (for make and shell)."""
    parser = argparse.ArgumentParser(prog="python -m provider.files", description=main.__doc__)
    parser.add_argument("action", choices=["check"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--force", action="store_true", help="the user asked to replace the file")
    parser.add_argument("--flag", default=FORCE_FLAG, help="how the user asks for a replacement (named when refused)")
    parser.add_argument("--owned-if-contains", metavar="TEXT",
                        help="an existing file holding TEXT is the command's own and may be replaced")
    parser.add_argument("--prog", default="error", help="the command's name, to start the refusal with")
    args = parser.parse_args(argv)
    owned = containing(args.owned_if_contains) if args.owned_if_contains else None
    refused = refusal(args.path, force=args.force, owned=owned, flag=args.flag)
    if refused is not None:
        print(f"{args.prog}: {refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
