"""Which commit the figures belong to, and whether the tree differs from it.

A figure in docs/benchmarks.md is only worth quoting if it can be tied to the
code that produced it, so the report is written from a clean tree (the files
the benchmark itself writes excepted) and names the full commit hash.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ALLOW_DIRTY_ENV = "BENCH_ALLOW_DIRTY"


@dataclass(frozen=True)
class TreeState:
    commit: str  # the full hash of HEAD, or "unknown" outside a git checkout
    changed: tuple[str, ...]  # paths that differ from HEAD: modified, staged, deleted or untracked

    @property
    def dirty(self) -> bool:
        return self.commit == "unknown" or bool(self.changed)

    def describe(self) -> str:
        if not self.dirty:
            return self.commit
        if self.commit == "unknown":
            return "unknown (not a git checkout)"
        return f"{self.commit} plus uncommitted changes to {len(self.changed)} path(s)"


def _git(root: Path, *args: str) -> str:
    # Read-only: no index refresh, so a concurrent git command in the checkout never waits on a lock.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, timeout=30,
                          check=True).stdout


def tree_state(root: Path, outputs: Iterable[Path] = ()) -> TreeState:
    """HEAD and every path that differs from it, except `outputs` (what the benchmark writes)."""
    try:
        commit = _git(root, "rev-parse", "HEAD").strip()
        status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=normal")
    except (OSError, subprocess.SubprocessError):
        return TreeState("unknown", ())
    ignored = {str(Path(path).resolve().relative_to(root.resolve())) for path in outputs
               if Path(path).resolve().is_relative_to(root.resolve())}
    changed: list[str] = []
    entries = iter(status.split("\0"))
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # a rename or copy is followed by its source path
        if not any(path.rstrip("/") == i or path.startswith(i + "/") for i in ignored):  # a file, or in a folder
            changed.append(path)
    return TreeState(commit or "unknown", tuple(sorted(changed)))


def allow_dirty() -> bool:
    return os.environ.get(ALLOW_DIRTY_ENV) == "1"


def refusal(state: TreeState) -> str:
    """Why no report is written from this tree, and what to do instead."""
    listed = "\n".join(f"  {path}" for path in state.changed[:20])
    more = f"\n  ... and {len(state.changed) - 20} more" if len(state.changed) > 20 else ""
    where = f"uncommitted changes:\n{listed}{more}" if state.commit != "unknown" else "no git commit to tie it to"
    return (f"bench: refusing to write the report from a tree with {where}\n"
            f"Commit (or stash) first, pass --no-write-docs, or set {ALLOW_DIRTY_ENV}=1 to write a report "
            "marked as not a release figure.")


def dirty_banner(state: TreeState) -> list[str]:
    """The lines that open a report measured on a dirty tree."""
    paths = ", ".join(f"`{path}`" for path in state.changed[:10]) + (" ..." if len(state.changed) > 10 else "")
    return [
        "> **DIRTY TREE, not a release figure.** Measured with uncommitted changes "
        f"({ALLOW_DIRTY_ENV}=1) on top of commit `{state.commit}`" + (f": {paths}." if paths else "."),
        "",
    ]
