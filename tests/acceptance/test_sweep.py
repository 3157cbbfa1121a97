"""`tools/sweep.py` (`make sweep`): deletes the notebooks whose name starts with the prefix, on every page
of the list, and nothing else; an empty prefix is refused."""

from __future__ import annotations

from tests.acceptance.support import account, run_tool, seed
from testkit.emulators import Emulator

# Notebooks seeded 2 s before the sweep would hide behind the strict reading's list lag; the sweep is for
# leftovers of earlier runs, so the lenient reading (no lag) is the one that matters here.
READINGS = ("lenient",)
PREFIXED = ("acc-1a2b3c-life", "acc-1a2b3c-adopt", "acc-old", "acc-")
OTHERS = ("team-notebook", "xacc-not-a-prefix", "ACC-other-case", "ac-c")


def test_sweep_deletes_only_prefixed_notebooks_from_every_page(emulator: Emulator) -> None:
    emulator.configure(max_page_size=3)  # several pages of the list
    ids = {name: seed(emulator, name) for name in (*PREFIXED, *OTHERS)}

    result = run_tool("sweep.py", account(emulator))

    assert result.returncode == 0, result.stdout + result.stderr
    deleted = sorted(line.split()[2] for line in result.stdout.splitlines() if line.startswith("sweep: deleted "))
    assert deleted == sorted(PREFIXED)
    assert all(f"({ids[name]})" in result.stdout for name in PREFIXED)
    assert result.stdout.splitlines()[-1] == f"sweep: {len(PREFIXED)} notebook(s) named acc-* deleted"
    assert sorted(nb["name"] for nb in emulator.notebooks()) == sorted(OTHERS)


def test_sweep_takes_the_prefix_from_the_environment_or_the_command_line(emulator: Emulator) -> None:
    for name in ("ci-7-a", "ci-8-a", "acc-kept"):
        seed(emulator, name)
    by_env = run_tool("sweep.py", account(emulator, ACCEPTANCE_PREFIX="ci-7-"))
    by_flag = run_tool("sweep.py", account(emulator, ACCEPTANCE_PREFIX="ci-7-"), "--prefix", "ci-8-")
    assert by_env.returncode == 0 and by_flag.returncode == 0, by_env.stderr + by_flag.stderr
    assert sorted(nb["name"] for nb in emulator.notebooks()) == ["acc-kept"]
    nothing = run_tool("sweep.py", account(emulator, ACCEPTANCE_PREFIX="ci-"))
    assert nothing.returncode == 0 and nothing.stdout == "sweep: 0 notebook(s) named ci-* deleted\n"


def test_sweep_refuses_an_empty_prefix_and_deletes_nothing(emulator: Emulator) -> None:
    seed(emulator, "acc-x")
    seed(emulator, "team-notebook")
    for refused in (run_tool("sweep.py", account(emulator, ACCEPTANCE_PREFIX="")),
                    run_tool("sweep.py", account(emulator), "--prefix", " ")):
        assert refused.returncode == 2 and "prefix is empty" in refused.stderr and refused.stdout == ""
    assert len(emulator.notebooks()) == 2
    assert emulator.calls() == []
