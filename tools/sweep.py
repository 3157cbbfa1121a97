"""`make sweep`: delete leftover notebooks whose name starts with the acceptance prefix, and nothing else.

    venv/bin/python tools/sweep.py [--prefix acc-]

`make acceptance` deletes what it creates, even after a failure or Ctrl-C; a run
killed outright (SIGKILL, a lost CI runner) can still leave notebooks that bill.
As the sweepers of Terraform providers do, this lists every notebook of the
account's project (every page), deletes those whose name starts with the prefix
(`--prefix`, else ACCEPTANCE_PREFIX, else `acc-`), prints each and a count. An
empty prefix would match every notebook and is refused.

The account is the one the provider reads from the environment (OS_* variables,
MODELARTS_ENDPOINT); `make acceptance` shares this module's helpers.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from provider.core.errors import ModelArtsError  # noqa: E402
from provider.core.fields import NAME_PATTERN, NAME_RULE  # noqa: E402
from provider.core.models import NotebookInfo, NotebookStatus  # noqa: E402
from provider.core.service import NotebookService  # noqa: E402

PREFIX_ENV = "ACCEPTANCE_PREFIX"
DEFAULT_PREFIX = "acc-"
# Complete sets of credentials the provider reads from the environment.
CREDENTIALS = (("OS_ACCESS_KEY", "OS_SECRET_KEY"), ("OS_USERNAME", "OS_PASSWORD", "OS_DOMAIN_NAME"))
DELETING_AT_ONCE = 4

Say = Callable[[str], None]


class QuietReporter:
    """The core's messages: warnings to standard error, so standard output keeps one line per result."""

    def __init__(self, prog: str) -> None:
        self.prog = prog

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        print(f"{self.prog}:   note: {message}", file=sys.stderr, flush=True)


def missing_account(environ: Mapping[str, str]) -> Optional[str]:
    """Which variables are missing for a complete set of credentials, in words; None when one is there."""
    if any(all(environ.get(name) for name in group) for group in CREDENTIALS):
        return None
    wanted = ", or ".join(_listed([name for name in group if not environ.get(name)]) for group in CREDENTIALS)
    also = [name for name in ("OS_PROJECT_ID",) if not environ.get(name)]
    if not environ.get("OS_REGION_NAME") and not environ.get("MODELARTS_ENDPOINT"):
        also.append("OS_REGION_NAME (or MODELARTS_ENDPOINT)")
    return f"no credentials in the environment: set {wanted}" + (f"; also {', '.join(also)}" if also else "")


def _listed(names: Sequence[str]) -> str:
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def connect(environ: Mapping[str, str], prog: str) -> NotebookService:
    """The core's service with the provider's own configuration rules (no stack config: the OS_* environment)."""
    service = NotebookService.from_config(lambda _key: None, [], environ, reporter=QuietReporter(prog))
    service.client()  # raises the configuration problems, all at once
    return service


def checked_prefix(prefix: Optional[str]) -> str:
    """A non-empty prefix of notebook names (the service's name characters only)."""
    if not prefix or not prefix.strip():
        raise ValueError(f"the prefix is empty: it would match every notebook; set {PREFIX_ENV} or --prefix")
    if not NAME_PATTERN.match(prefix) or len(prefix) > 64:
        raise ValueError(f"prefix {prefix!r} is not the start of a notebook name ({NAME_RULE}, at most 64 here)")
    return prefix


def prefixed(service: NotebookService, prefix: str) -> list[NotebookInfo]:
    """Every notebook of the project whose name starts with `prefix`, from every page of the list."""
    checked_prefix(prefix)
    return [nb for nb in service.client().iter_notebooks()
            if nb.id and nb.name and nb.name.startswith(prefix) and nb.status != NotebookStatus.DELETED]


def delete_all(service: NotebookService, notebooks: Sequence[NotebookInfo], say: Say) -> list[str]:
    """Delete each (a few at once) and wait until gone; says each, in order; returns the failures, in words."""
    def delete(notebook: NotebookInfo) -> Optional[str]:
        try:
            service.delete(str(notebook.id), {"name": notebook.name})
        except ModelArtsError as error:
            return str(error)
        return None

    failures = []
    with ThreadPoolExecutor(max_workers=DELETING_AT_ONCE) as pool:
        for notebook, error in zip(notebooks, pool.map(delete, notebooks), strict=True):
            if error is None:
                say(f"deleted {notebook.name} ({notebook.id})")
            else:
                failures.append(f"{notebook.name} ({notebook.id}): {error}")
    return failures


def sweep(service: NotebookService, prefix: str, say: Say) -> tuple[int, list[str]]:
    """Delete every notebook named `prefix...`; the number deleted and the failures."""
    found = prefixed(service, prefix)
    failures = delete_all(service, found, say)
    return len(found) - len(failures), failures


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/sweep.py", description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=None,
                        help=f"names to delete start with this (default ${PREFIX_ENV} or {DEFAULT_PREFIX})")
    args = parser.parse_args(argv)
    prefix = args.prefix if args.prefix is not None else os.environ.get(PREFIX_ENV, DEFAULT_PREFIX)

    def say(line: str) -> None:
        print(f"sweep: {line}", flush=True)

    try:
        prefix = checked_prefix(prefix)
        missing = missing_account(os.environ)
        if missing:
            raise ModelArtsError(f"{missing}; nothing was swept")
        service = connect(os.environ, "sweep")
        deleted, failures = sweep(service, prefix, say)
    except (ValueError, ModelArtsError) as error:
        print(f"sweep: {error}", file=sys.stderr)
        return 2
    for failure in failures:
        print(f"sweep: NOT deleted {failure}", file=sys.stderr)
    say(f"{deleted} notebook(s) named {prefix}* deleted" + (f", {len(failures)} failed" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
