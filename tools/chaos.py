"""`make chaos`: a killed runner at a random moment, round after round, and the stack must end as declared.

A stack of 10 notebooks on the service's strict reading (lagging list, capped
pages, no update or delete while running), with answers lost after the request
took effect on every mutating route. Each round starts a random operation (an
`up` with random changes of `running`, flavor, description and capacity; a
`refresh`; a `destroy` then an `up`), kills the runner with its plugin processes
at a random moment, and recovers as a user would: `pulumi cancel --yes`, then
`pulumi up --yes --refresh` (what this project's deploy step and `make up` run:
a killed run leaves state that no longer describes the service, and only a
refresh reads that back). Then `chaos_check` compares service, state and output.

    venv/bin/python tools/chaos.py --rounds 30 --seed 7

The emulator runs on the wall clock with 1 s transitions, so kills land in the
middle of real transitions. Its last line is `chaos: R rounds, K kills, V
violations`; it exits 1 on any violation. The seed replays the same operations
and kill moments (where they land in a run depends on the machine's speed).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chaos_check import Observed, notes, violations  # noqa: E402
from testkit.emulators import BIG_CPU_FLAVOR, CPU_FLAVOR, SECRET_KEY, Emulator  # noqa: E402
from testkit.projects import PulumiProject, notebook_spec, pulumi_bin_dir  # noqa: E402
from testkit.runners import kill_runner, start_runner  # noqa: E402

TRANSITION_SECONDS = 1.0
LIST_LAG_SECONDS = 3.0
LOST_ANSWER_PROBABILITY = 0.08
# Answers lost after the request took effect, on every mutating route: the client must not repeat blindly.
LOST_ANSWERS = [
    {"method": method, "path_regex": path, "status": 502, "error_code": "ModelArts.0010", "after_effect": True,
     "probability": LOST_ANSWER_PROBABILITY}
    for method, path in (("POST", r"/notebooks$"), ("POST", r"/start$"), ("POST", r"/stop$"),
                         ("PUT", r"/notebooks/[^/]+$"), ("DELETE", r"/notebooks/[^/]+$"), ("PATCH", r"/lease$"))
]
OPERATIONS = ("up", "refresh", "destroy+up")
# What each operation runs, in order; a kill lands in whichever is running at its moment.
COMMANDS = {
    "up": [["up", "--yes", "--skip-preview"]],
    "refresh": [["refresh", "--yes", "--skip-preview"]],
    "destroy+up": [["destroy", "--yes", "--skip-preview"], ["up", "--yes", "--skip-preview"]],
}
RECOVERY = ["up", "--yes", "--skip-preview", "--refresh"]
COMMAND_TIMEOUT = 900.0
POLL_SECONDS = 0.2


# Two CPU flavors the service lets a notebook switch between, both ways.
FLAVORS = {CPU_FLAVOR: "2u", BIG_CPU_FLAVOR: "8u"}
# The longest auto-stop: no lease runs out during a soak.
AUTO_STOP = {"duration": 86_400_000}
# How long a new notebook may take to show in the list: well above the soak's lag. It also bounds how long a
# run that adopted a killed run's notebook watches the list for later duplicates (provider/core/census.py).
TIMEOUTS = {"create_lookup": 3 * LIST_LAG_SECONDS}
CHANGES = ("running", "flavor", "description", "capacity")


@dataclass
class Fleet:
    """The notebooks the program declares: resource name -> Notebook keyword arguments."""

    specs: dict[str, dict]

    @classmethod
    def of(cls, size: int, rng: random.Random) -> "Fleet":
        return cls({f"nb{i}": notebook_spec(name=f"chaos-{i}", running=rng.random() < 0.7, auto_stop=AUTO_STOP,
                                            timeouts=TIMEOUTS, description=f"chaos notebook {i}") for i in range(size)})

    def declared_running(self) -> dict[str, bool]:
        return {spec["name"]: bool(spec["running"]) for spec in self.specs.values()}

    def change(self, rng: random.Random) -> list[str]:
        """Random changes to 1 to 4 notebooks, each of one or two kinds; returns them in words."""
        said = []
        for key in rng.sample(sorted(self.specs), rng.randint(1, min(4, len(self.specs)))):
            spec = self.specs[key]
            for kind in rng.sample(CHANGES, rng.randint(1, 2)):
                if kind == "running":
                    spec["running"] = not spec["running"]
                    said.append(f"{spec['name']} running={str(spec['running']).lower()}")
                elif kind == "flavor":
                    spec["flavor"] = next(f for f in FLAVORS if f != spec["flavor"])
                    said.append(f"{spec['name']} flavor={FLAVORS[spec['flavor']]}")
                elif kind == "description":
                    spec["description"] = f"chaos notebook, edition {rng.randrange(10**6)}"
                    said.append(f"{spec['name']} description")
                else:  # growth only: a smaller volume would replace the notebook
                    volume = spec["volume"]
                    spec["volume"] = {**volume, "capacity": volume["capacity"] + rng.randint(1, 5)}
                    said.append(f"{spec['name']} capacity={spec['volume']['capacity']}")
        return said



@dataclass
class Outcome:
    """What one round did and found."""

    operation: str
    changes: list[str]
    kill: Optional[str] = None  # "12.3 s into `up`" when the runner was killed
    killed_at_ms: Optional[int] = None  # when, on the wall clock (the emulator's request log uses it too)
    seconds: float = 0.0  # how long the operation ran (to its end, or to the kill)
    recovery_seconds: Optional[float] = None
    texts: dict[str, str] = field(default_factory=dict)  # each command's output, and the exported state
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_request: int = 0  # the emulator's request number when the round began


class Soak:
    """One stack against one emulator, through rounds of killed operations."""

    def __init__(self, project: PulumiProject, emulator: Emulator, fleet: Fleet, rng: random.Random) -> None:
        self.project = project
        self.emulator = emulator
        self.fleet = fleet
        self.rng = rng
        self.secrets: dict[str, str] = {SECRET_KEY: "the stack's modelarts:secretKey"}
        # How long each operation took when it ran to its end: kill moments are drawn within it.
        self.durations: dict[str, float] = {"up": 20.0, "refresh": 8.0, "destroy+up": 40.0}
        self.inventory: list[dict] = []

    def collect_tokens(self) -> None:
        """Notebook tokens rotate on every start: remember each one the service handed out."""
        self.inventory = self.emulator.notebooks()
        for notebook in self.inventory:
            if notebook.get("token"):
                self.secrets.setdefault(str(notebook["token"]), f"the token of notebook {notebook.get('name')}")

    def run(self, args: list[str], outcome: Outcome, deadline: float, part: str) -> bool:
        """`pulumi <args>`, killed with its plugins at `deadline` (monotonic); True when it was killed."""
        with tempfile.TemporaryFile("w+") as output:
            started = time.monotonic()
            runner = start_runner(self.project, args, output=output)
            killed = False
            while runner.poll() is None:
                self.collect_tokens()
                now = time.monotonic()
                if now >= deadline:
                    outcome.killed_at_ms = int(time.time() * 1000)
                    kill_runner(runner, self.project)
                    outcome.kill = f"{now - started:.1f} s into `{args[0]}`"
                    killed = True
                elif now - started > COMMAND_TIMEOUT:
                    kill_runner(runner, self.project)
                    outcome.problems.append(f"`pulumi {' '.join(args)}` did not end in {COMMAND_TIMEOUT:.0f} s")
                    killed = True
                else:
                    time.sleep(POLL_SECONDS)
            output.seek(0)
            outcome.texts[f"the output of `pulumi {args[0]}` ({part})"] = text = output.read()
        if not killed and runner.returncode != 0:
            outcome.problems.append(f"`pulumi {' '.join(args)}` ({part}) failed unkilled ({runner.returncode}): "
                                    + _tail(text))
        return killed

    def operate(self, outcome: Outcome) -> None:
        """Run the round's operation, killed at a moment drawn within how long it takes."""
        began = time.monotonic()
        deadline = began + self.rng.uniform(0.0, self.durations[outcome.operation])
        for args in COMMANDS[outcome.operation]:
            killed = self.run(args, outcome, deadline, "the operation")
            outcome.seconds = time.monotonic() - began
            if killed:
                return
        self.durations[outcome.operation] = outcome.seconds

    def recover(self, outcome: Outcome) -> None:
        """As a user would after a dead runner: release the lock, then `up` with a refresh."""
        began = time.monotonic()
        cancelled = self.project.pulumi("cancel", "--yes", check=False)
        outcome.texts["the output of `pulumi cancel` (the recovery)"] = cancelled.output
        self.run(RECOVERY, outcome, float("inf"), "the recovery")
        outcome.recovery_seconds = time.monotonic() - began

    def observe(self, outcome: Outcome) -> Observed:
        self.collect_tokens()
        exported = self.project.pulumi("stack", "export", check=False)
        outcome.texts["`pulumi stack export`"] = exported.output
        deployment = _deployment(exported.stdout, outcome)
        resources = [r for r in deployment.get("resources", []) if r.get("type", "").endswith("modelarts:Notebook")]
        return Observed(declared=self.fleet.declared_running(), inventory=self.inventory,
                        resources=resources, pending=deployment.get("pending_operations") or [],
                        texts=outcome.texts, secrets=self.secrets)

    def round(self) -> Outcome:
        operation = self.rng.choice(OPERATIONS)
        changes = self.fleet.change(self.rng) if operation == "up" else []
        outcome = Outcome(operation, changes, first_request=self.last_request())
        self.project.declare(**self.fleet.specs)
        self.operate(outcome)
        if outcome.kill is not None:
            self.recover(outcome)
        self.check(outcome)
        return outcome

    def check(self, outcome: Outcome) -> None:
        seen = self.observe(outcome)
        outcome.problems.extend(violations(seen))
        outcome.notes.extend(notes(seen))

    def last_request(self) -> int:
        entries = self.emulator.requests()
        return int(entries[-1]["seq"]) if entries else 0

    def save_transcript(self, folder: Path, number: int, outcome: Outcome) -> Path:
        """What a violation needs to be understood: every output, the service's calls and notebooks (tokens
        left out), the exported state (its secrets encrypted). A new folder: nothing is overwritten."""
        where = Path(tempfile.mkdtemp(prefix=f"round-{number}-", dir=folder))
        requests = [r for r in self.emulator.requests() if int(r["seq"]) > outcome.first_request]
        notebooks = [{k: v for k, v in n.items() if k != "token"} for n in self.emulator.notebooks()]
        facts = {"operation": outcome.operation, "changes": outcome.changes, "kill": outcome.kill,
                 "killed_at_ms": outcome.killed_at_ms, "violations": outcome.problems}
        for name, body in (("round.json", facts), ("requests.json", requests), ("notebooks.json", notebooks)):
            (where / name).write_text(json.dumps(body, indent=1) + "\n")
        for index, (label, text) in enumerate(outcome.texts.items()):
            (where / f"output-{index}.txt").write_text(f"{label}\n\n{text}")
        return where


