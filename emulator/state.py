"""Notebook records and their state machine.

Transitions are applied lazily: every access first calls `advance(now)`,
which moves each notebook through every transition that has fallen due,
stamping each new status with the exact time it was due (not the time it
was observed). That keeps the history deterministic for a given clock, and
needs no timer threads. All methods expect the caller to hold the one
emulator lock.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from .catalog import Catalog, Json
from .errors import ApiError
from .settings import Settings

TRANSIENT = frozenset({"INIT", "CREATING", "STARTING", "STOPPING", "DELETING", "SNAPSHOTTING"})
FAILED = frozenset({"CREATE_FAILED", "START_FAILED", "DELETE_FAILED", "ERROR"})
# Where a transient status settles on its own after one transition period.
SETTLES_TO = {
    "INIT": "CREATING",
    "CREATING": "RUNNING",
    "STARTING": "RUNNING",
    "STOPPING": "STOPPED",
    "DELETING": "DELETED",
    "SNAPSHOTTING": "RUNNING",
}
# The UMN allows at most 100 GB per dynamic expansion step of a running EVS.
RUNNING_RESIZE_STEP_GB = 100

# Per action, the code each status that may not take it answers (6357, "busy
# or already in the target state", for any status not named). The statuses an
# action may start from depend on the readings: see store.NotebookStore.allowed_from.
REFUSALS: dict[str, dict[str, str]] = {
    "start": {
        "RUNNING": "ModelArts.6305",
        "STARTING": "ModelArts.6306",
        "STOPPING": "ModelArts.6308",
        "FROZEN": "ModelArts.6326",
    },
    "stop": {
        "STOPPED": "ModelArts.6307",
        "STOPPING": "ModelArts.6308",
        "STARTING": "ModelArts.6306",
        "FROZEN": "ModelArts.6326",
    },
    "delete": {"RUNNING": "ModelArts.6304"},
}

# Update rules. The API page says update works only while STOPPED; the UMN
# lets a running instance grow its EVS disk and change its SSH whitelist, and
# error 6347 is per field. Chosen reading: flavor, image_id and hooks need
# STOPPED; name, description, endpoints and storage_new_size work while
# RUNNING or STOPPED; any update in a transient status is 6357. With the
# `update_while_running` reading off, every field needs STOPPED.
UPDATE_ALLOWED_IN: dict[str, frozenset[str]] = {
    "flavor": frozenset({"STOPPED"}),
    "image_id": frozenset({"STOPPED"}),
    "hooks": frozenset({"STOPPED"}),
    "name": frozenset({"RUNNING", "STOPPED"}),
    "description": frozenset({"RUNNING", "STOPPED"}),
    "endpoints": frozenset({"RUNNING", "STOPPED"}),
    "storage_new_size": frozenset({"RUNNING", "STOPPED"}),
}


@dataclass
class Pending:
    target: str
    due_ms: int
    cause: str
    image_id: str | None = None
    fail_reason: str | None = None  # a transition that ends in a failure status says why


@dataclass
class Mount:
    id: str
    category: str
    mount_path: str
    uri: str
    status: str
    due_ms: int | None


@dataclass
class Notebook:
    id: str
    name: str
    description: str
    flavor: str
    feature: str
    workspace_id: str
    pool_id: str | None
    image: Json
    volume: Json
    endpoints: list[Json]
    hooks: Json | None
    status: str
    token: str
    create_at: int
    update_at: int
    lease_create_at: int
    lease_duration: int
    lease_update_at: int
    lease_type: str
    lease_request_ms: int
    lease_enable: bool = True
    fail_reason: str | None = None
    ever_running: bool = False
    pending: Pending | None = None
    resize_due_ms: int | None = None
    mounts: dict[str, Mount] = field(default_factory=dict)
    history: list[Json] = field(default_factory=list)

    @property
    def lease_expires_at(self) -> int:
        return self.lease_create_at + self.lease_duration


def new_token() -> str:
    """Same shape as the documented notebook tokens (8-4-4-4-12 hex)."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16)))


