"""The benchmark report is tied to a clean commit, and tells cold transitions from warm ones."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import gitstate  # noqa: E402
import run  # noqa: E402
from harness import Op, transitions  # noqa: E402


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "benchmarks.md").write_text("old figures\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def test_a_clean_tree_is_stamped_with_the_full_commit(repo: Path) -> None:
    state = gitstate.tree_state(repo)
    assert not state.dirty and state.describe() == git(repo, "rev-parse", "HEAD") and len(state.commit) == 40


def test_changed_and_untracked_files_make_the_tree_dirty_but_the_report_itself_does_not(repo: Path) -> None:
    report = repo / "docs" / "benchmarks.md"
    report.write_text("new figures\n")
    assert not gitstate.tree_state(repo, [report]).dirty
    (repo / "code.py").write_text("x = 2\n")
    (repo / "new.py").write_text("")
    state = gitstate.tree_state(repo, [report])
    assert state.changed == ("code.py", "new.py") and "uncommitted changes to 2 path(s)" in state.describe()


def _args(tmp_path: Path, write_docs: bool = True) -> argparse.Namespace:
    return run.parse_args(["--docs-dir", str(tmp_path / "docs"), *([] if write_docs else ["--no-write-docs"])])


def test_no_report_from_a_dirty_tree_unless_allowed_and_then_marked(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "ROOT", repo)
    monkeypatch.delenv(gitstate.ALLOW_DIRTY_ENV, raising=False)
    (repo / "code.py").write_text("x = 2\n")
    tree, refused = run.tree_for_report(_args(repo))
    assert tree is None and refused and "refusing" in refused and "code.py" in refused
    assert run.tree_for_report(_args(repo, write_docs=False))[1] is None  # only the report is guarded
    monkeypatch.setenv(gitstate.ALLOW_DIRTY_ENV, "1")
    tree, refused = run.tree_for_report(_args(repo))
    assert refused is None and tree is not None and tree.dirty
    assert "DIRTY TREE, not a release figure" in gitstate.dirty_banner(tree)[0]


def test_a_tree_that_changed_during_the_run_writes_no_report(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "ROOT", repo)
    monkeypatch.delenv(gitstate.ALLOW_DIRTY_ENV, raising=False)
    before, _ = run.tree_for_report(_args(repo))
    (repo / "code.py").write_text("x = 2\n")
    git(repo, "commit", "-q", "-am", "moved on")
    tree, refused = run.tree_for_report(_args(repo), before=before)
    assert tree is None and refused and "changed while the benchmark ran" in refused


def _notebook(notebook_id: str, began: int, reached: int) -> dict:
    return {"id": notebook_id, "history": [{"status": "RUNNING", "at_ms": 0}, {"status": "STOPPING", "at_ms": began},
                                           {"status": "STOPPED", "at_ms": reached}]}


def _read(notebook_id: str, at: int) -> dict:
    return {"method": "GET", "status": 200, "path": f"/v1/p/notebooks/{notebook_id}", "time_ms": at}


def test_a_transition_is_warm_once_the_kind_is_known() -> None:
    # a ends (and is seen) before c begins; b began before anything was learned.
    op = Op("stop", 10.0, start_ms=100, end_ms=9_000, peak_kib=None,
            requests=[_read("a", 1_100), _read("b", 1_400), _read("c", 3_050)],
            notebooks=[_notebook("a", 100, 1_000), _notebook("b", 150, 1_350), _notebook("c", 2_000, 3_000)])
    found = {t.notebook_id: t for t in transitions(op)}
    assert {k: (t.warm, t.latency_ms, t.kind) for k, t in found.items()} == {
        "a": (False, 100, "stop"), "b": (False, 50, "stop"), "c": (True, 50, "stop")}
    op.hinted = frozenset({"stop"})  # the state held a stop duration: every transition starts warm
    assert all(t.warm for t in transitions(op))