def _deployment(text: str, outcome: Outcome) -> dict:
    try:
        return dict(json.loads(text)["deployment"])
    except (ValueError, KeyError, TypeError):
        outcome.problems.append("`pulumi stack export` gave no deployment: " + _tail(text))
        return {}


def _tail(text: str, lines: int = 12) -> str:
    return "\n    " + "\n    ".join(text.strip().splitlines()[-lines:])


def describe(number: int, outcome: Outcome) -> str:
    what = outcome.operation + (f" ({'; '.join(outcome.changes)})" if outcome.changes else "")
    if outcome.kill is None:
        how = f"ran to its end in {outcome.seconds:.1f} s, not killed"
    else:
        how = f"killed {outcome.kill}; recovered in {outcome.recovery_seconds:.1f} s"
    verdict = "ok" if not outcome.problems else f"{len(outcome.problems)} violation(s)"
    return f"round {number}: {what}: {how}: {verdict}"


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tools/chaos.py", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=30, help="rounds to run (default 30)")
    p.add_argument("--seed", type=int, help="replays a run's operations and kill moments (default: a new one)")
    p.add_argument("--notebooks", type=int, default=10, help="the stack's notebooks (default 10)")
    p.add_argument("--transcripts", type=Path,
                   help="an existing folder for the transcript of each round with a violation (default: a new one)")
    return p.parse_args(argv)


