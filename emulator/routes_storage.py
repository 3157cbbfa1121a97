"""OBS storage mount routes under a notebook."""

from __future__ import annotations

from flask import Response

from .context import emulator, json_body, locked
from .payloads import parse_mount
from .queries import modelarts_blueprint, ok, query_int
from .views import mount_view, page

blueprint = modelarts_blueprint("storage")


@blueprint.post("/notebooks/<notebook_id>/storage")
def mount_storage(notebook_id: str) -> Response:
    body = json_body()
    ctx = emulator()
    with locked() as now:
        ctx.notebooks.require_running(notebook_id)
        return ok(mount_view(ctx.mounts.mount(notebook_id, parse_mount(body), now)))


@blueprint.get("/notebooks/<notebook_id>/storage")
def list_storage(notebook_id: str) -> Response:
    ctx = emulator()
    limit = query_int("limit", None, minimum=1)
    offset = query_int("offset", 0) or 0
    with locked():
        nb = ctx.notebooks.get(notebook_id, allow_deleted=False)
        mounts = [mount_view(m) for m in nb.mounts.values()]
    return ok(page(mounts, offset, limit))


@blueprint.get("/notebooks/<notebook_id>/storage/<storage_id>")
def show_storage(notebook_id: str, storage_id: str) -> Response:
    ctx = emulator()
    with locked():
        return ok(mount_view(ctx.mounts.get_mount(notebook_id, storage_id)))


@blueprint.delete("/notebooks/<notebook_id>/storage/<storage_id>")
def unmount_storage(notebook_id: str, storage_id: str) -> Response:
    ctx = emulator()
    with locked() as now:
        return ok(mount_view(ctx.mounts.unmount(notebook_id, storage_id, now)))
