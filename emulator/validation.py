"""Request validation with the documented constraints and error codes.

Enum values are accepted in any case (the examples send `evs`, `managed`,
`timing`) and normalised to the uppercase spelling responses use.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from .catalog import Json
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
        raise wrong_type("duration", "long") from None
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
                    raise wrong_value("allowed_access_ips", "Each entry must be an IP address.") from None
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
