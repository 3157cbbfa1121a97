"""What the state records of a notebook, and what a change of inputs will do to it.

`outputs()` builds the state from the declared inputs and the live notebook;
`plan()` compares that state with new inputs. `diff()` and `update()` both use
`plan()`, so what preview announces is exactly what `up` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from .inputs import INPUT_KEYS, has_unknown, split_identity
from .models import Notebook, NotebookStatus

S = NotebookStatus

# Inputs that cannot change on an existing notebook (the update API lacks them).
REPLACE_FIELDS = ("feature", "workspace_id", "pool_id")
# Update fields the service accepts only while STOPPED (contract §2.4, the safe reading).
NEEDS_STOPPED = ("flavor", "image_id", "hooks")
# Updatable fields compared as plain values.
PLAIN_UPDATE_FIELDS = ("name", "flavor", "image_id", "description")



def outputs(inputs: Mapping[str, Any], notebook: Notebook, timings: Optional[Mapping[str, float]] = None) -> dict[str, Any]:
    """State = the declared inputs, overlaid with what the service reports.

    `timings` (seconds each kind of transition last took) are kept in state so
    the next run polls at the right moments from its first transition.
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
        lease=live.get("lease"),
        auto_stop_at=_auto_stop_at(notebook),
        ssh_address=_ssh_address(notebook),
        volume=live.get("volume") or inputs.get("volume"),
        endpoints=live.get("endpoints") if notebook.endpoints is not None else inputs.get("endpoints"),
        action_progress=live.get("action_progress"),
        create_at=notebook.create_at,
        timings=dict(timings) if timings is not None else inputs.get("timings"),
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


def _auto_stop_at(notebook: Notebook) -> Optional[str]:
    """When the service will stop the notebook (ISO 8601, UTC); only while RUNNING."""
    lease = notebook.lease
    if notebook.status != S.RUNNING or lease is None or lease.enable is False or lease.expires_at_ms is None:
        return None
    return datetime.fromtimestamp(lease.expires_at_ms / 1000, tz=timezone.utc).isoformat(timespec="seconds")


def _ssh_address(notebook: Notebook) -> Optional[str]:
    for endpoint in notebook.endpoints or []:
        if str(endpoint.service or endpoint.dev_service or "").upper() == "SSH" and endpoint.uri:
            return endpoint.uri
    return None


def _volume_key(volume: Any) -> dict[str, Any]:
    volume = volume or {}
    return {
        "category": str(volume.get("category") or "").upper(),
        "ownership": str(volume.get("ownership") or "MANAGED").upper(),
        "capacity": volume.get("capacity"),
        "uri": volume.get("uri"),
        "id": volume.get("id"),
    }


def _endpoints_key(endpoints: Any) -> Optional[list[tuple[str, tuple[str, ...], tuple[str, ...]]]]:
    if endpoints is None:
        return None
    keyed = []
    for endpoint in endpoints:
        service = str(endpoint.get("service") or endpoint.get("dev_service") or "").upper()
        keys = endpoint.get("key_pair_names") or endpoint.get("ssh_keys") or []
        ips = endpoint.get("allowed_access_ips") or []
        keyed.append((service, tuple(sorted(keys)), tuple(sorted(ips))))
    return sorted(keyed)


def mount_set(mounts: Any) -> frozenset[tuple[str, str]]:
    return frozenset((str(m.get("uri")), str(m.get("mount_path"))) for m in mounts or [])


@dataclass(frozen=True)
class Plan:
    replaces: tuple[str, ...]
    update: dict[str, Any]  # fields of the update request
    run_state: bool  # a start or stop is needed
    restart: bool  # a running notebook will be stopped and started again
    renew_lease: bool  # the auto-stop settings changed while it runs
    mounts: bool  # the declared OBS mounts changed
    settings: bool  # only provider-side settings changed
    notes: tuple[str, ...]  # why, in words, for preview

    @property
    def changes(self) -> bool:
        return bool(
            self.replaces or self.update or self.run_state or self.renew_lease or self.mounts or self.settings
        )


