"""OBS storage mounts on running notebooks."""

from __future__ import annotations

import uuid

from .errors import ApiError, wrong_value
from .payloads import MountRequest
from .state import Mount, NotebookRecords


class MountStore:
    """Mounts live on their notebook's record; callers hold the emulator lock."""

    def __init__(self, records: NotebookRecords) -> None:
        self.records = records

    def mount(self, notebook_id: str, req: MountRequest, now_ms: int) -> Mount:
        nb = self.records.require_running(notebook_id)
        if any(m.mount_path == req.mount_path for m in nb.mounts.values()):
            raise wrong_value("mount_path", "Another storage is already mounted there.")
        due_ms = now_ms + self.records.transition_ms
        mount = Mount(str(uuid.uuid4()), "OBSFS", req.mount_path, req.uri, "MOUNTING", due_ms)
        nb.mounts[mount.id] = mount
        return mount

    def get_mount(self, notebook_id: str, storage_id: str) -> Mount:
        nb = self.records.get(notebook_id, allow_deleted=False)
        mount = nb.mounts.get(storage_id)
        if mount is None:
            raise ApiError("ModelArts.6624")
        return mount

    def unmount(self, notebook_id: str, storage_id: str, now_ms: int) -> Mount:
        nb = self.records.get(notebook_id, allow_deleted=False)
        mount = self.get_mount(notebook_id, storage_id)
        if nb.status != "RUNNING":
            raise ApiError("ModelArts.6327")
        if mount.status != "MOUNTED":
            raise ApiError("ModelArts.6357")
        mount.status, mount.due_ms = "UNMOUNTING", now_ms + self.records.transition_ms
        return mount
