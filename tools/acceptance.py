"""`make acceptance`: the provider's lifecycle against a real account, through the core the front ends share.

    venv/bin/python tools/acceptance.py

Create a notebook with the smallest CPU flavor and a 1 h auto-stop, stop it,
start it, change its flavor, grow its storage by 5 GB, mount an OBS path
(ACCEPTANCE_OBS_URI, e.g. obs://bucket/path/), adopt a notebook created beside
it with the API client, and destroy both. Each step prints one line with what it
did and how long it took; the last line sums up. The calls are the ones
`pulumi up` makes (`NotebookService`: check, diff, create, update, delete), so
what passes here is what the provider does on that account.

The account is the one the provider reads from the environment: OS_ACCESS_KEY
and OS_SECRET_KEY (or OS_USERNAME, OS_PASSWORD and OS_DOMAIN_NAME),
OS_PROJECT_ID, OS_REGION_NAME, OS_AUTH_URL, and MODELARTS_ENDPOINT to override
the service's address. Without credentials it says it skipped, and why, and
exits 0. Every notebook it makes is named ACCEPTANCE_PREFIX (default `acc-`)
plus a suffix unique to the run, and is deleted in a `finally`, even after a
failure, Ctrl-C or SIGTERM; what was deleted is printed. A run killed outright
leaves notebooks `make sweep` removes.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Iterator, Mapping, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sweep

from provider.core.client import ModelArtsClient
from provider.core.errors import ModelArtsError, TransportError
from provider.core.identity import resource_identity
from provider.core.inputs import parse_inputs
from provider.core.lookups import find_flavor
from provider.core.models import Flavor, ImageInfo, NotebookInfo, NotebookStatus
from provider.core.service import NotebookService

OBS_ENV = "ACCEPTANCE_OBS_URI"
HOUR_MS = 3_600_000
CAPACITY_GB, GROWTH_GB = 5, 5
MOUNT_PATH = "/data/acceptance/"
# How long a notebook whose create answer was lost is looked for in the list before the cleanup gives up on it.
LOOKUP_SECONDS = 30.0
S = NotebookStatus


class AcceptanceFailed(ModelArtsError):
    """A step did not leave the notebook as it should have."""


class Interrupted(BaseException):
    """SIGTERM (a cancelled CI job): unwinds like Ctrl-C, so the cleanup runs."""


@dataclass
class Managed:
    """One notebook under management, driven as the engine drives the provider: check, diff, then act."""

    service: NotebookService
    inputs: dict[str, Any]
    id: str = ""
    state: dict[str, Any] = field(default_factory=dict)

    def checked(self, news: Mapping[str, Any]) -> dict[str, Any]:
        result = self.service.check(self.inputs if self.id else {}, news)
        if result.problems:
            raise AcceptanceFailed("; ".join(f"{p.field or 'provider'}: {p.reason}" for p in result.problems))
        return result.inputs

    def create(self) -> None:
        inputs = self.checked(self.inputs)
        recorded = self.service.create(inputs)
        self.id, self.state, self.inputs = recorded.id, recorded.state, inputs

    def change(self, **changes: Any) -> str:
        """Apply a change of inputs in place; returns the plan, as preview shows it."""
        inputs = self.checked({**self.inputs, **changes})
        planned = self.service.diff(self.state, inputs).plan
        if planned.replaces:
            raise AcceptanceFailed(f"the change would replace the notebook ({', '.join(planned.replaces)})")
        self.state = self.service.update(self.id, self.state, inputs)
        self.inputs = inputs
        return planned.describe() or "no change"

    def live(self) -> dict[str, Any]:
        found = self.service.read(self.id, self.state)
        if found is None:
            raise AcceptanceFailed(f"notebook {self.id} is gone")
        return found.state

    def expect(self, **wanted: Any) -> None:
        """The live notebook shows these values (`volume` compares its capacity)."""
        live = self.live()
        for key, value in wanted.items():
            seen = (live.get("volume") or {}).get("capacity") if key == "capacity" else live.get(key)
            if seen != value:
                raise AcceptanceFailed(f"{self.inputs['name']}: {key} is {seen!r}, expected {value!r}")


@dataclass
class Outcome:
    steps: int = 0
    ok: int = 0
    skipped: int = 0
    failed: int = 0


class Ledger:
    """Every notebook a run made or may have made, so all of them can be deleted whatever happens."""

    def __init__(self, service: NotebookService, run_prefix: str, say: Callable[[str], None]) -> None:
        self.service = service
        self.run_prefix = run_prefix
        self.say = say
        self.created: dict[str, str] = {}  # id -> name
        self.pending: set[str] = set()  # names whose create was sent but whose id is not known

    @contextmanager
    def creating(self, name: str) -> Iterator[None]:
        """While a create is under way its notebook may exist unseen: if the answer is lost (a transport
        failure, Ctrl-C), the cleanup looks for the name; any other failure is the service's answer."""
        self.pending.add(name)
        try:
            yield
        except ModelArtsError as error:
            if not isinstance(error, TransportError):
                self.pending.discard(name)
            raise
        self.pending.discard(name)

    def made(self, notebook_id: str, name: str) -> None:
        self.created[notebook_id] = name

    def gone(self, notebook_id: str) -> None:
        self.created.pop(notebook_id, None)

    def cleanup(self) -> list[str]:
        """Delete every notebook of the run that still exists; says each; returns what could not be deleted."""
        try:
            leftovers = {str(nb.id): nb for nb in self.leftovers()}
        except ModelArtsError as error:
            known = ", ".join(f"{name} ({nid})" for nid, name in self.created.items()) or "none known"
            return [f"this run's notebooks ({self.run_prefix}*; {known}): could not list them: {error}"]
        failures = sweep.delete_all(self.service, list(leftovers.values()), lambda line: self.say(f"cleanup: {line}"))
        for notebook_id in leftovers:
            self.gone(notebook_id)
        return failures

    def leftovers(self) -> list[NotebookInfo]:
        """The run's notebooks; one whose create answer was lost may show in the list only after a while."""
        deadline = time.monotonic() + (LOOKUP_SECONDS if self.pending else 0)
        said = False
        while True:
            found = self.found()
            unseen = self.pending - {str(nb.name) for nb in found}
            if not unseen or time.monotonic() >= deadline:
                return found
            if not said:
                self.say(f"cleanup: looking for {', '.join(sorted(unseen))} for up to {LOOKUP_SECONDS:g} s "
                         "(a create whose answer was lost may still show up)")
                said = True
            time.sleep(2.0)

    def found(self) -> list[NotebookInfo]:
        """The run's notebooks in the list, and those it knows by id (read directly: the list may lag)."""
        client = self.service.client()
        found = {str(nb.id): nb for nb in sweep.prefixed(self.service, self.run_prefix)}
        for notebook_id in set(self.created) - set(found):
            live = client.find_notebook(notebook_id)
            if live is not None:
                found[notebook_id] = live
        return list(found.values())


