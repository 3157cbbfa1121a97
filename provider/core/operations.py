"""Operations on one live notebook: start, stop, settle, delete, update, grow, lease, mounts.

Each operation sends its request and waits for the service to carry it out.
Every mutating request survives a lost answer: when the client reports
`OutcomeUnknown` (a dropped connection, a 5xx, a timeout after sending), the
operation reads the live state back and sends again only if it shows that
nothing happened. A repeated request answered "already there" or "busy" is
success once the live state shows it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from . import waiter
from .clock import SYSTEM_CLOCK, Clock
from .errors import (
    AlreadyRunning,
    AlreadyStopped,
    ApiError,
    LeaseRefused,
    ModelArtsError,
    MustStopFirst,
    NotebookNotFound,
    OutcomeUnknown,
    StartRefusedError,
    StorageNotFound,
    TransitionInProgress,
)
from .inputs import AutoStop, Timeouts
from .models import (
    FAILED_STATUSES,
    TRANSIENT_STATUSES,
    DataVolume,
    MountRequest,
    NotebookInfo,
    NotebookStatus,
    UpdateNotebookRequest,
)
from .report import DEFAULT_REPORTER, Reporter
from .retry import Backoff
from .state import mount_key
from .timings import CallTimings, LearnedTimings

if TYPE_CHECKING:  # the client, and `requests` with it, is imported when one is made
    from .client import ModelArtsClient

S = NotebookStatus
T = TypeVar("T")
PROGRESS_EVERY_SECONDS = 10.0
# How often a mutating request whose answer was lost is sent again, when the
# live state shows it had no effect.
RESEND_ATTEMPTS = 4
RESEND_BACKOFF = Backoff(base_delay=0.5, max_delay=5.0)


@dataclass
class Target:
    """The notebook an operation works on, and what bounds and informs its waits."""

    client: ModelArtsClient
    notebook_id: str
    label: str
    timeouts: Timeouts = field(default_factory=Timeouts)
    learned: LearnedTimings = field(default_factory=LearnedTimings)
    call: CallTimings = field(default_factory=CallTimings)
    clock: Clock = SYSTEM_CLOCK
    report: Reporter = DEFAULT_REPORTER


class LiveNotebook:
    """Run state, deletion and waiting for one notebook."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client = target.client
        self.id = target.notebook_id

    # ---- reading and waiting ------------------------------------------------

    def find(self) -> Optional[NotebookInfo]:
        return self.client.find_notebook(self.id)

    def read(self) -> NotebookInfo:
        notebook = self.find()
        if notebook is None:
            raise NotebookNotFound(
                404, "ModelArts.6309", "the notebook was deleted outside this program; run `pulumi refresh`",
                method="GET", path=f"/notebooks/{self.id}", notebook_id=self.id,
            )
        return notebook

    def wait(self, rule: waiter.WaitRule, first: Optional[NotebookInfo] = None) -> Optional[NotebookInfo]:
        """Wait until `rule` holds; the notebook then (None if gone). Learns the transition's time."""
        kind = rule.learns
        clock = self.target.clock
        started = clock.now()
        expected = (self.target.call.hint(kind) or self.target.learned.expected(kind)) if kind else None
        notebook = waiter.wait_for(
            self.find, rule, notebook_id=self.id, name=self.target.label,
            timeout=getattr(self.target.timeouts, rule.timeout_key), first=_with_status(first), clock=clock,
            on_poll=_progress_reporter(self.target, rule.doing), expected=expected,
        )
        if kind and first is not None:  # a transition this call started and saw through
            took = clock.now() - started
            self.target.learned.record(kind, took)
            self.target.call.record(kind, took)
        if notebook is not None and notebook is first:
            notebook = self.read()  # transition answers may lack fields (the create answer has no url)
        return notebook

    def settle(self) -> Optional[NotebookInfo]:
        """Wait out a transition someone else started; None if the notebook is gone."""
        return self.wait(waiter.NOTEBOOK_SETTLED)

    def send(self, request: Callable[[], T], took_effect: Callable[[], bool], doing: str) -> Optional[T]:
        """Send a mutating request; after a lost answer, read back and send again only if nothing happened.

        Returns the answer, or None when the live state showed the lost request took effect.
        """
        for attempt in range(1, RESEND_ATTEMPTS + 1):
            try:
                return request()
            except OutcomeUnknown as lost:
                self.target.clock.sleep(RESEND_BACKOFF.delay(attempt) + 0.2)  # let the effect, if any, show
                if took_effect():
                    self.target.report.debug(
                        f"notebook {self.target.label!r}: {doing} took effect although its answer was lost"
                    )
                    return None
                if attempt == RESEND_ATTEMPTS:
                    raise ModelArtsError(
                        f"notebook {self.target.label!r} ({self.id}): {doing} failed {attempt} times ({lost}); "
                        "the live notebook shows no effect. Run `pulumi up` again."
                    ) from None
        raise AssertionError("unreachable")

    def _status_in(self, statuses: frozenset[str]) -> Callable[[], bool]:
        def check() -> bool:
            notebook = self.find()
            return (None if notebook is None else notebook.status) in statuses
        return check

    # ---- run state ------------------------------------------------------------

    def start(self, auto_stop: Optional[AutoStop], live: Optional[NotebookInfo] = None) -> NotebookInfo:
        """Start and wait for RUNNING. A failed notebook is tried once; a refusal says what to do."""
        live = live or self.read()
        if live.status == S.RUNNING:
            return live  # already there (an interrupted earlier run started it)
        failed = live.status in FAILED_STATUSES
        try:
            first = self._send_start(auto_stop, fallback=False)
        except LeaseRefused:
            if auto_stop is None or auto_stop.enabled:
                raise
            warn_lease_fallback(self.target)
            first = self._send_start(auto_stop, fallback=True)
        except (AlreadyRunning, TransitionInProgress) as busy:
            if failed:
                raise StartRefusedError(self.id, self.target.label, str(live.status), live.fail_reason, busy) from None
            first = None
        except ApiError as refused:
            if failed:
                raise StartRefusedError(
                    self.id, self.target.label, str(live.status), live.fail_reason, refused
                ) from None
            raise
        rule = waiter.NOTEBOOK_RUNNING
        if failed and live.status:  # the service may show the old failure status for a moment after accepting the start
            rule = dataclasses.replace(rule, failure=rule.failure - {live.status}, grace=rule.grace | {live.status})
        return self._settled_notebook(self.wait(rule, first=first))

    def _send_start(self, auto_stop: Optional[AutoStop], fallback: bool) -> Optional[NotebookInfo]:
        lease = auto_stop.lease_request(fallback=fallback) if auto_stop else None
        return self.send(
            lambda: self.client.start_notebook(
                self.id, duration_ms=lease.duration if lease else None, lease_type=lease.type if lease else None
            ),
            self._status_in(frozenset({S.STARTING, S.RUNNING})),
            "start",
        )

    def stop(self, live: Optional[NotebookInfo] = None) -> NotebookInfo:
        """Stop and wait for STOPPED; `live` is the notebook as just read, if the caller has it."""
        live = live or self.read()
        if live.status == S.STOPPED:
            return live
        try:
            first = self.send(
                lambda: self.client.stop_notebook(self.id), self._status_in(frozenset({S.STOPPING, S.STOPPED})), "stop"
            )
        except (AlreadyStopped, TransitionInProgress):
            first = None
        return self._settled_notebook(self.wait(waiter.NOTEBOOK_STOPPED, first=first))

    def renew_lease(self, auto_stop: AutoStop) -> None:
        """Set the auto-stop again from now; after a lost answer, done once the live lease shows a renewal."""
        before = self.read().lease

        def renewed() -> bool:
            lease = self.read().lease
            return lease is not None and (before is None or (lease.update_at, lease.duration, lease.enable) != (
                before.update_at, before.duration, before.enable))
        try:
            self.send(lambda: self.client.renew_lease(self.id, auto_stop.lease_request()), renewed, "renew")
        except LeaseRefused:
            if auto_stop.enabled:
                raise
            warn_lease_fallback(self.target)
            self.send(
                lambda: self.client.renew_lease(self.id, auto_stop.lease_request(fallback=True)), renewed, "renew"
            )

    # ---- delete -----------------------------------------------------------------

    def delete(self) -> None:
        """Delete and wait until gone. DELETE is tried first; a notebook is stopped only when the service asks."""
        notebook = self.find()
        if notebook is not None and notebook.status in TRANSIENT_STATUSES and notebook.status != S.DELETING:
            notebook = self.settle()
        if notebook is None:
            return
        first: Optional[NotebookInfo] = None
        if notebook.status != S.DELETING:
            try:
                first = self._send_delete()
            except NotebookNotFound:
                return
            except MustStopFirst:
                self.stop()
                first = self._send_delete()
            except TransitionInProgress:
                if self.settle() is None:
                    return
                first = self._send_delete()
        self.wait(waiter.NOTEBOOK_DELETED, first=first or NotebookInfo(id=self.id, status=S.DELETING))

    def _send_delete(self) -> Optional[NotebookInfo]:
        def gone_or_deleting() -> bool:
            notebook = self.find()
            return notebook is None or notebook.status == S.DELETING
        return self.send(lambda: self.client.delete_notebook(self.id), gone_or_deleting, "delete")

    # ---- update -------------------------------------------------------------------

    def update(self, request: UpdateNotebookRequest) -> None:
        """PUT the fields; after a lost answer, done once the live notebook shows them."""
        wanted = {k: v for k, v in request.to_wire().items() if k in ("name", "description", "flavor")}
        wanted_image = request.image_id

        def applied() -> bool:
            live = self.read()
            image_ok = wanted_image is None or (live.image is not None and live.image.id == wanted_image)
            return image_ok and all(getattr(live, key) == value for key, value in wanted.items()) and bool(
                wanted or wanted_image
            )
        self.send(lambda: self.client.update_notebook(self.id, request), applied, "update")

    def grow(self, size: int) -> None:
        """Grow EVS storage to `size` GB; done once the live capacity reaches it."""
        def grown() -> bool:
            volume = self.read().volume
            return volume is not None and (volume.status == "RESIZING" or (volume.capacity or 0) >= size)
        self.send(lambda: self.client.update_notebook(self.id, UpdateNotebookRequest(storage_new_size=size)),
                  grown, "storage growth")
        self.wait(waiter.VOLUME_RESIZED)

    def _settled_notebook(self, notebook: Optional[NotebookInfo]) -> NotebookInfo:
        if notebook is None:
            return self.read()
        return notebook


