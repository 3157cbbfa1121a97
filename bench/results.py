"""The overhead figures per commit: medians, the JSON record, and the comparison with the last release.

A record is `bench/results/<commit>.json`, written by every `make bench` (the
folder is the benchmark's own). A **release record** is one whose commit carries
a `v*` tag, or one recorded with `BENCH_RELEASE=<name>` (`--release`). The
**last recorded release** is, among the release records whose commit is HEAD or
an ancestor of it, the latest (the one with the most commits in its history). Each command's overhead
(wall time beyond its transitions), at each N, is compared with it; a growth of
more than `GROWTH_LIMIT` is reported by name.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from pathlib import Path
from typing import Any, Optional, Sequence

import breakdown

GROWTH_LIMIT = 0.20
RELEASE_ENV = "BENCH_RELEASE"
FORMAT = 1


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def summarise(measured: dict[int, list[dict[str, dict[str, Any]]]], commands: Sequence[str]) -> dict[str, Any]:
    """Per command and N: medians over the repetitions; differences to the floor taken within a repetition."""
    figures: dict[str, Any] = {}
    for command in commands:
        per_n: dict[str, Any] = {}
        for n, runs in measured.items():
            pairs = [run[command] for run in runs if command in run]
            if not pairs:
                continue
            notebooks, floors = [p["notebooks"] for p in pairs], [p["floor"] for p in pairs]
            per_n[str(n)] = {
                "wall": median([x["wall"] for x in notebooks]),
                "transitions": median([x["transitions"] for x in notebooks]),
                "beyond": median([x["beyond"] for x in notebooks]),
                "floor": median([x["wall"] for x in floors]),
                "above_floor": median([x["beyond"] - f["wall"] for x, f in zip(notebooks, floors, strict=True)]),
                "ratio_to_floor": median([x["wall"] / f["wall"] for x, f in zip(notebooks, floors, strict=True)]),
                "categories": {c: median([x["categories"].get(c, 0.0) for x in notebooks])
                               for c in breakdown.CATEGORIES},
                "floor_categories": {c: median([f["categories"].get(c, 0.0) for f in floors])
                                     for c in breakdown.CATEGORIES},
                "calls": median([x["calls"] for x in notebooks]),
                "mutating": median([x["mutating"] for x in notebooks]),
                "reads": median([x["reads"] for x in notebooks]),
                "detection_gap_max": max((g for x in notebooks for g in x["detection_gaps"]), default=None),
            }
        figures[command] = per_n
    return figures


def _git(root: Path, *args: str) -> Optional[str]:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def tags_of(root: Path, commit: str) -> list[str]:
    out = _git(root, "tag", "--points-at", commit, "--list", "v*")
    return [t for t in (out or "").splitlines() if t]


def record(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def load_records(folder: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        # A record of a dirty tree (BENCH_ALLOW_DIRTY=1) belongs to no commit: never a baseline.
        if isinstance(data, dict) and data.get("format") == FORMAT and data.get("commit") and not data.get("dirty"):
            records.append(data)
    return records


def release_name(root: Path, data: dict[str, Any]) -> Optional[str]:
    tags = tags_of(root, data["commit"])
    return data.get("release") or (tags[0] if tags else None)


def _depth(root: Path, commit: str) -> int:
    """How many commits lead to `commit`: among ancestors of one HEAD, the larger is the later."""
    out = _git(root, "rev-list", "--count", commit)
    return int(out) if out and out.isdigit() else 0


def _is_ancestor(root: Path, commit: str, head: str) -> bool:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        return subprocess.run(["git", "merge-base", "--is-ancestor", commit, head], cwd=root, env=env,
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def baseline(root: Path, folder: Path, head: str, *, releases_only: bool = True) -> Optional[dict[str, Any]]:
    """The last recorded release before or at HEAD (or, with releases_only=False, the newest earlier record)."""
    candidates = []
    for data in load_records(folder):
        if data["commit"] == head and not releases_only:
            continue
        if releases_only and release_name(root, data) is None:
            continue
        if data["commit"] == head or _is_ancestor(root, data["commit"], head):
            candidates.append((_depth(root, data["commit"]), data))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def growth(current: dict[str, Any], base: dict[str, Any], limit: float = GROWTH_LIMIT) -> list[str]:
    """One line per command and N whose overhead (wall time beyond the transitions) grew by more than `limit`."""
    lines = []
    for command, per_n in current["figures"].items():
        for n, now in per_n.items():
            before = base.get("figures", {}).get(command, {}).get(n)
            if not before or before["beyond"] <= 0:
                continue
            change = now["beyond"] / before["beyond"] - 1
            if change > limit:
                lines.append(f"{command}, N={n}: overhead {before['beyond']:.2f} s -> {now['beyond']:.2f} s "
                             f"(+{change:.0%})")
    return lines


def comparison(root: Path, folder: Path, current: dict[str, Any]) -> list[str]:
    """What `make bench` says about growth: against the last release, and against the previous record."""
    out = []
    for releases_only, what in ((True, "the last recorded release"), (False, "the previous record")):
        base = baseline(root, folder, current["commit"], releases_only=releases_only)
        if base is None:
            out.append(f"No comparison with {what}: none recorded for this commit's history in {folder.name}/.")
            continue
        name = release_name(root, base) or base["commit"][:12]
        grown = growth(current, base)
        head = f"Against {what} ({name}, commit {base['commit'][:12]}): "
        out.append(head + ("no command's overhead grew by more than "
                           f"{GROWTH_LIMIT:.0%}." if not grown else f"overhead grew by more than {GROWTH_LIMIT:.0%}: "
                           + "; ".join(grown) + "."))
    return out
