"""ModelArts DevEnviron v1 routes under /v1/{project_id}.

Authentication and the project check happen in the app's request gate, so
the handlers only see calls that are allowed in.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any, Callable

from flask import Blueprint, Response, jsonify, request

from .context import emulator, json_body, locked
from .catalog import Json
from .errors import ApiError, wrong_type, wrong_value
from .payloads import StartRequest, parse_create, parse_mount, parse_renew, parse_update
from .state import sort_notebooks
from .validation import (
    DESCRIPTION_MAX,
    FEATURES,
    STATUSES,
    as_enum,
    as_object,
    as_string,
    check_name,
    query_lease_duration,
    LEASE_TYPES,
)
from .views import lease_view, mount_view, notebook_view, page

blueprint = Blueprint("modelarts", __name__, url_prefix="/v1/<project_id>")


@blueprint.url_value_preprocessor
def _drop_project(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # The gate has already checked it against the emulator's project.
    if values is not None:
        values.pop("project_id", None)


# query helpers -----------------------------------------------------------------


def query_int(name: str, default: int | None, minimum: int = 0) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise wrong_type(name, "integer")
    if value < minimum:
        raise wrong_value(name, f"It must be at least {minimum}.")
    return value


def query_bool(name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise wrong_type(name, "boolean")
    return lowered == "true"


def query_enum(name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return as_enum(raw, name, allowed)


def sort_spec() -> tuple[list[str], bool]:
    descending = query_enum("sort_dir", ("ASC", "DESC"), "DESC") == "DESC"
    keys = [k.strip() for k in (request.args.get("sort_key") or "").split(",") if k.strip()]
    return keys, descending


def sort_json(items: list[Json], keys: list[str], descending: bool, aliases: dict[str, str]) -> list[Json]:
    if not keys:
        return items
    fields = []
    for key in keys:
        if key not in aliases:
            raise ApiError("ModelArts.6303")
        fields.append(aliases[key])

    def sort_value(item: Json) -> tuple[Any, ...]:
        return tuple((item.get(f) is not None, item.get(f) if item.get(f) is not None else 0) for f in fields)

    return sorted(items, key=sort_value, reverse=descending)


def ok(body: Any) -> Response:
    return jsonify(body)


# notebooks ---------------------------------------------------------------------


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
        visible_from = now - int(round(ctx.settings.list_lag_seconds * 1000))
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


@blueprint.post("/notebooks/<notebook_id>/create-image")
def save_image(notebook_id: str) -> Response:
    body = json_body()
    body = as_object(body) if body is not None else {}
    ctx = emulator()
    with locked() as now:
        nb = ctx.notebooks.require_running(notebook_id)
        name = _image_part(body.get("name"), "name", 512, lower=True) or nb.name.lower().replace("_", "-")
        namespace = _image_part(body.get("namespace"), "namespace", 64, lower=True) or "emulator"
        tag = _image_part(body.get("tag"), "tag", 64, lower=False) or str(now)
        description = as_string(body.get("description") or "", "description")
        if len(description) > DESCRIPTION_MAX:
            raise wrong_value("description")
        if ctx.catalog.find_tag(namespace, name, tag) is not None:
            raise ApiError("ModelArts.6737", tag, name)
        flavor = ctx.catalog.flavor(nb.flavor) or {}
        image = {
            "arch": flavor.get("arch", "x86_64"),
            "create_at": now,
            "description": description,
            "dev_services": ["NOTEBOOK", "SSH"],
            "id": str(uuid.uuid4()),
            "name": name,
            "namespace": namespace,
            "origin": "IMAGE_SAVE",
            "resource_categories": [flavor.get("category", "CPU")],
            "service_type": "UNKNOWN",
            "status": "INIT",
            "swr_path": f"swr.{ctx.settings.project_name}.emulator.local/{namespace}/{name}:{tag}",
            "tag": tag,
            "type": "DEDICATED",
            "update_at": now,
            "visibility": "PRIVATE",
            "workspace_id": as_string(body.get("workspace_id") or nb.workspace_id, "workspace_id"),
        }
        ctx.catalog.add_image(image)
        ctx.notebooks.snapshot(notebook_id, image["id"], now)
        return ok(dict(image))


def _image_part(value: Any, name: str, max_len: int, lower: bool) -> str | None:
    if value is None or value == "":
        return None
    text = as_string(value, name)
    allowed = "abcdefghijklmnopqrstuvwxyz0123456789._-"
    if not lower:
        allowed += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if len(text) > max_len or any(ch not in allowed for ch in text):
        raise wrong_value(name)
    return text


# OBS storage mounts ----------------------------------------------------------


@blueprint.post("/notebooks/<notebook_id>/storage")
def mount_storage(notebook_id: str) -> Response:
    body = json_body()
    ctx = emulator()
    with locked() as now:
        ctx.notebooks.require_running(notebook_id)
        return ok(mount_view(ctx.notebooks.mount(notebook_id, parse_mount(body), now)))


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
        return ok(mount_view(ctx.notebooks.get_mount(notebook_id, storage_id)))


@blueprint.delete("/notebooks/<notebook_id>/storage/<storage_id>")
def unmount_storage(notebook_id: str, storage_id: str) -> Response:
    ctx = emulator()
    with locked() as now:
        return ok(mount_view(ctx.notebooks.unmount(notebook_id, storage_id, now)))


# images ------------------------------------------------------------------------

IMAGE_SORT = {"update_at": "update_at", "updateTime": "update_at", "create_at": "create_at",
              "createTime": "create_at", "name": "name"}
IMAGE_TYPES = ("BUILD_IN", "DEDICATED")
SERVICE_TYPES = ("COMMON", "INFERENCE", "TRAIN", "DEV", "UNKNOWN")


def _image_filter() -> Callable[[Json], bool]:
    name = request.args.get("name") or None
    fuzzy = query_bool("name_fuzzy_match", True)
    namespace = request.args.get("namespace") or None
    image_type = query_enum("type", IMAGE_TYPES)
    service_type = query_enum("service_type", SERVICE_TYPES)
    workspace_id = request.args.get("workspace_id") or None

    def keep(img: Json) -> bool:
        if name is not None:
            if fuzzy and name.lower() not in str(img.get("name", "")).lower():
                return False
            if not fuzzy and img.get("name") != name:
                return False
        return (
            (namespace is None or img.get("namespace") == namespace)
            and (image_type is None or img.get("type") == image_type)
            and (service_type is None or img.get("service_type") == service_type)
            and (workspace_id is None or img.get("workspace_id", "0") == workspace_id)
        )

    return keep


@blueprint.get("/images")
def list_images() -> Response:
    keep = _image_filter()
    keys, descending = sort_spec()
    limit = query_int("limit", 200, minimum=1)
    offset = query_int("offset", 0) or 0
    ctx = emulator()
    with locked():
        images = [dict(img) for img in ctx.catalog.visible_images() if keep(img)]
    return ok(page(sort_json(images, keys, descending, IMAGE_SORT), offset, limit))


@blueprint.get("/images/group")
def list_image_groups() -> Response:
    # "Overview of user image information": user (DEDICATED) images unless
    # another type is asked for.
    keep = _image_filter()
    image_type = query_enum("type", IMAGE_TYPES, "DEDICATED")
    ctx = emulator()
    with locked():
        images = [img for img in ctx.catalog.visible_images() if keep(img) and img.get("type") == image_type]
    groups: dict[tuple[str, str], list[Json]] = defaultdict(list)
    for img in images:
        groups[(str(img.get("name", "")), str(img.get("namespace", "")))].append(img)
    data = [
        {
            "create_at": min(int(i.get("create_at", 0)) for i in members),
            "name": name,
            "namespace": namespace,
            "update_at": max(int(i.get("update_at", 0)) for i in members),
            "version_count": len(members),
        }
        for (name, namespace), members in groups.items()
    ]
    body = page(data, 0, None)
    body["current"] = 1 if data else 0
    return ok(body)


def _image_not_found(image_id: str) -> ApiError:
    status = 404 if emulator().settings.not_found_style == "404" else 400
    return ApiError("ModelArts.6797", image_id, status=status)


@blueprint.get("/images/<image_id>")
def show_image(image_id: str) -> Response:
    ctx = emulator()
    with locked():
        image = ctx.catalog.image(image_id)
        if image is None:
            raise _image_not_found(image_id)
        body = dict(image)
    body.setdefault("support_res_categories", list(body.get("resource_categories") or []))
    return ok(body)


@blueprint.post("/images")
def register_image() -> Response:
    body = as_object(json_body())
    if not body.get("swr_path"):
        raise ApiError("ModelArts.6335", "swr_path")
    swr_path = as_string(body["swr_path"], "swr_path")
    try:
        _registry, namespace, rest = swr_path.split("/", 2)
        name, tag = rest.rsplit(":", 1)
    except ValueError:
        raise wrong_value("swr_path", "Expected {registry}/{namespace}/{name}:{tag}.")
    if not namespace or not name or not tag or "/" in name:
        raise wrong_value("swr_path", "Expected {registry}/{namespace}/{name}:{tag}.")
    description = as_string(body.get("description") or "", "description")
    if len(description) > DESCRIPTION_MAX:
        raise wrong_value("description")
    arch = as_enum(body.get("arch") or "X86_64", "arch", ("X86_64", "AARCH64")).lower()
    origin = as_enum(body.get("origin") or "CUSTOMIZE", "origin", ("CUSTOMIZE", "IMAGE_SAVE"))
    service_type = as_enum(body.get("service_type") or "UNKNOWN", "service_type", SERVICE_TYPES)
    visibility = as_enum(body.get("visibility") or "PRIVATE", "visibility", ("PRIVATE", "PUBLIC"))
    categories = _enum_list(body.get("resource_category"), "resource_category", ("CPU", "GPU"), ["CPU", "GPU"])
    services = _enum_list(body.get("services"), "services", ("NOTEBOOK", "SSH"), ["NOTEBOOK", "SSH"])
    workspace_id = as_string(body.get("workspace_id") or "0", "workspace_id")
    ctx = emulator()
    with locked() as now:
        if ctx.catalog.find_tag(namespace, name, tag) is not None:
            raise ApiError("ModelArts.6737", tag, name)
        image = {
            "arch": arch,
            "create_at": now,
            "description": description,
            "dev_services": services,
            "id": str(uuid.uuid4()),
            "name": name,
            "namespace": namespace,
            "origin": origin,
            "resource_categories": categories,
            "service_type": service_type,
            "size": 1_073_741_824,
            "status": "ACTIVE",
            "swr_path": swr_path,
            "tag": tag,
            "type": "DEDICATED",
            "update_at": now,
            "visibility": visibility,
            "workspace_id": workspace_id,
        }
        ctx.catalog.add_image(image)
        return ok(dict(image))


def _enum_list(value: Any, name: str, allowed: tuple[str, ...], default: list[str]) -> list[str]:
    if value is None:
        return list(default)
    if not isinstance(value, list):
        raise wrong_type(name, "array")
    return [as_enum(v, name, allowed) for v in value]


@blueprint.delete("/images/<image_id>")
def delete_image(image_id: str) -> Response:
    query_bool("force", False)
    ctx = emulator()
    with locked() as now:
        image = ctx.catalog.image(image_id)
        if image is None:
            raise _image_not_found(image_id)
        if image.get("type") != "DEDICATED":
            raise ApiError("ModelArts.0108", "delete a built-in image")
        ctx.catalog.remove_image(image_id)
        body = dict(image)
        body["status"] = "DELETED"
        body["update_at"] = now
        return ok(body)