class Acceptance:
    """The steps, each timed and reported in one line, and the run's notebooks, always cleaned up."""

    def __init__(self, service: NotebookService, prefix: str, obs_uri: Optional[str],
                 say: Callable[[str], None]) -> None:
        self.service = service
        self.client: ModelArtsClient = service.client()
        self.run_prefix = f"{prefix}{secrets.token_hex(3)}-"
        self.obs_uri = obs_uri
        self.say = say
        self.outcome = Outcome()
        self.ledger = Ledger(service, self.run_prefix, say)
        self.flavor: Optional[Flavor] = None
        self.image: Optional[ImageInfo] = None
        self.notebook: Optional[Managed] = None
        self.adopted: Optional[Managed] = None

    # ---- reporting ----------------------------------------------------------------

    def step(self, name: str, action: Callable[[], Optional[str]]) -> None:
        """Run one step; one line: its name, ok/skipped/FAILED, seconds, and what it did (or why not)."""
        started = time.monotonic()
        self.outcome.steps += 1
        try:
            detail = action() or ""
        except BaseException as error:
            self.outcome.failed += 1
            self.say(f"{name:<15} FAILED  {time.monotonic() - started:6.1f} s  {_reason(error)}")
            raise
        skipped = detail.startswith("skipped")
        self.outcome.skipped += skipped
        self.outcome.ok += not skipped
        self.say(f"{name:<15} {'skipped' if skipped else 'ok':<7} {time.monotonic() - started:6.1f} s  "
                 f"{detail.removeprefix('skipped: ')}")

    def lifecycle(self) -> None:
        self.step("catalogue", self.catalogue)
        self.step("create", self.create)
        self.step("stop", lambda: self.run_state(False))
        self.step("start", lambda: self.run_state(True))
        self.step("flavor change", self.flavor_change)
        self.step("storage growth", self.storage_growth)
        self.step("OBS mount", self.obs_mount)
        self.step("adoption", self.adoption)
        self.step("destroy", self.destroy)

    # ---- the steps ----------------------------------------------------------------

    def catalogue(self) -> str:
        self.flavor = find_flavor(self.client, category="CPU", smallest=True)
        self.image = cpu_image(self.client, self.flavor)
        return f"flavor {self.flavor.id}, image {self.image.name} ({self.image.id})"

    def declared(self, suffix: str, **extra: Any) -> dict[str, Any]:
        assert self.flavor is not None and self.image is not None
        name = f"{self.run_prefix}{suffix}"
        return {
            "name": name, "flavor": self.flavor.id, "image_id": self.image.id, "running": True,
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": CAPACITY_GB},
            "identity": resource_identity("modelarts-acceptance", self.run_prefix, name), **extra,
        }

    def create(self) -> str:
        notebook = Managed(self.service, self.declared("life", auto_stop={"enabled": True, "duration": HOUR_MS}))
        with self.ledger.creating(notebook.inputs["name"]):
            notebook.create()
        self.ledger.made(notebook.id, notebook.inputs["name"])
        self.notebook = notebook
        notebook.expect(status=S.RUNNING)
        lease = notebook.live().get("lease") or {}
        # The service counts the lease from the create request, so it may carry the creation's seconds too.
        if lease.get("enable") is False or not HOUR_MS <= (lease.get("duration") or HOUR_MS) <= 1.1 * HOUR_MS:
            raise AcceptanceFailed(f"auto-stop lease is {lease}, expected about 1 h ({HOUR_MS} ms)")
        return (f"{notebook.inputs['name']} ({notebook.id}): {notebook.inputs['flavor']}, EVS {CAPACITY_GB} GB, "
                "auto-stop 1 h, RUNNING")

    def run_state(self, running: bool) -> str:
        notebook = self.managed()
        planned = notebook.change(running=running)
        notebook.expect(status=S.RUNNING if running else S.STOPPED)
        return f"{notebook.inputs['name']}: {planned}, {S.RUNNING if running else S.STOPPED}"

    def flavor_change(self) -> str:
        notebook = self.managed()
        other = other_cpu_flavor(self.client, notebook.id, notebook.inputs["flavor"])
        if other is None:
            return f"skipped: no other CPU flavor this notebook can switch to ({notebook.inputs['flavor']})"
        before = notebook.inputs["flavor"]
        planned = notebook.change(flavor=other.id)
        notebook.expect(flavor=other.id, status=S.RUNNING)
        return f"{before} -> {other.id}: {planned}"

    def storage_growth(self) -> str:
        notebook = self.managed()
        size = CAPACITY_GB + GROWTH_GB
        planned = notebook.change(volume={**notebook.inputs["volume"], "capacity": size})
        notebook.expect(capacity=size, status=S.RUNNING)
        return f"EVS {CAPACITY_GB} -> {size} GB: {planned}"

    def obs_mount(self) -> str:
        if not self.obs_uri:
            return f"skipped: no bucket configured (set {OBS_ENV}, e.g. obs://bucket/path/)"
        notebook = self.managed()
        planned = notebook.change(obs_mounts=[{"uri": self.obs_uri, "mount_path": MOUNT_PATH}])
        mounted = [(m.uri, m.mount_path, m.status) for m in self.client.list_storage(notebook.id)]
        if not any(uri == self.obs_uri and path == MOUNT_PATH for uri, path, _ in mounted):
            raise AcceptanceFailed(f"{self.obs_uri} is not mounted at {MOUNT_PATH}; mounts: {mounted}")
        return f"{self.obs_uri} at {MOUNT_PATH}: {planned}"

    def adoption(self) -> str:
        """A notebook made with the API client alone, then brought under management with `adopt_id`."""
        props = self.declared("adopt")
        del props["identity"]  # made outside any program: no marker
        with self.ledger.creating(props["name"]):
            made = self.client.create_notebook(parse_inputs(props).create_request())
        if not made.id:
            raise AcceptanceFailed("the service accepted the create but returned no id")
        self.ledger.made(str(made.id), props["name"])
        adopted = Managed(self.service, {**props, "adopt_id": str(made.id)})
        adopted.create()
        if adopted.id != made.id:
            raise AcceptanceFailed(f"adopt_id {made.id} gave notebook {adopted.id}")
        adopted.expect(status=S.RUNNING)
        self.adopted = adopted
        return f"{props['name']} ({made.id}) created by the client, adopted with the same id: RUNNING"

    def destroy(self) -> str:
        gone = []
        for notebook in (self.managed(), *([self.adopted] if self.adopted else [])):
            self.service.delete(notebook.id, notebook.state)
            if self.client.find_notebook(notebook.id) is not None:
                raise AcceptanceFailed(f"{notebook.inputs['name']} ({notebook.id}) still exists after delete")
            self.ledger.gone(notebook.id)
            gone.append(notebook.inputs["name"])
        return f"deleted {', '.join(gone)}"

    def managed(self) -> Managed:
        if self.notebook is None:
            raise AcceptanceFailed("no notebook: the create step did not succeed")
        return self.notebook

