"""Request validation with the documented constraints and error codes.

Enum values are accepted in any case (the examples send `evs`, `managed`,
`timing`) and normalised to the uppercase spelling responses use.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog, Json
from .errors import ERROR_TABLE, ApiError, required, wrong_type, wrong_value
from .settings import LEASE_OFF, Settings

NAME_RE = re.compile(r"[A-Za-z0-9_-]")
NAME_MAX = 128
DESCRIPTION_MAX = 512
# Create forbids the single quote, update does not (both as documented).
CREATE_DESCRIPTION_FORBIDDEN = "&<>\"'/"
UPDATE_DESCRIPTION_FORBIDDEN = "&<>\"/"
EVS_MIN_GB = 5
EVS_MAX_GB = 4096
DEFAULT_CAPACITY_GB = {"EVS": 5, "EFS": 50, "SFS": 50}
MAX_ALLOWED_IPS = 5
DEFAULT_LEASE_MS = 3_600_000

FEATURES = ("DEFAULT", "NOTEBOOK")
CATEGORIES = ("EVS", "EFS", "SFS")
OWNERSHIPS = ("MANAGED", "DEDICATED")
SERVICES = ("NOTEBOOK", "SSH")
LEASE_TYPES = ("TIMING", "IDLE")
HOOK_TYPES = ("COMMAND", "SCRIPT")
STATUSES = (
    "INIT", "CREATING", "STARTING", "STOPPING", "DELETING", "RUNNING", "STOPPED", "SNAPSHOTTING",
    "CREATE_FAILED", "START_FAILED", "DELETE_FAILED", "ERROR", "DELETED", "FROZEN",
)


def as_object(body: Any, what: str = "request body") -> Json:
    if not isinstance(body, dict):
        raise ApiError("ModelArts.6400", what)
    return body


def as_string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise wrong_type(name, "string")
    return value


def as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise wrong_type(name, "integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise wrong_type(name, "integer")


def as_enum(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    text = as_string(value, name).upper()
    if text not in allowed:
        raise wrong_value(name, f"Allowed values: {', '.join(allowed)}.")
    return text


def check_name(value: Any, name: str = "name") -> str:
    text = as_string(value, name)
    if not text or len(text) > NAME_MAX:
        raise wrong_value(name, f"It must contain 1 to {NAME_MAX} characters.")
    for ch in text:
        if not NAME_RE.fullmatch(ch):
            raise ApiError("ModelArts.6334", message=f"Invalid value for {name}. The character `{ch}` is not allowed.")
    return text


def check_description(value: Any, forbidden: str) -> str:
    text = as_string(value, "description")
    if len(text) > DESCRIPTION_MAX:
        raise wrong_value("description", f"It must contain at most {DESCRIPTION_MAX} characters.")
    for ch in text:
        if ch in forbidden:
            raise ApiError(
                "ModelArts.6334", message=f"Invalid value for description. The character `{ch}` is not allowed."
            )
    return text


def check_lease_duration(value: Any, settings: Settings, name: str = "duration") -> int:
    """A requested lease duration in ms; LEASE_OFF (auto-stop off) only under
    the `lease_off_accepted` reading."""
    duration = as_int(value, name)
    if duration == LEASE_OFF and settings.lease_off_accepted:
        return duration
    if not settings.lease_min_ms <= duration <= settings.lease_max_ms:
        raise ApiError("ModelArts.6349", settings.lease_min_ms, settings.lease_max_ms)
    return duration


def query_lease_duration(raw: str | None, settings: Settings) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise wrong_type("duration", "long")
    return check_lease_duration(value, settings)


def check_endpoints(value: Any) -> list[Json]:
    if not isinstance(value, list):
        raise wrong_type("endpoints", "array")
    result: list[Json] = []
    for item in value:
        item = as_object(item, "endpoints")
        endpoint: Json = {"service": "NOTEBOOK", "key_pair_names": [], "allowed_access_ips": []}
        if item.get("service") is not None:
            endpoint["service"] = as_enum(item["service"], "service", SERVICES)
        if item.get("key_pair_names") is not None:
            names = item["key_pair_names"]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise wrong_type("key_pair_names", "array of strings")
            endpoint["key_pair_names"] = list(names)
        if item.get("allowed_access_ips") is not None:
            ips = item["allowed_access_ips"]
            if not isinstance(ips, list) or not all(isinstance(ip, str) for ip in ips):
                raise wrong_type("allowed_access_ips", "array of strings")
            if len(ips) > MAX_ALLOWED_IPS:
                raise wrong_value(
                    "allowed_access_ips", f"A maximum of {MAX_ALLOWED_IPS} public IP addresses are supported."
                )
            for ip in ips:
                try:
                    ipaddress.ip_network(ip, strict=False)
                except ValueError:
                    raise wrong_value("allowed_access_ips", "Each entry must be an IP address.")
            endpoint["allowed_access_ips"] = list(ips)
        result.append(endpoint)
    return result


def check_hooks(value: Any) -> Json:
    hooks = as_object(value, "hooks")
    result: Json = {}
    if hooks.get("container_hooks") is not None:
        container = as_object(hooks["container_hooks"], "container_hooks")
        normalised: Json = {}
        for stage in ("pre_start", "post_start"):
            if container.get(stage) is None:
                continue
            config = as_object(container[stage], stage)
            entry: Json = {"type": "SCRIPT"}
            if config.get("type") is not None:
                entry["type"] = as_enum(config["type"], "type", HOOK_TYPES)
            if config.get("script") is not None:
                entry["script"] = as_string(config["script"], "script")
            normalised[stage] = entry
        result["container_hooks"] = normalised
    return result


def check_volume(value: Any) -> Json:
    if not isinstance(value, dict):
        raise wrong_type("volume", "object")
    if value.get("category") is None:
        raise required("category")
    if value.get("ownership") is None:
        raise required("ownership")
    category = as_string(value["category"], "category").upper()
    if category not in CATEGORIES:
        raise ApiError("ModelArts.6324")
    ownership = as_enum(value["ownership"], "ownership", OWNERSHIPS)
    volume: Json = {"category": category, "ownership": ownership}
    if ownership == "DEDICATED":
        if category != "EFS":
            raise wrong_value("ownership", "DEDICATED is supported only when the category is EFS.")
        for key in ("uri", "id"):
            if not value.get(key):
                raise required(key)
            volume[key] = as_string(value[key], key)
    if value.get("capacity") is not None:
        capacity = as_int(value["capacity"], "capacity")
    else:
        capacity = DEFAULT_CAPACITY_GB[category]
    if category == "EVS" and not EVS_MIN_GB <= capacity <= EVS_MAX_GB:
        raise ApiError("ModelArts.6331", EVS_MIN_GB, EVS_MAX_GB)
    if capacity <= 0:
        raise wrong_value("capacity")
    volume["capacity"] = capacity
    return volume


def check_image_fits(image: Json, flavor: Json | None) -> None:
    """Refuse an image whose resource categories leave out the flavor's category.

    An image that names no categories (the seed's Ascend images) is taken to
    fit every flavor. The table has no code for exactly this; 6330 ("the
    flavor type of profile does not match the type of flavor") is the nearest.
    """
    categories = [str(c).upper() for c in image.get("resource_categories") or []]
    if flavor is None or not categories or flavor["category"] in categories:
        return
    _, template = ERROR_TABLE["ModelArts.6330"]
    raise ApiError(
        "ModelArts.6330",
        message=f"{template} Image {image['id']} supports {', '.join(categories)}; "
        f"flavor {flavor['id']} is {flavor['category']}.",
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


UPDATE_FIELDS = ("name", "description", "flavor", "image_id", "storage_new_size", "endpoints", "hooks")


def parse_update(body: Any) -> Json:
    """Normalised present fields; state-dependent checks happen in the store.

    Fields outside the documented update body (volume, lease, ...) are ignored.
    """
    body = as_object(body)
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
    return changes
