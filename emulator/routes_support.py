"""Test-support endpoints under /_emulator: no auth, not part of the API.

They let tests inspect what a client did and push the emulator into states
the API alone cannot reach quickly (console stop, failures, lease expiry).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .clock import EmulatorClock
from .context import emulator, locked
from .errors import ApiError
from .faults import FaultRule, FaultRuleError
from .settings import NOT_FOUND_STYLES, PROFILES, RUNTIME_SETTINGS
from .state import Notebook
from .validation import STATUSES
from .views import notebook_view

blueprint = Blueprint("support", __name__, url_prefix="/_emulator")


class SupportError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


@blueprint.errorhandler(SupportError)
def _support_error(exc: SupportError) -> Response:
    response = jsonify({"error": exc.message})
    response.status_code = exc.status
    return response


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise SupportError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise SupportError(400, "body must be a JSON object")
    return body


def _raw(nb: Notebook) -> dict[str, Any]:
    ctx = emulator()
    view = notebook_view(nb, ctx.settings)
    view["history"] = [dict(h) for h in nb.history]
    view["pending"] = (
        {"target": nb.pending.target, "due_ms": nb.pending.due_ms, "cause": nb.pending.cause}
        if nb.pending
        else None
    )
    view["lease_request_ms"] = nb.lease_request_ms
    view["lease_expires_at"] = nb.lease_expires_at
    return view


def _notebook(notebook_id: str) -> Notebook:
    try:
        return emulator().notebooks.get(notebook_id)
    except ApiError:
        raise SupportError(404, f"no notebook {notebook_id}") from None


@blueprint.get("/health")
def health() -> Response:
    return jsonify({"ok": True})


@blueprint.get("/requests")
def requests_log() -> Response:
    ctx = emulator()
    with ctx.lock:
        return jsonify({"requests": [dict(e) for e in ctx.log.entries]})


@blueprint.post("/reset")
def reset() -> Response:
    emulator().reset()
    return jsonify({"ok": True})


@blueprint.get("/notebooks")
def inventory() -> Response:
    ctx = emulator()
    with locked():
        return jsonify({"notebooks": [{**_raw(nb), "project_id": project}
                                      for project, store in ctx.stores() for nb in store.notebooks.values()]})


@blueprint.post("/notebooks/<notebook_id>/status")
def force_status(notebook_id: str) -> Response:
    body = _body()
    status = str(body.get("status", "")).upper()
    if status not in STATUSES:
        raise SupportError(400, f"status must be one of {', '.join(STATUSES)}")
    fail_reason = body.get("fail_reason")
    if fail_reason is not None and not isinstance(fail_reason, str):
        raise SupportError(400, "fail_reason must be a string")
    via = body.get("via")
    if via is not None and via not in ("lease", "console", "forced"):
        raise SupportError(400, "via must be 'lease', 'console' or 'forced'")
    ctx = emulator()
    with locked() as now:
        nb = _notebook(notebook_id)
        if via == "lease" and status == "STOPPED":
            # Same path as a real expiry: RUNNING -> STOPPING -> STOPPED.
            if nb.status != "RUNNING":
                raise SupportError(409, f"notebook is {nb.status}, not RUNNING")
            ctx.notebooks.expire_lease(notebook_id, now)
            ctx.notebooks.advance(now)
        else:
            ctx.notebooks.force_status(notebook_id, status, now, fail_reason, via or "forced")
        return jsonify(_raw(nb))


@blueprint.post("/notebooks/<notebook_id>/lease-expire")
def lease_expire(notebook_id: str) -> Response:
    ctx = emulator()
    with locked() as now:
        nb = _notebook(notebook_id)
        if nb.status != "RUNNING":
            raise SupportError(409, f"notebook is {nb.status}, not RUNNING")
        ctx.notebooks.expire_lease(notebook_id, now)
        ctx.notebooks.advance(now)
        return jsonify(_raw(nb))


def _coerce(key: str, value: Any) -> Any:
    kind = RUNTIME_SETTINGS[key]
    if kind is bool:
        if not isinstance(value, bool):
            raise SupportError(400, f"{key} must be true or false")
        return value
    if key == "not_found_style":
        value = str(value)
        if value not in NOT_FOUND_STYLES:
            raise SupportError(400, f"not_found_style must be one of {', '.join(NOT_FOUND_STYLES)}")
        return value
    if key == "profile":
        if value not in PROFILES:
            raise SupportError(400, f"profile must be one of {', '.join(PROFILES)}")
        return value
    if kind is dict:
        if not isinstance(value, dict):
            raise SupportError(400, f"{key} must be an object")
        return dict(value)
    if kind is str:
        if not isinstance(value, str):
            raise SupportError(400, f"{key} must be a string")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SupportError(400, f"{key} must be a number")
    return kind(value)


@blueprint.get("/config")
def show_config() -> Response:
    ctx = emulator()
    with ctx.lock:
        return jsonify(ctx.settings.public_view())


@blueprint.post("/config")
def change_config() -> Response:
    body = _body()
    unknown = set(body) - set(RUNTIME_SETTINGS)
    if unknown:
        raise SupportError(400, f"not changeable: {', '.join(sorted(unknown))}")
    ctx = emulator()
    with ctx.lock:
        before = {key: getattr(ctx.settings, key) for key in RUNTIME_SETTINGS}
        try:
            # The profile first, so the single switches sent with it override it.
            if "profile" in body:
                ctx.settings.apply_profile(_coerce("profile", body["profile"]))
            for key, value in body.items():
                if key != "profile":
                    setattr(ctx.settings, key, _coerce(key, value))
            ctx.settings.validate()
        except (SupportError, ValueError) as exc:
            for key, value in before.items():
                setattr(ctx.settings, key, value)
            if isinstance(exc, SupportError):
                raise
            raise SupportError(400, str(exc)) from exc
        return jsonify(ctx.settings.public_view())


@blueprint.get("/clock")
def show_clock() -> Response:
    return jsonify(_clock_view())


@blueprint.post("/clock")
def change_clock() -> Response:
    """`{"advance": seconds}` moves driven time forward; `{"mode", "tick_seconds"}` reconfigure it."""
    body = _body()
    unknown = set(body) - {"advance", "mode", "tick_seconds"}
    if unknown:
        raise SupportError(400, f"not changeable: {', '.join(sorted(unknown))}")
    clock = emulator().clock
    if not isinstance(clock, EmulatorClock):
        raise SupportError(409, "this emulator runs on a clock of its own (an in-process test clock)")
    advance = body.get("advance", 0)
    tick = body.get("tick_seconds")
    for key, value in (("advance", advance), ("tick_seconds", tick)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise SupportError(400, f"{key} must be a number of seconds")
    try:
        clock.configure(body.get("mode"), tick)
        if advance:
            # Transitions that fall due within the jump are stamped with the time they were due.
            clock.advance(float(advance))
    except ValueError as exc:
        raise SupportError(400, str(exc)) from None
    return jsonify(_clock_view())


def _clock_view() -> dict[str, Any]:
    clock = emulator().clock
    if isinstance(clock, EmulatorClock):
        return clock.view()
    return {"mode": "test", "now": clock(), "tick_seconds": 0.0}


@blueprint.get("/tokens")
def issued_tokens() -> Response:
    """Test use only: the IAM tokens issued so far, so a test can prove none leaked anywhere."""
    ctx = emulator()
    with ctx.lock:
        now_ms = ctx.now_ms()
        return jsonify({"tokens": [
            {"token": token, "project_id": record.project_id, "issued_ms": record.issued_ms,
             "expires_ms": record.expires_ms, "expired": record.expires_ms <= now_ms}
            for token, record in ctx.tokens.issued()
        ]})


@blueprint.post("/tokens/expire")
def expire_tokens() -> Response:
    ctx = emulator()
    with ctx.lock:
        count = ctx.tokens.expire_all(ctx.now_ms())
    return jsonify({"expired": count})


@blueprint.get("/faults")
def list_faults() -> Response:
    ctx = emulator()
    with ctx.lock:
        return jsonify({"rules": [r.to_json() for r in ctx.faults.rules]})


@blueprint.post("/faults")
def set_faults() -> Response:
    body = _body()
    rules_json = body.get("rules")
    if not isinstance(rules_json, list):
        raise SupportError(400, "rules must be a list")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise SupportError(400, "seed must be an integer")
    try:
        rules = [FaultRule.from_json(r) for r in rules_json]
    except FaultRuleError as exc:
        raise SupportError(400, str(exc)) from exc
    ctx = emulator()
    with ctx.lock:
        ctx.faults.set_rules(rules, seed)
        return jsonify({"rules": [r.to_json() for r in rules]})


@blueprint.delete("/faults")
def clear_faults() -> Response:
    ctx = emulator()
    with ctx.lock:
        ctx.faults.clear()
    return jsonify({"rules": []})
