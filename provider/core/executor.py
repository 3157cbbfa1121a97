"""Carry out a plan's steps on one live notebook, in order, and nothing else.

The plan decided what to do; here each step is executed against the live
notebook, re-reading between steps where the service requires it. The only
choice made here is the one the plan announced: an `Update` or `Grow` marked
`may_restart` stops, changes and starts the notebook when the service refuses
the change while it runs (6347).
"""

from __future__ import annotations

from typing import Callable, Optional

from .errors import ConfigurationError, NotebookFailedError, NotModifiableInStatus
from .identity import split_identity, with_identity
from .inputs import NotebookInputs
from .models import EVS_MAX_GB, TRANSIENT_STATUSES, NotebookInfo, NotebookStatus, UpdateNotebookRequest
from .census import STRAY_WHY, MarkerSearch
from .operations import LiveNotebook, ObsMounts
from .plan import DeleteStrays, Grow, Plan, RenewLease, Start, Step, Stop, SyncMounts, Update

S = NotebookStatus
# A running notebook's EVS grows by at most 100 GB per request.
RUNNING_RESIZE_STEP_GB = 100


class PlanExecutor:
    """Executes one plan for one notebook."""

    def __init__(self, notebook: LiveNotebook, inputs: NotebookInputs) -> None:
        self.notebook = notebook
        self.inputs = inputs
        # After a `DeleteStrays` step: whether the list showed this notebook (the census is closed).
        self.census_closed: "bool | None" = None

    def execute(self, planned: Plan, seen: Optional[NotebookInfo] = None) -> NotebookInfo:
        """Run the steps; the notebook as it is afterwards.

        `seen` is the notebook as the caller has just read it (the end of its own
        wait), which spares reading it again; a transient one is still settled.
        A read the previous step's answer already gives is not repeated: the
        first step starts from the settled notebook, and a stop or start that
        ends the plan returns the notebook its last poll saw.
        """
        if seen is not None and seen.status not in TRANSIENT_STATUSES:
            live: Optional[NotebookInfo] = seen
        else:
            live = self.notebook.settle() if planned.steps else self.notebook.find()
        if live is None:
            return self.notebook.read()  # raises: gone while we were about to act
        if live.status == S.FROZEN and planned.steps:
            raise NotebookFailedError(self.notebook.id, self.inputs.name, S.FROZEN, live.fail_reason, "updating")
        if "flavor" in planned.update and live.status != S.STOPPED:
            self._check_switchable(str(planned.update["flavor"]))
        last: Optional[NotebookInfo] = live
        for index, step in enumerate(planned.steps):
            last = self._run(step, live if index == 0 else None)
        return last if last is not None else self.notebook.read()

    def _run(self, step: Step, live: Optional[NotebookInfo]) -> Optional[NotebookInfo]:
        """Carry out one step; the notebook after it when its own last read shows it (a stop or a start)."""
        if isinstance(step, Stop):
            return self.notebook.stop(live)
        if isinstance(step, Start):
            return self.notebook.start(self.inputs.auto_stop, live)
        if isinstance(step, DeleteStrays):
            self._delete_strays()
        elif isinstance(step, Update):
            self._refused_while_running(step.may_restart, list(step.fields), lambda: self._update(step))
        elif isinstance(step, Grow):
            self._grow(step)
        elif isinstance(step, RenewLease) and self.inputs.auto_stop is not None:
            self.notebook.renew_lease(self.inputs.auto_stop)
        elif isinstance(step, SyncMounts):
            ObsMounts(self.notebook).sync([(m.uri, m.mount_path) for m in self.inputs.obs_mounts or []])
        return None

    def _delete_strays(self) -> None:
        if not self.inputs.identity:
            return
        search = MarkerSearch(self.notebook.target, self.inputs.name, self.inputs.identity, self.inputs.feature)
        census = search.await_census(self.notebook.id, self.inputs.limits.create_lookup)
        search.remove(census.strays, STRAY_WHY)
        self.census_closed = census.own_listed

    def _update(self, step: Update) -> None:
        fields = {k: v for k, v in step.fields.items() if k != "identity"}
        if "description" in step.fields or "identity" in step.fields:
            # The identity marker rides along in the description: keep it there.
            live_description = self.notebook.read().description
            user = fields.get("description", split_identity(live_description)[0])
            fields["description"] = with_identity(user, self.inputs.identity)
            if fields["description"] == live_description:
                del fields["description"]
        if fields:
            self.notebook.update(UpdateNotebookRequest.model_validate(fields))

    def _grow(self, step: Grow) -> None:
        if step.gb > EVS_MAX_GB:
            raise ConfigurationError(f"volume.capacity: at most {EVS_MAX_GB} GB, got {step.gb}")
        while (size := self._next_size(step.gb)) is not None:
            self._refused_while_running(
                step.may_restart, ["volume.capacity"], lambda: self.notebook.grow(self._next_size(step.gb) or size)
            )

    def _next_size(self, gb: int) -> "int | None":
        """The next size to ask for (a running notebook grows 100 GB at a time); None once reached."""
        live = self.notebook.read()
        current = live.volume.capacity if live.volume and live.volume.capacity else gb
        if current >= gb:
            return None
        return min(gb, current + RUNNING_RESIZE_STEP_GB) if live.status == S.RUNNING else gb

    def _refused_while_running(self, may_restart: bool, fields: list[str], change: Callable[[], None]) -> None:
        """Make a change; where the service refuses it while the notebook runs, restart only if the plan allows."""
        try:
            change()
            return
        except NotModifiableInStatus as refused:
            if not may_restart:
                raise ConfigurationError(
                    f"notebook {self.inputs.name!r} ({self.notebook.id}): the service refuses to change "
                    f"{', '.join(fields)} while the notebook runs ({refused.error_code}: {refused.error_msg}) and "
                    "allow_restart is false. Nothing was changed. Stop it first (running: false), or set "
                    "allow_restart: true to let `up` stop and start it."
                ) from None
        self.notebook.stop()
        change()
        self.notebook.start(self.inputs.auto_stop)

    def _check_switchable(self, flavor: str) -> None:
        """Fail before stopping anything if the service would refuse the flavor (6792)."""
        allowed = sorted(f.id for f in self.notebook.client.list_switchable_flavors(self.notebook.id) if f.id)
        if allowed and flavor not in allowed:
            raise ConfigurationError(
                f"notebook {self.inputs.name!r} ({self.notebook.id}) cannot switch to flavor {flavor!r}; "
                f"it can switch to: {', '.join(allowed)}. Nothing was changed."
            )
