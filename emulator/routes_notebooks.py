"""Notebook routes: create, list, show, update, delete, start, stop, lease, flavors."""

from __future__ import annotations

from flask import Response, request

from .catalog import Json
from .context import emulator, json_body, locked
from .payloads import StartRequest, parse_create, parse_renew, parse_update
from .queries import modelarts_blueprint, ok, query_enum, query_int, sort_json, sort_spec
from .state import sort_notebooks
from .validation import FEATURES, LEASE_TYPES, STATUSES, as_object, check_name, query_lease_duration
from .views import lease_view, notebook_view, page

blueprint = modelarts_blueprint("notebooks")


@blueprint.post("/notebooks")
def create_notebook() -> Response:
    body = json_body()
    ctx = emulator()
    with locked() as now:
        req = parse_create(body, ctx.settings, ctx.catalog)
        nb = ctx.notebooks.create(req, now)
        return ok(notebook_view(nb, ctx.settings))


def _list_notebooks() -> Response:
    feature = query_enum("feature", FEATURES, "NOTEBOOK")
    name = request.args.get("name") or None
    if name is not None:
        check_name(name)
    status = query_enum("status", STATUSES)
    pool_id = request.args.get("pool_id") or None
    # The list takes `workspaceId` (camelCase); `workspace_id` is not a
    # parameter here and is ignored like any unknown one.
    workspace_id = request.args.get("workspaceId") or None
    keys, descending = sort_spec()
    limit = query_int("limit", 10, minimum=1)
    offset = query_int("offset", 0) or 0
    ctx = emulator()
    with locked() as now:
        # Under the `list_lag_seconds` reading a new notebook shows in lists
        # only that long after its create (GET by id sees it at once).
        visible_from = now - round(ctx.settings.list_lag_seconds * 1000)
        items = [
            nb
            for nb in ctx.notebooks.notebooks.values()
            if nb.create_at <= visible_from
            and nb.feature == feature
            and (name is None or name.lower() in nb.name.lower())
            and (status is None or nb.status == status)
            and (pool_id is None or nb.pool_id == pool_id)
            and (workspace_id is None or nb.workspace_id == workspace_id)
        ]
        items = sort_notebooks(items, keys, descending)
        views = [notebook_view(nb, ctx.settings, volume_ids=ctx.settings.report_volume_ids) for nb in items]
        cap = ctx.settings.max_page_size
    return ok(page(views, offset, limit, cap))


@blueprint.get("/notebooks")
def list_notebooks() -> Response:
    return _list_notebooks()


@blueprint.get("/notebooks/all")
def list_all_notebooks() -> Response:
    # The docs do not say how /all differs; the emulator has one user, so
    # "all users of the account" is the same set.
    return _list_notebooks()


FLAVOR_SORT = {"id": "id", "name": "name", "vcpus": "vcpus", "memory": "memory", "category": "category",
               "arch": "arch"}


def _flavor_page(flavors: list[Json]) -> Response:
    limit = query_int("limit", None, minimum=1)
    offset = query_int("offset", 0) or 0
    body = page(flavors, offset, limit)
    # Documented as the page envelope plus `flavors` with the same list.
    body["flavors"] = list(body["data"])
    return ok(body)


@blueprint.get("/notebooks/flavors")
def list_flavors() -> Response:
    category = query_enum("category", ("CPU", "GPU"))
    # `type` is the cluster type; every seed flavor is offered on both.
    query_enum("type", ("MANAGED", "DEDICATED"))
    keys, descending = sort_spec()
    ctx = emulator()
    with ctx.lock:
        flavors = [dict(f) for f in ctx.catalog.flavors if category is None or f["category"] == category]
    return _flavor_page(sort_json(flavors, keys, descending, FLAVOR_SORT))


@blueprint.get("/notebooks/<notebook_id>")
def show_notebook(notebook_id: str) -> Response:
    ctx = emulator()
    with locked():
        nb = ctx.notebooks.get(notebook_id)
        return ok(notebook_view(nb, ctx.settings, volume_ids=ctx.settings.report_volume_ids))


@blueprint.put("/notebooks/<notebook_id>")
def update_notebook(notebook_id: str) -> Response:
    body = json_body()
    ctx = emulator()
    with locked() as now:
        ctx.notebooks.get(notebook_id, allow_deleted=False)
        nb = ctx.notebooks.update(notebook_id, parse_update(body), now)
        return ok(notebook_view(nb, ctx.settings))


@blueprint.delete("/notebooks/<notebook_id>")
def delete_notebook(notebook_id: str) -> Response:
    ctx = emulator()
    with locked() as now:
        return ok(notebook_view(ctx.notebooks.delete(notebook_id, now), ctx.settings))


@blueprint.post("/notebooks/<notebook_id>/start")
def start_notebook(notebook_id: str) -> Response:
    body = json_body()
    if body is not None:
        as_object(body)
    ctx = emulator()
    lease_type = query_enum("type", LEASE_TYPES)
    with locked() as now:
        ctx.notebooks.get(notebook_id, allow_deleted=False)
        duration = query_lease_duration(request.args.get("duration"), ctx.settings)
        nb = ctx.notebooks.start(notebook_id, StartRequest(duration, lease_type), now)
        return ok(notebook_view(nb, ctx.settings))


@blueprint.post("/notebooks/<notebook_id>/stop")
def stop_notebook(notebook_id: str) -> Response:
    ctx = emulator()
    with locked() as now:
        return ok(notebook_view(ctx.notebooks.stop(notebook_id, now), ctx.settings))


@blueprint.get("/notebooks/<notebook_id>/lease")
def show_lease(notebook_id: str) -> Response:
    ctx = emulator()
    with locked():
        return ok(lease_view(ctx.notebooks.require_running(notebook_id)))


@blueprint.patch("/notebooks/<notebook_id>/lease")
def renew_lease(notebook_id: str) -> Response:
    body = json_body()
    ctx = emulator()
    with locked() as now:
        ctx.notebooks.get(notebook_id, allow_deleted=False)
        query_duration = query_lease_duration(request.args.get("duration"), ctx.settings)
        ctx.notebooks.require_running(notebook_id)
        nb = ctx.notebooks.renew(notebook_id, parse_renew(body, query_duration, ctx.settings), now)
        return ok(lease_view(nb))


@blueprint.get("/notebooks/<notebook_id>/flavors")
def switchable_flavors(notebook_id: str) -> Response:
    ctx = emulator()
    with locked():
        nb = ctx.notebooks.get(notebook_id, allow_deleted=False)
        flavors = [dict(f) for f in ctx.catalog.switchable_flavors(nb.flavor)]
    return _flavor_page(flavors)