def cpu_image(client: ModelArtsClient, flavor: Flavor) -> ImageInfo:
    """An active image for the flavor's category (CPU) and architecture; built-in images first."""
    wanted = (flavor.category or "CPU").upper()
    fits = [
        image for image in client.iter_images()
        if image.id and (image.status or "ACTIVE").upper() == "ACTIVE"
        and wanted in [c.upper() for c in [*(image.resource_categories or []), *(image.support_res_categories or [])]]
        and (not flavor.arch or not image.arch or image.arch.lower() == flavor.arch.lower())
    ]
    if not fits:
        raise AcceptanceFailed(f"no active image runs on {wanted} flavors of arch {flavor.arch}")
    # Built-in first, then images for this category alone (a CPU image rather than a CPU+GPU one).
    return min(fits, key=lambda image: ((image.type or "").upper() != "BUILD_IN",
                                        len(image.resource_categories or []) > 1))


def other_cpu_flavor(client: ModelArtsClient, notebook_id: str, current: str) -> Optional[Flavor]:
    """The smallest CPU flavor, other than the current one, that the notebook can switch to."""
    choices = [f for f in client.list_switchable_flavors(notebook_id)
               if f.id and f.id != current and (f.category or "").upper() == "CPU" and not f.sold_out]
    return min(choices, key=lambda f: (f.vcpus or 0, f.memory or 0, f.id or ""), default=None)


