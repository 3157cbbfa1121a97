"""The operations on notebooks: create, start, stop, delete, update, lease,
save as image, and the test-support pushes. Each takes a typed request and
checks what depends on the notebook's status and the readings.
"""

from __future__ import annotations

import uuid

from .catalog import Json, notebook_image_view
from .errors import ApiError, wrong_value
from .payloads import CreateRequest, RenewRequest, StartRequest, UpdateRequest
from .settings import LEASE_OFF
from .state import (
    FAILED,
    REFUSALS,
    RUNNING_RESIZE_STEP_GB,
    SETTLES_TO,
    TRANSIENT,
    UPDATE_ALLOWED_IN,
    Notebook,
    NotebookRecords,
    new_token,
)
from .validation import DEFAULT_LEASE_MS, EVS_MAX_GB, check_image_fits


class NotebookStore(NotebookRecords):
    """Callers hold the emulator lock."""

    # lifecycle ---------------------------------------------------------------

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
        failure = self.settings.next_create_fails_with
        if failure:
            self.settings.next_create_fails_with = ""  # one create only
            self._schedule(nb, "CREATE_FAILED", now_ms, "create", fail_reason=failure)
        else:
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
