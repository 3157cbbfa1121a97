"""Test-support endpoint: put a notebook with a chosen id into the emulator.

Notebooks made elsewhere (another tool, the console) keep the ids that tool's
state recorded; adopting them needs the emulator to hold those exact ids. The
body is a create request plus `id` and the `status` to settle in (RUNNING or
STOPPED). Not part of the API; no auth, like the rest of /_emulator.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .context import emulator, json_body, locked
from .payloads import parse_create
from .views import notebook_view

blueprint = Blueprint("seed", __name__, url_prefix="/_emulator")

SEED_STATUSES = ("RUNNING", "STOPPED")


@blueprint.post("/seed/notebooks")
def seed_notebook() -> Response:
    body = dict(json_body())
    notebook_id = body.pop("id", None)
    status = str(body.pop("status", "RUNNING")).upper()
    if not isinstance(notebook_id, str) or not notebook_id:
        return _refuse(400, "id (a non-empty string) is required")
    if status not in SEED_STATUSES:
        return _refuse(400, f"status must be one of {', '.join(SEED_STATUSES)}")
    ctx = emulator()
    with locked() as now:
        if notebook_id in ctx.notebooks.notebooks:
            return _refuse(409, f"notebook {notebook_id} exists")
        req = parse_create(body, ctx.settings, ctx.catalog)
        nb = ctx.notebooks.create(req, now)
        del ctx.notebooks.notebooks[nb.id]
        nb.id = notebook_id
        ctx.notebooks.notebooks[notebook_id] = nb
        ctx.notebooks.force_status(notebook_id, status, now, None, "seed")
        return jsonify(notebook_view(nb, ctx.settings))


def _refuse(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response