def _reason(error: BaseException) -> str:
    """What a failed step's line says: the provider's own message, or the kind of an unexpected error."""
    if isinstance(error, (KeyboardInterrupt, Interrupted)):
        return "interrupted"
    return str(error) if isinstance(error, ModelArtsError) else f"{type(error).__name__}: {error}"


def _interrupt(signum: int, frame: Optional[FrameType]) -> None:
    raise Interrupted()


def main() -> int:
    def say(line: str) -> None:
        print(f"acceptance: {line}", flush=True)

    missing = sweep.missing_account(os.environ)
    if missing:
        say(f"skipped: {missing}")
        return 0
    try:
        prefix = sweep.checked_prefix(os.environ.get(sweep.PREFIX_ENV, sweep.DEFAULT_PREFIX))
        service = sweep.connect(os.environ, "acceptance")
    except (ValueError, ModelArtsError) as error:
        say(f"not run: {error}")
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    run = Acceptance(service, prefix, os.environ.get(OBS_ENV) or None, say)
    started, failure = time.monotonic(), ""
    try:
        run.lifecycle()
    except (Exception, KeyboardInterrupt, Interrupted) as error:  # said in the step's line; cleaned up below
        failure = "interrupted" if isinstance(error, (KeyboardInterrupt, Interrupted)) else "a step failed"
    finally:
        try:
            not_deleted = run.ledger.cleanup()
        except (KeyboardInterrupt, Interrupted):
            not_deleted = [f"cleanup interrupted: notebooks named {run.run_prefix}* may be left"]
    for line in not_deleted:
        say(f"cleanup: NOT deleted {line}; run `make sweep`")
    o = run.outcome
    say(f"{'FAILED' if failure or not_deleted else 'passed'}: {o.ok} ok, {o.skipped} skipped, {o.failed} failed "
        f"of {o.steps} steps run{f' ({failure})' if failure else ''} in {time.monotonic() - started:.1f} s; "
        f"notebooks left: {len(not_deleted)}")
    return 1 if failure or not_deleted else 0


if __name__ == "__main__":
    sys.exit(main())
