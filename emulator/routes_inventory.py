"""`/_emulator/inventory`: the emulator's notebooks saved and loaded whole, with their ids.

A saved inventory plus a saved Pulumi state is a fixture of one moment: loading
both lets a test run a later release's code against notebooks that an earlier
release created. Every time in a loaded inventory is moved forward by the time
since it was saved, so leases and pending transitions keep their remaining time.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, jsonify

from .context import emulator, json_body, locked
from .state import Mount, Notebook, Pending

blueprint = Blueprint("inventory", __name__, url_prefix="/_emulator")

# Notebook fields that hold epoch milliseconds.
_TIME_FIELDS = ("create_at", "update_at", "lease_create_at", "lease_update_at", "resize_due_ms")


@blueprint.get("/inventory")
def save_inventory() -> Response:
    with locked() as now:
        notebooks = [dataclasses.asdict(nb) for nb in emulator().notebooks.notebooks.values()]
    return jsonify({"saved_at_ms": now, "notebooks": notebooks})


@blueprint.put("/inventory")
def load_inventory() -> Response:
    body = json_body() or {}
    with locked() as now:
        shift = now - int(body.get("saved_at_ms", now))
        store = emulator().notebooks
        store.notebooks = {}
        for record in body.get("notebooks", []):
            nb = _notebook(record, shift)
            store.notebooks[nb.id] = nb
        return jsonify({"loaded": sorted(store.notebooks)})


def _notebook(record: dict[str, Any], shift: int) -> Notebook:
    fields = dict(record)
    for name in _TIME_FIELDS:
        if fields.get(name) is not None:
            fields[name] += shift
    pending = fields.pop("pending", None)
    if pending:
        pending["due_ms"] += shift
    mounts = fields.pop("mounts", None) or {}
    for mount in mounts.values():
        if mount.get("due_ms") is not None:
            mount["due_ms"] += shift
    return Notebook(**fields, pending=Pending(**pending) if pending else None,
                    mounts={key: Mount(**value) for key, value in mounts.items()})
