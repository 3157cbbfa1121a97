"""The typed requests the notebook store takes, parsed from the wire.

Each parser runs the stateless checks (types, ranges, formats) and answers
their documented codes; whatever depends on the notebook's status is the
store's to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog, Json
from .errors import ApiError, required, wrong_value
from .settings import Settings
from .validation import (
    CREATE_DESCRIPTION_FORBIDDEN,
    DEFAULT_LEASE_MS,
    EVS_MAX_GB,
    EVS_MIN_GB,
    FEATURES,
    LEASE_TYPES,
    UPDATE_DESCRIPTION_FORBIDDEN,
    as_enum,
    as_int,
    as_object,
    as_string,
    check_description,
    check_endpoints,
    check_hooks,
    check_image_fits,
    check_lease_duration,
    check_name,
    check_volume,
)


@dataclass
class CreateRequest:
    name: str
    flavor: Json
    image: Json
    volume: Json
    feature: str = "NOTEBOOK"
    description: str = ""
    workspace_id: str = "0"
    pool_id: str | None = None
    endpoints: list[Json] = field(default_factory=list)
    hooks: Json | None = None
    lease_ms: int = DEFAULT_LEASE_MS
    lease_type: str = "TIMING"


def parse_create(body: Any, settings: Settings, catalog: Catalog) -> CreateRequest:
    body = as_object(body)
    for key in ("name", "flavor", "image_id", "volume"):
        if body.get(key) is None:
            raise required(key)
    name = check_name(body["name"])
    description = ""
    if body.get("description") is not None:
        description = check_description(body["description"], CREATE_DESCRIPTION_FORBIDDEN)
    feature = "NOTEBOOK"
    if body.get("feature") is not None:
        feature = as_enum(body["feature"], "feature", FEATURES)

    flavor_id = as_string(body["flavor"], "flavor")
    flavor = catalog.flavor(flavor_id)
    if flavor is None:
        raise ApiError("ModelArts.6323")
    if flavor["feature"] != feature:
        raise ApiError("ModelArts.6870", flavor_id, feature)
    if flavor.get("sold_out"):
        raise ApiError("ModelArts.6329")

    image_id = as_string(body["image_id"], "image_id")
    image = catalog.image(image_id)
    if image is None:
        raise ApiError("ModelArts.6797", image_id)

    volume = check_volume(body["volume"])
    request = CreateRequest(name=name, flavor=flavor, image=image, volume=volume, feature=feature,
                            description=description)

    if body.get("workspace_id") is not None:
        request.workspace_id = as_string(body["workspace_id"], "workspace_id")
    if body.get("pool_id") is not None:
        request.pool_id = as_string(body["pool_id"], "pool_id")
    if body.get("endpoints") is not None:
        request.endpoints = check_endpoints(body["endpoints"])
    if body.get("hooks") is not None:
        request.hooks = check_hooks(body["hooks"])
    check_image_fits(image, flavor)
    services = image.get("dev_services") or []
    if services and "NOTEBOOK" not in services and not any(e["service"] == "SSH" for e in request.endpoints):
        raise ApiError("ModelArts.6768", image_id)

    # The deprecated top-level `duration` wins over `lease`, and then the stop
    # type is the scheduled one (timing), as the create page documents.
    if body.get("duration") is not None:
        request.lease_ms = check_lease_duration(body["duration"], settings)
        request.lease_type = "TIMING"
    elif body.get("lease") is not None:
        lease = as_object(body["lease"], "lease")
        if lease.get("duration") is not None:
            request.lease_ms = check_lease_duration(lease["duration"], settings)
        if lease.get("type") is not None:
            request.lease_type = as_enum(lease["type"], "type", LEASE_TYPES)
    return request


@dataclass(frozen=True)
class UpdateRequest:
    """The normalised fields present in an update body, by name."""

    changes: Json


def parse_update(body: Any) -> UpdateRequest:
    """Normalised present fields; state-dependent checks happen in the store.

    Fields outside the documented update body (volume, lease, ...) are ignored.
    """
    body = as_object(body if body is not None else {})
    changes: Json = {}
    if body.get("name") is not None:
        changes["name"] = check_name(body["name"])
    if body.get("description") is not None:
        changes["description"] = check_description(body["description"], UPDATE_DESCRIPTION_FORBIDDEN)
    if body.get("flavor") is not None:
        changes["flavor"] = as_string(body["flavor"], "flavor")
    if body.get("image_id") is not None:
        changes["image_id"] = as_string(body["image_id"], "image_id")
    if body.get("storage_new_size") is not None:
        size = as_int(body["storage_new_size"], "storage_new_size")
        if size > EVS_MAX_GB or size < EVS_MIN_GB:
            raise ApiError("ModelArts.6331", EVS_MIN_GB, EVS_MAX_GB)
        changes["storage_new_size"] = size
    if body.get("endpoints") is not None:
        changes["endpoints"] = check_endpoints(body["endpoints"])
    if body.get("hooks") is not None:
        changes["hooks"] = check_hooks(body["hooks"])
    return UpdateRequest(changes)


@dataclass(frozen=True)
class StartRequest:
    """Start's query: a new lease duration D (ms, or LEASE_OFF) and stop type, each optional."""

    duration_ms: int | None = None
    lease_type: str | None = None


@dataclass(frozen=True)
class RenewRequest:
    """A renewed lease: D always, the stop type only when it changes."""

    duration_ms: int
    lease_type: str | None = None


def parse_renew(body: Any, query_duration: int | None, settings: Settings) -> RenewRequest:
    """The query `duration` wins over the body's LeaseReq, and then the stop
    type is the scheduled one (the renew page); no duration at all is 6348."""
    lease = as_object(body) if body is not None else {}
    duration = query_duration
    if duration is None and lease.get("duration") is not None:
        duration = check_lease_duration(lease["duration"], settings)
    if duration is None:
        raise ApiError("ModelArts.6348")
    if query_duration is not None:
        return RenewRequest(duration, "TIMING")
    if lease.get("type") is not None:
        return RenewRequest(duration, as_enum(lease["type"], "type", LEASE_TYPES))
    return RenewRequest(duration)


@dataclass(frozen=True)
class MountRequest:
    """An OBS mount: where in the notebook (under /data/) and which OBS directory."""

    mount_path: str
    uri: str


def parse_mount(body: Any) -> MountRequest:
    body = as_object(body if body is not None else {})
    category = as_string(body.get("category", "OBS"), "category").upper()
    if category not in ("OBS", "OBSFS"):
        raise ApiError("ModelArts.6324")
    mount_path = as_string(body.get("mount_path") or "", "mount_path")
    uri = as_string(body.get("uri") or "", "uri")
    if not mount_path:
        raise ApiError("ModelArts.6335", "mount_path")
    if not uri:
        raise ApiError("ModelArts.6335", "uri")
    if not mount_path.endswith("/"):
        raise ApiError("ModelArts.6318")
    if not mount_path.startswith("/data/") or mount_path == "/data/":
        raise wrong_value("mount_path", "The path must be a directory under /data/.")
    if not uri.startswith("obs://"):
        raise wrong_value("uri", "It must look like obs://bucket/dir/.")
    if "/" not in uri[len("obs://"):].strip("/"):
        raise ApiError("ModelArts.6358")
    return MountRequest(mount_path, uri)
