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

from .catalog import Catalog, Json, notebook_image_view
from .errors import ApiError, wrong_value
from .settings import LEASE_OFF, Settings
from .payloads import CreateRequest, MountRequest, RenewRequest, StartRequest, UpdateRequest
from .validation import DEFAULT_LEASE_MS, EVS_MAX_GB, check_image_fits

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
# action may start from depend on the readings: see NotebookStore.allowed_from.
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


class NotebookStore:
    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.settings = settings
        self.catalog = catalog
        self.notebooks: dict[str, Notebook] = {}

    # helpers -----------------------------------------------------------------

    @property
    def transition_ms(self) -> int:
        return int(round(self.settings.transition_seconds * 1000))

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

    def _schedule(self, nb: Notebook, target: str, from_ms: int, cause: str, image_id: str | None = None) -> None:
        nb.pending = Pending(target, from_ms + self.transition_ms, cause, image_id)

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

    # lifecycle ---------------------------------------------------------------

    def count_live(self) -> int:
        return sum(1 for nb in self.notebooks.values() if nb.status != "DELETED")

    def create(self, req: CreateRequest, now_ms: int) -> Notebook:
        if self.count_live() >= self.settings.max_notebooks:
            raise ApiError("ModelArts.6302")
        if req.feature == "DEFAULT" and any(
            nb.feature == "DEFAULT" and nb.status != "DELETED" for nb in self.notebooks.values()
        ):
            # "DEFAULT: free CodeLab instance. You can create only one."
            raise ApiError("ModelArts.6302")
        lease_ms = DEFAULT_LEASE_MS if req.lease_ms == LEASE_OFF else req.lease_ms
        nb = Notebook(
            id=str(uuid.uuid4()),
            name=req.name,
            description=req.description,
            flavor=req.flavor["id"],
            feature=req.feature,
            workspace_id=req.workspace_id,
            pool_id=req.pool_id,
            image=notebook_image_view(req.image),
            volume=dict(req.volume),
            endpoints=req.endpoints,
            hooks=req.hooks,
            status="CREATING",
            token=new_token(),
            create_at=now_ms,
            update_at=now_ms,
            lease_create_at=now_ms,
            lease_duration=lease_ms,
            lease_update_at=now_ms,
            lease_type=req.lease_type,
            lease_request_ms=lease_ms,
            lease_enable=req.lease_ms != LEASE_OFF,
        )
        nb.history.append({"status": "CREATING", "at_ms": now_ms, "cause": "create"})
        self._schedule(nb, "RUNNING", now_ms, "create")
        self.notebooks[nb.id] = nb
        return nb

    def allowed_from(self, action: str) -> frozenset[str]:
        """The statuses `action` may start from, under the current readings."""
        if action == "start":
            # START_FAILED may be retried; ERROR only under `start_from_error`.
            return frozenset({"STOPPED", "START_FAILED"} | ({"ERROR"} if self.settings.start_from_error else set()))
        if action == "stop":
            return frozenset({"RUNNING"})
        # Delete: STOPPED, FROZEN and the failed statuses (the docs are silent);
        # RUNNING too under `delete_running`, as live-proven clients do.
        return frozenset({"STOPPED", "FROZEN"} | FAILED | ({"RUNNING"} if self.settings.delete_running else set()))

    def _check_action(self, nb: Notebook, action: str) -> None:
        if nb.status not in self.allowed_from(action):
            raise ApiError(REFUSALS[action].get(nb.status, "ModelArts.6357"))

    def start(self, notebook_id: str, req: StartRequest, now_ms: int) -> Notebook:
        nb = self.get(notebook_id, allow_deleted=False)
        self._check_action(nb, "start")
        self._request_lease(nb, req.duration_ms)
        if req.lease_type is not None:
            nb.lease_type = req.lease_type
        nb.fail_reason = None
        nb.token = new_token()
        self._reset_lease(nb, now_ms)
        self._set_status(nb, "STARTING", now_ms, "start")
        self._schedule(nb, "RUNNING", now_ms, "start")
        return nb

    def stop(self, notebook_id: str, now_ms: int, cause: str = "stop") -> Notebook:
        nb = self.get(notebook_id, allow_deleted=False)
        self._check_action(nb, "stop")
        # The use case shows the lease recomputed on stop as well.
        self._reset_lease(nb, now_ms)
        self._set_status(nb, "STOPPING", now_ms, cause)
        self._schedule(nb, "STOPPED", now_ms, cause)
        return nb

    def delete(self, notebook_id: str, now_ms: int) -> Notebook:
        nb = self.get(notebook_id, allow_deleted=False)
        self._check_action(nb, "delete")
        self._set_status(nb, "DELETING", now_ms, "delete")
        self._schedule(nb, "DELETED", now_ms, "delete")
        return nb

    def update(self, notebook_id: str, req: UpdateRequest, now_ms: int) -> Notebook:
        nb = self.get(notebook_id, allow_deleted=False)
        changes = req.changes
        if nb.status in TRANSIENT:
            raise ApiError("ModelArts.6357")
        if nb.status == "FROZEN" and changes:
            raise ApiError("ModelArts.6326")
        if not self.settings.update_while_running and nb.status != "STOPPED":
            raise ApiError("ModelArts.6347", nb.status, ", ".join(changes) or "request")
        for key in changes:
            if nb.status not in UPDATE_ALLOWED_IN[key]:
                raise ApiError("ModelArts.6347", nb.status, key)

        image: Json | None = None
        if "flavor" in changes and changes["flavor"] != nb.flavor:
            if self.catalog.flavor(changes["flavor"]) is None:
                raise ApiError("ModelArts.6323")
            allowed = {f["id"] for f in self.catalog.switchable_flavors(nb.flavor)}
            if changes["flavor"] not in allowed:
                raise ApiError("ModelArts.6792", nb.id, changes["flavor"])
        if "image_id" in changes:
            image = self.catalog.image(changes["image_id"])
            if image is None:
                raise ApiError("ModelArts.6797", changes["image_id"])
            check_image_fits(image, self.catalog.flavor(changes.get("flavor", nb.flavor)))
        if changes.get("storage_new_size") == nb.volume["capacity"]:
            # The current size again is no change: clients that send the
            # whole update body (a flavor change with the size as it is) pass.
            changes = {k: v for k, v in changes.items() if k != "storage_new_size"}
        if "storage_new_size" in changes:
            self._check_resize(nb, changes["storage_new_size"])

        for key in ("name", "description", "flavor", "endpoints", "hooks"):
            if key in changes:
                setattr(nb, key, changes[key])
        if image is not None:
            nb.image = notebook_image_view(image)
        if "storage_new_size" in changes:
            nb.volume["capacity"] = changes["storage_new_size"]
            nb.volume["status"] = "RESIZING"
            nb.resize_due_ms = now_ms + self.transition_ms
        if changes:
            nb.update_at = max(nb.update_at, now_ms)
        return nb

    def _check_resize(self, nb: Notebook, new_size: int) -> None:
        # storage_new_size is read as the new total size (the docs are silent).
        if nb.volume["category"] != "EVS":
            raise ApiError("ModelArts.6324", message="Only EVS storage can be expanded.")
        if nb.resize_due_ms is not None:
            raise ApiError("ModelArts.6357")
        current = int(nb.volume["capacity"])
        if new_size <= current:
            raise wrong_value("storage_new_size", f"It must be larger than the current {current} GB.")
        if new_size > EVS_MAX_GB:
            raise ApiError("ModelArts.6331", 5, EVS_MAX_GB)
        if nb.status == "RUNNING" and new_size - current > RUNNING_RESIZE_STEP_GB:
            raise wrong_value(
                "storage_new_size",
                f"A running instance grows by at most {RUNNING_RESIZE_STEP_GB} GB per expansion.",
            )

    # lease -------------------------------------------------------------------

    def require_running(self, notebook_id: str) -> Notebook:
        nb = self.get(notebook_id, allow_deleted=False)
        if nb.status != "RUNNING":
            raise ApiError("ModelArts.6327")
        return nb

    def renew(self, notebook_id: str, req: RenewRequest, now_ms: int) -> Notebook:
        nb = self.require_running(notebook_id)
        if req.lease_type is not None:
            nb.lease_type = req.lease_type
        self._request_lease(nb, req.duration_ms)
        self._reset_lease(nb, now_ms)
        return nb

    @staticmethod
    def _request_lease(nb: Notebook, duration_ms: int | None) -> None:
        """A requested duration D: LEASE_OFF turns auto-stop off, any other D turns it on."""
        if duration_ms is None:
            return
        nb.lease_enable = duration_ms != LEASE_OFF
        if duration_ms != LEASE_OFF:
            nb.lease_request_ms = duration_ms

    # OBS mounts --------------------------------------------------------------

    def mount(self, notebook_id: str, req: MountRequest, now_ms: int) -> Mount:
        nb = self.require_running(notebook_id)
        if any(m.mount_path == req.mount_path for m in nb.mounts.values()):
            raise wrong_value("mount_path", "Another storage is already mounted there.")
        mount = Mount(str(uuid.uuid4()), "OBSFS", req.mount_path, req.uri, "MOUNTING", now_ms + self.transition_ms)
        nb.mounts[mount.id] = mount
        return mount

    def get_mount(self, notebook_id: str, storage_id: str) -> Mount:
        nb = self.get(notebook_id, allow_deleted=False)
        mount = nb.mounts.get(storage_id)
        if mount is None:
            raise ApiError("ModelArts.6624")
        return mount

    def unmount(self, notebook_id: str, storage_id: str, now_ms: int) -> Mount:
        nb = self.get(notebook_id, allow_deleted=False)
        mount = self.get_mount(notebook_id, storage_id)
        if nb.status != "RUNNING":
            raise ApiError("ModelArts.6327")
        if mount.status != "MOUNTED":
            raise ApiError("ModelArts.6357")
        mount.status, mount.due_ms = "UNMOUNTING", now_ms + self.transition_ms
        return mount

    # save as image -----------------------------------------------------------

    def snapshot(self, notebook_id: str, image_id: str, now_ms: int) -> Notebook:
        nb = self.require_running(notebook_id)
        self._set_status(nb, "SNAPSHOTTING", now_ms, "create-image")
        self._schedule(nb, "RUNNING", now_ms, "create-image", image_id=image_id)
        return nb

    # test support ------------------------------------------------------------

    def force_status(self, notebook_id: str, status: str, now_ms: int, fail_reason: str | None, cause: str) -> Notebook:
        nb = self.get(notebook_id)
        nb.pending = None
        nb.fail_reason = fail_reason if fail_reason else (nb.fail_reason if status in FAILED else None)
        if status == "RUNNING" and nb.status != "RUNNING":
            nb.ever_running = True
            self._reset_lease(nb, now_ms)
        self._set_status(nb, status, now_ms, cause)
        if status in SETTLES_TO:
            self._schedule(nb, SETTLES_TO[status], now_ms, cause)
        return nb

    def expire_lease(self, notebook_id: str, now_ms: int) -> Notebook:
        nb = self.get(notebook_id, allow_deleted=False)
        if nb.status != "RUNNING":
            raise ApiError("ModelArts.6327")
        nb.lease_enable = True
        nb.lease_duration = now_ms - nb.lease_create_at
        nb.lease_update_at = now_ms
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
