"""What the Pulumi state records of a notebook, and the normal forms plans compare.

The state is the declared inputs overlaid with what the service reports. A
field the service does not report (volume `uri`/`id` in the documented show
and list answers, absent endpoints, lease fields) keeps its recorded value:
silence from the service is never read as a change.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from .identity import split_identity
from .inputs import INPUT_KEYS
from .models import NotebookInfo, NotebookStatus

S = NotebookStatus


def record_state(
    inputs: Mapping[str, Any], notebook: NotebookInfo, timings: Optional[Mapping[str, float]] = None, *,
    refreshed: bool = False,
) -> dict[str, Any]:
    """The state of one notebook: declared inputs, overlaid with the live notebook.

    `timings` (seconds each kind of transition last took) are kept so the next
    run polls at the right moments from its first transition. `refreshed`:
    `inputs` are the state recorded before (a refresh), whose volume already
    holds live values, so the declaration recorded in it stands.
    """
    live = notebook.model_dump(mode="json", exclude_none=True)
    out: dict[str, Any] = {k: inputs.get(k) for k in INPUT_KEYS}
    description, _identity = split_identity(notebook.description)
    out.update(
        notebook_id=notebook.id,
        status=notebook.status,
        url=notebook.url,
        token=notebook.token,
        fail_reason=notebook.fail_reason,
        image=live.get("image"),
        lease=live.get("lease") or inputs.get("lease"),
        auto_stop_at=_auto_stop_at(notebook),
        ssh_address=_ssh_address(notebook),
        volume=_merged_volume(inputs.get("volume"), live.get("volume")),
        endpoints=live.get("endpoints") if notebook.endpoints is not None else inputs.get("endpoints"),
        action_progress=live.get("action_progress"),
        create_at=notebook.create_at,
        timings=dict(timings) if timings is not None else inputs.get("timings"),
        declared=_declared(inputs, refreshed),
        identity_confirmed=inputs.get("identity_confirmed"),
    )
    # Live values of updatable fields, so a change made outside the program shows as drift.
    for key in ("name", "flavor"):
        if getattr(notebook, key):
            out[key] = getattr(notebook, key)
    if inputs.get("description") is not None:
        out["description"] = description
    if notebook.image is not None and notebook.image.id:
        out["image_id"] = notebook.image.id
    return out


def _declared(inputs: Mapping[str, Any], refreshed: bool = False) -> dict[str, Any]:
    """Declared values the live ones may overwrite in state, so a plan can tell a
    change the user made from one made outside the program."""
    previous = inputs.get("declared") or {}
    volume = inputs.get("volume") if isinstance(inputs.get("volume"), Mapping) else None
    if volume is None or (refreshed and "volume_capacity" in previous):
        # A refresh learns what is live, never a new declaration: a volume grown outside the
        # program must not become "declared", or declaring the old size would plan a shrink.
        return dict(previous)
    return {**previous, "volume_capacity": volume.get("capacity")}


def declared_capacity(state: Mapping[str, Any]) -> Optional[int]:
    """The capacity last declared; state written before it was recorded falls back to the live one."""
    declared = state.get("declared") or {}
    if "volume_capacity" in declared:
        return declared["volume_capacity"]
    return volume_key(state.get("volume"))["capacity"]


def _merged_volume(recorded: Any, live: Any) -> Any:
    if not isinstance(live, Mapping):
        return recorded
    merged = dict(recorded) if isinstance(recorded, Mapping) else {}
    merged.update({k: v for k, v in live.items() if v is not None})
    return merged


def _auto_stop_at(notebook: NotebookInfo) -> Optional[str]:
    """When the service will stop the notebook (ISO 8601, UTC); only while RUNNING."""
    lease = notebook.lease
    if notebook.status != S.RUNNING or lease is None or lease.enable is False or lease.expires_at_ms is None:
        return None
    return datetime.fromtimestamp(lease.expires_at_ms / 1000, tz=timezone.utc).isoformat(timespec="seconds")


def _ssh_address(notebook: NotebookInfo) -> Optional[str]:
    for endpoint in notebook.endpoints or []:
        if str(endpoint.service or endpoint.dev_service or "").upper() == "SSH" and endpoint.uri:
            return endpoint.uri
    return None


# ---- normal forms ------------------------------------------------------------------


def volume_key(volume: Any) -> dict[str, Any]:
    """Category and ownership upper-cased; parts the source did not give are None."""
    volume = volume if isinstance(volume, Mapping) else {}
    return {
        "category": _upper(volume.get("category")),
        "ownership": _upper(volume.get("ownership")) or "MANAGED",
        "capacity": volume.get("capacity"),
        "uri": _folder(volume.get("uri")),
        "id": volume.get("id") or None,
    }


def endpoints_key(endpoints: Any) -> Optional[list[tuple[str, tuple[str, ...], tuple[str, ...]]]]:
    """Service, key pairs and allowed networks, order-free; `1.2.3.4` equals `1.2.3.4/32`."""
    if endpoints is None:
        return None
    keyed = []
    for endpoint in endpoints:
        service = _upper(endpoint.get("service") or endpoint.get("dev_service")) or ""
        keys = endpoint.get("key_pair_names") or endpoint.get("ssh_keys") or []
        ips = endpoint.get("allowed_access_ips") or []
        keyed.append((service, tuple(sorted(keys)), tuple(sorted(normal_network(ip) for ip in ips))))
    return sorted(keyed)


def normal_network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(str(text).strip(), strict=False))
    except ValueError:
        return str(text).strip()


def mount_key(uri: Any, mount_path: Any) -> tuple[str, str]:
    """One OBS mount as (uri, mount path), trailing slashes normalised."""
    return _folder(uri) or "", _folder(mount_path) or ""


def mount_set(mounts: Any) -> frozenset[tuple[str, str]]:
    return frozenset(mount_key(m.get("uri"), m.get("mount_path")) for m in mounts or [])


def _upper(value: Any) -> Optional[str]:
    return str(value).upper() if value else None


def _folder(value: Any) -> Optional[str]:
    return str(value).rstrip("/") + "/" if value else None