def plan(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Plan:
    replaces: list[str] = []
    update: dict[str, Any] = {}
    notes: list[str] = []
    status = olds.get("status")

    for key in REPLACE_FIELDS:
        if news.get(key) is not None and news.get(key) != olds.get(key):
            replaces.append(key)
            notes.append(f"{key} cannot change on an existing notebook: it will be replaced and its work directory lost")

    if status == S.CREATE_FAILED:
        replaces.append("status")
        notes.append("the notebook is in CREATE_FAILED and cannot be repaired: it will be replaced")

    if news.get("volume") is not None:
        old_volume, new_volume = _volume_key(olds.get("volume")), _volume_key(news.get("volume"))
        if has_unknown(news["volume"]):
            replaces.append("volume")
        elif any(
            new_volume[part] != old_volume[part] and (part in ("category", "ownership") or new_volume[part])
            for part in ("category", "ownership", "uri", "id")
        ):
            replaces.append("volume")
            notes.append("the volume's category or ownership changed: the notebook will be replaced and its work directory's data destroyed")
        else:
            new_capacity, old_capacity = new_volume["capacity"], old_volume["capacity"]
            if new_capacity is not None and old_capacity is not None and new_capacity < old_capacity:
                replaces.append("volume")
                notes.append(
                    f"the volume cannot shrink ({old_capacity} -> {new_capacity} GB): the notebook will be replaced "
                    "and its work directory's data destroyed"
                )
            elif new_capacity is not None and new_capacity != old_capacity:
                update["storage_new_size"] = new_capacity

    for key in PLAIN_UPDATE_FIELDS:
        if news.get(key) is not None and news.get(key) != olds.get(key):
            update[key] = news[key]
    if news.get("endpoints") is not None:
        declared = _endpoints_key(news["endpoints"]) or []
        services = {service for service, _keys, _ips in declared}
        # The service adds endpoints of its own (the NOTEBOOK one): compare only the declared services.
        live = [e for e in _endpoints_key(olds.get("endpoints")) or [] if e[0] in services]
        if declared != live:
            update["endpoints"] = news["endpoints"]
    if news.get("hooks") is not None and news.get("hooks") != olds.get("hooks"):
        update["hooks"] = news["hooks"]

    desired = news.get("running", True) is not False
    target = S.RUNNING if desired else S.STOPPED
    declared_change = desired != (olds.get("running", True) is not False)
    drift = status != target and news.get("run_state_drift", "enforce") != "ignore"
    run_state = declared_change or drift
    if drift and not declared_change and status is not None:
        if status == S.FROZEN:
            notes.append("the notebook is FROZEN (the account is in arrears): it cannot be started until the account is topped up")
        elif status in (S.START_FAILED, S.ERROR):
            notes.append(f"the notebook is {status}: it will be started again")
        elif status != S.CREATE_FAILED:
            notes.append(f"the notebook is {status} outside the program: it will be {'started' if desired else 'stopped'}")

    needs_stop = [k for k in NEEDS_STOPPED if k in update]
    restart = bool(needs_stop) and desired and status == S.RUNNING and not replaces
    if restart:
        notes.append(f"changing {', '.join(needs_stop)} needs a stopped notebook: it will be stopped and started again")

    renew_lease = (
        desired and status == S.RUNNING and not restart and not run_state
        and news.get("auto_stop") != olds.get("auto_stop") and news.get("auto_stop") is not None
    )
    mounts = mount_set(news.get("obs_mounts")) != mount_set(olds.get("obs_mounts"))
    settings = any(
        news.get(k) != olds.get(k)
        for k in ("allow_restart", "run_state_drift", "timeouts", "adopt_id", "image_name", "image_tag")
    )
    return Plan(
        replaces=tuple(dict.fromkeys(replaces)),
        update=update,
        run_state=run_state,
        restart=restart,
        renew_lease=renew_lease,
        mounts=mounts,
        settings=settings,
        notes=tuple(notes),
    )
