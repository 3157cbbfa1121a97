"""What a change of inputs will do to a notebook, as data: an ordered list of steps.

`plan(state, inputs)` is the one place where the provider decides anything:
`diff` announces its steps at preview, `create` and `update` execute exactly
those steps (operations only carry them out, tolerating a notebook that is
already where a step would take it). Comparisons use only what the service
reports, normalised (`state.py`), so no input the user left alone can ever
plan a replacement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

from .fields import Change, names
from .inputs import has_unknown
from .models import NotebookStatus
from .state import (
    declared_capacity,
    endpoints_key,
    mount_set,
    volume_key,
)

S = NotebookStatus

# The field groups, from the one table of inputs (fields.py).
REPLACE_FIELDS = names(Change.REPLACE)
NEEDS_STOPPED = names(Change.RESTART)
# Compared by their normal form (endpoints) or whole (hooks); the rest of the updatable fields as plain values.
SPECIAL_UPDATE_FIELDS = ("endpoints", "hooks")
PLAIN_UPDATE_FIELDS = tuple(n for n in names(Change.IN_PLACE, Change.RESTART) if n not in SPECIAL_UPDATE_FIELDS)
# Recorded in state, never sent: settings, create-only inputs, and names resolved at preview; with
# auto-stop and mounts, which a stopped notebook takes at its next start.
SETTING_FIELDS = names(Change.SETTING, Change.CREATE_ONLY, Change.RESOLVED) + names(Change.LEASE, Change.MOUNTS)


@dataclass(frozen=True)
class Stop:
    def describe(self) -> str:
        return "stop"


@dataclass(frozen=True)
class Start:
    def describe(self) -> str:
        return "start"


@dataclass(frozen=True)
class Update:
    """PUT these fields. `may_restart`: where the service refuses a change while the
    notebook runs (6347, the API reference's reading), stop, update and start again."""

    fields: dict[str, Any]
    may_restart: bool = False

    def describe(self) -> str:
        return "update " + ", ".join(self.fields) + (" (may restart)" if self.may_restart else "")


@dataclass(frozen=True)
class Grow:
    gb: int
    may_restart: bool = False

    def describe(self) -> str:
        return f"grow storage to {self.gb} GB" + (" (may restart)" if self.may_restart else "")


@dataclass(frozen=True)
class RenewLease:
    def describe(self) -> str:
        return "renew auto-stop"


@dataclass(frozen=True)
class SyncMounts:
    def describe(self) -> str:
        return "sync OBS mounts"


@dataclass(frozen=True)
class DeleteStrays:
    """Finish the census left open when the list did not yet show this notebook: delete every other
    notebook carrying this resource's identity marker (duplicates left by interrupted runs)."""

    def describe(self) -> str:
        return "delete duplicates left by interrupted runs"


Step = Union[DeleteStrays, Stop, Start, Update, Grow, RenewLease, SyncMounts]


@dataclass(frozen=True)
class Plan:
    replaces: tuple[str, ...]
    steps: tuple[Step, ...]
    settings: bool  # provider-side settings changed (recorded in state, no call)
    notes: tuple[str, ...] = field(default=())  # why, in words, for preview

    @property
    def changes(self) -> bool:
        return bool(self.replaces or self.steps or self.settings)

    @property
    def update(self) -> dict[str, Any]:
        """Every field the plan sends, storage growth as `storage_new_size`."""
        fields: dict[str, Any] = {}
        for step in self.steps:
            if isinstance(step, Update):
                fields.update(step.fields)
            elif isinstance(step, Grow):
                fields["storage_new_size"] = step.gb
        return fields

    def describe(self) -> str:
        if self.replaces:
            return "replace (" + ", ".join(self.replaces) + ")"
        return " → ".join(step.describe() for step in self.steps)


def plan(state: Mapping[str, Any], news: Mapping[str, Any]) -> Plan:
    """The steps that take the notebook recorded in `state` to the inputs `news`."""
    notes: list[str] = []
    replaces = _replacements(state, news, notes)
    fields = _changed_fields(state, news)
    growth = _growth(state, news, notes)
    status = state.get("status")
    desired = news.get("running", True) is not False
    run_step = _run_state_step(state, news, notes)
    running = status == S.RUNNING if run_step is None else isinstance(run_step, Stop)
    allow_restart = news.get("allow_restart", True) is not False
    needs_stop = [key for key in NEEDS_STOPPED if key in fields]

    steps: list[Step] = []
    if isinstance(run_step, Stop) or (needs_stop and running):
        steps.append(Stop())
        if needs_stop and running and desired and run_step is None:
            notes.append(
                f"changing {', '.join(needs_stop)} needs a stopped notebook: it will be stopped and started again"
            )
        running = False
    may_restart = running and allow_restart
    if fields:
        steps.append(Update(fields, may_restart=may_restart))
    if growth is not None:
        steps.append(Grow(growth, may_restart=may_restart))
    if may_restart and (fields or growth is not None):
        notes.append("the change is made in place; it may restart the notebook if the service refuses an in-place "
                      "change while it runs")
    if desired and (isinstance(run_step, Start) or (not running and any(isinstance(s, Stop) for s in steps))):
        steps.append(Start())
    elif desired and running and _lease_changed(state, news):
        steps.append(RenewLease())
    if desired and _mounts_to_sync(state, news, steps):
        steps.append(SyncMounts())
    settings = any(news.get(k) != state.get(k) for k in SETTING_FIELDS)
    if census_open(state) and news.get("identity"):
        steps.insert(0, DeleteStrays())
        notes.append("when it was created the service's list did not yet show this notebook: `up` looks for "
                     "duplicates of it left by interrupted runs and deletes them")
    if replaces:
        steps = []
    return Plan(replaces=tuple(dict.fromkeys(replaces)), steps=tuple(steps), settings=settings, notes=tuple(notes))


def census_open(state: Mapping[str, Any]) -> bool:
    """Whether this notebook's census is still open (`census.py`); state written before it was recorded is closed."""
    return state.get("identity_confirmed") is False


def _replacements(state: Mapping[str, Any], news: Mapping[str, Any], notes: list[str]) -> list[str]:
    replaces: list[str] = []
    for key in REPLACE_FIELDS:
        if news.get(key) is not None and news.get(key) != state.get(key):
            replaces.append(key)
            notes.append(
                f"{key} cannot change on an existing notebook: it will be replaced and its work directory lost"
            )
    if state.get("status") == S.CREATE_FAILED:
        replaces.append("status")
        notes.append("the notebook is in CREATE_FAILED and cannot be repaired: it will be replaced")
    if news.get("volume") is None:
        return replaces
    if has_unknown(news["volume"]):
        return [*replaces, "volume"]
    old, new = volume_key(state.get("volume")), volume_key(news.get("volume"))
    # Only parts both sides know: the service's show/list answers may omit uri and id.
    changed = [part for part in ("category", "ownership", "uri", "id")
               if new[part] is not None and old[part] is not None and new[part] != old[part]]
    if changed:
        replaces.append("volume")
        notes.append(f"the volume's {', '.join(changed)} changed: the notebook will be replaced and its work "
                     "directory's data destroyed")
    elif new["capacity"] is not None and old["capacity"] is not None and new["capacity"] < old["capacity"]:
        if new["capacity"] != declared_capacity(state):
            replaces.append("volume")
            notes.append(f"the volume cannot shrink ({old['capacity']} -> {new['capacity']} GB): the notebook will be "
                         "replaced and its work directory's data destroyed")
    return replaces


def _growth(state: Mapping[str, Any], news: Mapping[str, Any], notes: list[str]) -> Optional[int]:
    if news.get("volume") is None or has_unknown(news["volume"]):
        return None
    old, new = volume_key(state.get("volume")), volume_key(news.get("volume"))
    if new["capacity"] is None or old["capacity"] is None or new["capacity"] == old["capacity"]:
        return None
    if new["capacity"] < old["capacity"]:
        if new["capacity"] == declared_capacity(state):
            notes.append(f"the volume was grown outside the program to {old['capacity']} GB (declared "
                         f"{new['capacity']} GB); it cannot shrink, so nothing changes: declare {old['capacity']}")
        return None
    return int(new["capacity"])


def _changed_fields(state: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    fields = {
        key: news[key] for key in PLAIN_UPDATE_FIELDS if news.get(key) is not None and news[key] != state.get(key)
    }
    if news.get("endpoints") is not None:
        declared = endpoints_key(news["endpoints"]) or []
        services = {service for service, _keys, _ips in declared}
        # The service adds endpoints of its own (the NOTEBOOK one): compare only the declared services.
        live = [e for e in endpoints_key(state.get("endpoints")) or [] if e[0] in services]
        if declared != live:
            fields["endpoints"] = news["endpoints"]
    if news.get("hooks") is not None and news.get("hooks") != state.get("hooks"):
        fields["hooks"] = news["hooks"]
    return fields


def _run_state_step(state: Mapping[str, Any], news: Mapping[str, Any], notes: list[str]) -> Optional[Step]:
    """Start, Stop or nothing: a declared change always; drift only under `run_state_drift: enforce`."""
    status = state.get("status")
    desired = news.get("running", True) is not False
    target = S.RUNNING if desired else S.STOPPED
    declared_change = desired != (state.get("running", True) is not False)
    drift = status is not None and status != target and news.get("run_state_drift", "enforce") != "ignore"
    if status == S.CREATE_FAILED or not (declared_change or drift):
        return None
    if drift and not declared_change:
        if status == S.FROZEN:
            notes.append("the notebook is FROZEN (the account is in arrears): it cannot be started until the account "
                          "is topped up")
        elif status in (S.START_FAILED, S.ERROR):
            notes.append(f"the notebook is {status}: a start will be tried; if the service refuses it, `up` fails "
                          "with the remedy and changes nothing")
        else:
            notes.append(
                f"the notebook is {status} outside the program: it will be {'started' if desired else 'stopped'}"
            )
    return Start() if desired else Stop()


def _lease_changed(state: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    return news.get("auto_stop") is not None and news.get("auto_stop") != state.get("auto_stop")


def _mounts_to_sync(state: Mapping[str, Any], news: Mapping[str, Any], steps: list[Step]) -> bool:
    if news.get("obs_mounts") is None and state.get("obs_mounts") is None:
        return False
    return mount_set(news.get("obs_mounts")) != mount_set(state.get("obs_mounts")) or any(
        isinstance(step, Start) for step in steps
    )
