"""Image routes: list, groups, show, register, delete, and saving a notebook as an image."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from flask import Response, request

from .catalog import Json, NewImage
from .context import emulator, json_body, locked
from .errors import ApiError, wrong_type, wrong_value
from .queries import modelarts_blueprint, ok, query_bool, query_enum, query_int, sort_json, sort_spec
from .validation import DESCRIPTION_MAX, as_enum, as_object, as_string
from .views import page

blueprint = modelarts_blueprint("images")


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
        flavor = ctx.catalog.flavor(nb.flavor) or {}
        image = ctx.catalog.add_image(NewImage(
            name=name,
            namespace=namespace,
            tag=tag,
            swr_path=f"swr.{ctx.settings.project_name}.emulator.local/{namespace}/{name}:{tag}",
            arch=flavor.get("arch", "x86_64"),
            origin="IMAGE_SAVE",
            resource_categories=[flavor.get("category", "CPU")],
            description=description,
            status="INIT",
            workspace_id=as_string(body.get("workspace_id") or nb.workspace_id, "workspace_id"),
        ), now)
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
        raise wrong_value("swr_path", "Expected {registry}/{namespace}/{name}:{tag}.") from None
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
        image = ctx.catalog.add_image(NewImage(
            name=name,
            namespace=namespace,
            tag=tag,
            swr_path=swr_path,
            arch=arch,
            origin=origin,
            resource_categories=categories,
            dev_services=services,
            description=description,
            service_type=service_type,
            visibility=visibility,
            workspace_id=workspace_id,
            size=1_073_741_824,
        ), now)
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
