"""Response bodies, shaped like the documented examples.

Undocumented fields the examples carry (create_at, update_at, tags,
user_id, data_volumes, volume.read_only) are emitted too, because real
responses have them and clients must tolerate them.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from .catalog import Json
from .settings import Settings
from .state import Mount, Notebook

MOUNT_PATH = "/home/ma-user/work/"
PROGRESS_STEPS = (
    (1, "Prepare the storage."),
    (2, "Prepare the compute resource."),
    (3, "Configuring the network."),
    (4, "Initialize the notebook instance."),
)


def notebook_url(nb: Notebook, settings: Settings) -> str:
    return f"https://{settings.notebook_host}/{nb.id}/lab"


def lease_view(nb: Notebook) -> Json:
    return {
        "create_at": nb.lease_create_at,
        "duration": nb.lease_duration,
        "enable": nb.lease_enable,
        "type": nb.lease_type,
        "update_at": nb.lease_update_at,
    }


def mount_view(mount: Mount) -> Json:
    return {
        "id": mount.id,
        "category": mount.category,
        "mount_path": mount.mount_path,
        "uri": mount.uri,
        "status": mount.status,
    }


def _progress(nb: Notebook) -> list[Json]:
    if nb.ever_running:
        states = ["COMPLETED"] * 4
    elif nb.status == "CREATE_FAILED":
        states = ["COMPLETED", "FAILED", "WAITING", "WAITING"]
    elif nb.status == "CREATING":
        states = ["PROCESSING", "WAITING", "WAITING", "WAITING"]
    else:
        states = ["WAITING"] * 4
    # The docs name the text `step_description`, the use case `description`.
    return [
        {"notebook_id": nb.id, "step": step, "status": status, "step_description": text, "description": text}
        for (step, text), status in zip(PROGRESS_STEPS, states, strict=True)
    ]


def _endpoints(nb: Notebook, settings: Settings) -> list[Json]:
    requested = list(nb.endpoints)
    if nb.ever_running and not any(e["service"] == "NOTEBOOK" for e in requested):
        # The use case shows a NOTEBOOK endpoint on a running instance whose
        # create request had none.
        requested.insert(0, {"service": "NOTEBOOK", "key_pair_names": [], "allowed_access_ips": []})
    result: list[Json] = []
    for endpoint in requested:
        view: Json = {
            "service": endpoint["service"],
            "dev_service": endpoint["service"],
            "ssh_keys": list(endpoint["key_pair_names"]),
            "allowed_access_ips": list(endpoint["allowed_access_ips"]),
        }
        if nb.ever_running:
            if endpoint["service"] == "SSH":
                port = 30000 + int(nb.id[:4], 16) % 10000
                view["uri"] = f"ssh://ma-user@dev-{settings.notebook_host}:{port}"
            else:
                view["uri"] = notebook_url(nb, settings)
        result.append(view)
    return result


def notebook_view(nb: Notebook, settings: Settings, *, volume_ids: bool = True) -> Json:
    """The Notebook body; `volume_ids=False` leaves out `volume.uri` and
    `volume.id`, as the show and list pages' VolumeRes does."""
    volume: Json = {
        "category": nb.volume["category"],
        "ownership": nb.volume["ownership"],
        "capacity": nb.volume["capacity"],
        "mount_path": MOUNT_PATH,
        "read_only": False,
    }
    for key in ("status", "uri", "id") if volume_ids else ("status",):
        if key in nb.volume:
            volume[key] = nb.volume[key]
    body: Json = {
        "id": nb.id,
        "name": nb.name,
        "description": nb.description,
        "flavor": nb.flavor,
        "feature": nb.feature,
        "status": nb.status,
        "token": nb.token,
        "workspace_id": nb.workspace_id,
        "create_at": nb.create_at,
        "update_at": nb.update_at,
        "image": dict(nb.image),
        "lease": lease_view(nb),
        "volume": volume,
        "endpoints": _endpoints(nb, settings),
        "action_progress": _progress(nb),
        "billing_items": ["COMPUTE"] if nb.status == "RUNNING" else [],
        "user": {
            "id": settings.user_id,
            "name": settings.username,
            "domain": {"id": settings.domain_id, "name": settings.domain},
        },
        "user_id": settings.user_id,
        "tags": [],
        "data_volumes": [mount_view(m) for m in nb.mounts.values()],
    }
    # The create response has no url; the examples show it once the
    # instance has been up.
    if nb.ever_running:
        body["url"] = notebook_url(nb, settings)
    if nb.fail_reason:
        body["fail_reason"] = nb.fail_reason
    if nb.pool_id:
        body["pool"] = {"id": nb.pool_id, "name": nb.pool_id}
    if nb.hooks:
        body["hooks"] = nb.hooks
    return body


def page(items: Sequence[Any], offset: int, limit: int | None, cap: int = 0) -> Json:
    """The Page envelope. `current` is 0-based and `size` is the page size,
    as in the notebook list example (current 0, size 10, two items). A `cap`
    above 0 is the service's own page size limit: it wins over `limit`."""
    if cap:
        limit = cap if limit is None else min(limit, cap)
    total = len(items)
    if limit is None:
        data = list(items[offset:])
        return {"current": 0, "data": data, "pages": 1 if total else 0, "size": len(data), "total": total}
    data = list(items[offset: offset + limit])
    return {
        "current": offset // limit,
        "data": data,
        "pages": math.ceil(total / limit),
        "size": limit,
        "total": total,
    }