@dataclass
class Tally:
    """The figures of a whole soak."""

    kills: int = 0
    violations: int = 0
    recoveries: list[float] = field(default_factory=list)
    lost_answers: int = 0
    secrets_watched: int = 0
    noted: set[str] = field(default_factory=set)

    def count(self, number: int, outcome: Outcome) -> None:
        """Print what the round did and found, and add it up."""
        print(describe(number, outcome), flush=True)
        for note in outcome.notes:
            if note not in self.noted:  # said once, not every round it still holds
                print(f"  note: {note}", flush=True)
        self.noted = set(outcome.notes)
        for problem in outcome.problems:
            print(f"  VIOLATION round {number} ({outcome.operation}, killed {outcome.kill or 'never'}): {problem}",
                  flush=True)
        self.kills += outcome.kill is not None
        self.violations += len(outcome.problems)
        if outcome.recovery_seconds is not None:
            self.recoveries.append(outcome.recovery_seconds)


def start_emulator(notebooks: int, seed: int) -> Emulator:
    """The strict reading on the wall clock, a lagging list, room for strays, answers lost at random."""
    emulator = Emulator(transition_seconds=TRANSITION_SECONDS, clock="wall", extra_args=(
        "--profile", "strict", "--list-lag-seconds", str(LIST_LAG_SECONDS), "--max-notebooks", str(4 * notebooks)))
    try:
        emulator.session.post(f"{emulator.url}/_emulator/faults", json={"rules": LOST_ANSWERS, "seed": seed},
                              timeout=10).raise_for_status()
    except Exception:
        emulator.stop()
        raise
    return emulator