class NotebookRecords:
    """The notebook records and their clock-driven transitions; the
    operations on them are NotebookStore's (store.py)."""

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.settings = settings
        self.catalog = catalog
        self.notebooks: dict[str, Notebook] = {}

    # helpers -----------------------------------------------------------------

    @property
    def transition_ms(self) -> int:
        return round(self.settings.transition_seconds * 1000)

    def not_found(self) -> ApiError:
        status = 404 if self.settings.not_found_style == "404" else 400
        return ApiError("ModelArts.6309", status=status)

    def get(self, notebook_id: str, *, allow_deleted: bool = True) -> Notebook:
        nb = self.notebooks.get(notebook_id)
        if nb is None or (nb.status == "DELETED" and not allow_deleted):
            raise self.not_found()
        return nb

    def _set_status(self, nb: Notebook, status: str, at_ms: int, cause: str) -> None:
        nb.status = status
        nb.update_at = max(nb.update_at, at_ms)
        nb.history.append({"status": status, "at_ms": at_ms, "cause": cause})

    def _schedule(self, nb: Notebook, target: str, from_ms: int, cause: str, image_id: str | None = None,
                  fail_reason: str | None = None) -> None:
        nb.pending = Pending(target, from_ms + self.transition_ms, cause, image_id, fail_reason)

    def _reset_lease(self, nb: Notebook, at_ms: int) -> None:
        # Every lease-changing event makes the instance stop D after now,
        # expressed as a duration counted from lease.create_at (use case).
        nb.lease_update_at = at_ms
        nb.lease_duration = (at_ms - nb.lease_create_at) + nb.lease_request_ms

    # time --------------------------------------------------------------------

    def advance(self, now_ms: int) -> None:
        for nb in list(self.notebooks.values()):
            self._advance_one(nb, now_ms)

    def _advance_one(self, nb: Notebook, now_ms: int) -> None:
        while True:
            if nb.pending is not None and nb.pending.due_ms <= now_ms:
                pending, nb.pending = nb.pending, None
                self._settle(nb, pending)
                if nb.id not in self.notebooks:
                    return
                continue
            if (
                nb.status == "RUNNING"
                and nb.pending is None
                and nb.lease_enable
                and nb.lease_expires_at <= now_ms
            ):
                at = nb.lease_expires_at
                self._set_status(nb, "STOPPING", at, "lease")
                self._schedule(nb, "STOPPED", at, "lease")
                continue
            break
        if nb.resize_due_ms is not None and nb.resize_due_ms <= now_ms:
            nb.resize_due_ms = None
            nb.volume.pop("status", None)
        for mount in list(nb.mounts.values()):
            if mount.due_ms is None or mount.due_ms > now_ms:
                continue
            if mount.status == "MOUNTING":
                mount.status, mount.due_ms = "MOUNTED", None
            elif mount.status == "UNMOUNTING":
                del nb.mounts[mount.id]

    def _settle(self, nb: Notebook, pending: Pending) -> None:
        at = pending.due_ms
        target = pending.target
        if target == "DELETED":
            if self.settings.keep_deleted:
                self._set_status(nb, "DELETED", at, pending.cause)
                nb.mounts.clear()
            else:
                del self.notebooks[nb.id]
            return
        previous = nb.status
        self._set_status(nb, target, at, pending.cause)
        if pending.fail_reason is not None:
            nb.fail_reason = pending.fail_reason
        if target == "RUNNING":
            nb.ever_running = True
            if previous in ("CREATING", "STARTING", "INIT"):
                self._reset_lease(nb, at)
            if pending.image_id:
                image = self.catalog.images.get(pending.image_id)
                if image is not None and image.get("status") in ("INIT", "CREATING"):
                    image["status"] = "ACTIVE"
                    image["update_at"] = at
        elif target in SETTLES_TO:
            self._schedule(nb, SETTLES_TO[target], at, pending.cause)

    # records -----------------------------------------------------------------

    def count_live(self) -> int:
        return sum(1 for nb in self.notebooks.values() if nb.status != "DELETED")

    def require_running(self, notebook_id: str) -> Notebook:
        nb = self.get(notebook_id, allow_deleted=False)
        if nb.status != "RUNNING":
            raise ApiError("ModelArts.6327")
        return nb

    def clear(self) -> None:
        self.notebooks.clear()



def sort_notebooks(items: list[Notebook], keys: list[str], descending: bool) -> list[Notebook]:
    getters: dict[str, Callable[[Notebook], Any]] = {
        "create_at": lambda nb: nb.create_at,
        "update_at": lambda nb: nb.update_at,
        "name": lambda nb: nb.name,
        "status": lambda nb: nb.status,
        "flavor": lambda nb: nb.flavor,
        "id": lambda nb: nb.id,
    }
    for key in keys:
        if key not in getters:
            raise ApiError("ModelArts.6303")
    chosen = [getters[k] for k in keys] or [getters["create_at"]]
    return sorted(items, key=lambda nb: tuple(g(nb) for g in chosen), reverse=descending)