class ObsMounts:
    """The OBS folders mounted into one running notebook."""

    IDLE = frozenset({"UNMOUNTED", "UNMOUNTING", "MOUNT_FAILED"})

    def __init__(self, notebook: LiveNotebook) -> None:
        self.notebook = notebook
        self.client = notebook.client
        self.id = notebook.id

    def live(self) -> dict[tuple[str, str], DataVolume]:
        """Mounted (or mounting) storage by normalised (uri, mount path)."""
        return {
            mount_key(v.uri, v.mount_path): v
            for v in self.client.list_storage(self.id)
            if v.status not in self.IDLE
        }

    def sync(self, declared: list[tuple[str, str]]) -> None:
        """Mount what is declared and missing, unmount what is mounted and no longer declared."""
        wanted = {mount_key(uri, path): (uri, path) for uri, path in declared}
        live = self.live()
        for key, volume in sorted(live.items()):
            if key not in wanted and volume.id:
                self.unmount(str(volume.id))
        for key in sorted(set(wanted) - set(live)):
            self.mount(*wanted[key])

    def mount(self, uri: str, path: str) -> None:
        request = MountRequest(uri=uri, mount_path=path)
        key = mount_key(uri, path)
        mounted = self.notebook.send(
            lambda: self.client.mount_storage(self.id, request), lambda: key in self.live(), "OBS mount"
        )
        storage_id = mounted.id if mounted is not None else getattr(self.live().get(key), "id", None)
        if storage_id:
            self._wait(str(storage_id), waiter.OBS_MOUNTED)

    def unmount(self, storage_id: str) -> None:
        def unmounted() -> bool:
            return all(v.id != storage_id for v in self.live().values())
        try:
            self.notebook.send(lambda: self.client.unmount_storage(self.id, storage_id), unmounted, "OBS unmount")
        except StorageNotFound:
            return
        self._wait(storage_id, waiter.OBS_UNMOUNTED)

    def _wait(self, storage_id: str, rule: waiter.WaitRule) -> None:
        def fetch() -> Optional[DataVolume]:
            try:
                return self.client.get_storage(self.id, storage_id)
            except StorageNotFound:
                return None
        target = self.notebook.target
        waiter.wait_for(fetch, rule, notebook_id=self.id, name=target.label, timeout=target.timeouts.update,
                        clock=target.clock)


def warn_lease_fallback(target: Target) -> None:
    target.report.warn(
        f"notebook {target.label!r}: the service refuses auto-stop off (duration -1); using the longest auto-stop it "
        "documents (24 h) instead"
    )


def _with_status(notebook: Optional[NotebookInfo]) -> Optional[NotebookInfo]:
    return notebook if notebook is not None and notebook.status else None


def _progress_reporter(target: Target, doing: str) -> Callable[[Any, float], None]:
    """Long waits say what is happening, so a pipeline log shows progress instead of silence."""
    last = [0.0]

    def report(subject: Any, elapsed: float) -> None:
        if elapsed - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = elapsed
        step = ""
        for progress in getattr(subject, "action_progress", None) or []:
            if progress.status == "PROCESSING":
                step = f", step {progress.step}: {progress.step_description or progress.description or ''}".rstrip(": ")
        target.report.info(f"notebook {target.label!r} {doing}: {subject.status}{step} ({elapsed:.0f}s)")

    return report