def soak(args: argparse.Namespace, work: Path) -> Tally:
    """The stack's first `up`, then every round."""
    rng = random.Random(args.seed)
    tally = Tally()
    emulator = start_emulator(args.notebooks, args.seed)
    try:
        project = PulumiProject(work / "project", pulumi_bin_dir(), emulator, stack="chaos")
        project.env["PULUMI_PARALLEL"] = str(args.notebooks + 2)
        runner = Soak(project, emulator, Fleet.of(args.notebooks, rng), rng)
        first = Outcome("first up", [])
        project.declare(**runner.fleet.specs)
        began = time.monotonic()
        runner.run(["up", "--yes", "--skip-preview"], first, float("inf"), "the operation")
        first.seconds = time.monotonic() - began
        runner.check(first)
        for number in range(args.rounds + 1):
            outcome = first if number == 0 else runner.round()
            tally.count(number, outcome)
            if outcome.problems:
                args.transcripts = args.transcripts or Path(tempfile.mkdtemp(prefix="chaos-transcripts-"))
                print(f"  transcript: {runner.save_transcript(args.transcripts, number, outcome)}", flush=True)
        rules = emulator.session.get(f"{emulator.url}/_emulator/faults", timeout=10).json()["rules"]
        tally.lost_answers = sum(int(rule["fired"]) for rule in rules)
        tally.secrets_watched = len(runner.secrets)
    finally:
        emulator.stop()
    return tally


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    print(f"chaos: seed {args.seed} (replay with SEED={args.seed}), {args.rounds} rounds, {args.notebooks} notebooks, "
          f"strict reading, {LIST_LAG_SECONDS:.0f} s list lag, {LOST_ANSWER_PROBABILITY:.0%} lost answers", flush=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chaos-") as work:
        tally = soak(args, Path(work))
    recovered = tally.recoveries or [0.0]
    print(f"chaos: {time.monotonic() - began:.0f} s in all; {len(tally.recoveries)} recoveries, "
          f"{sum(recovered) / len(recovered):.1f} s on average, {max(recovered):.1f} s the longest; "
          f"{tally.lost_answers} answers lost; {tally.secrets_watched} secret values watched", flush=True)
    print(f"chaos: {args.rounds} rounds, {tally.kills} kills, {tally.violations} violations")
    return 1 if tally.violations else 0


if __name__ == "__main__":
    sys.exit(main())
