"""Query-string parsing and list shaping shared by the ModelArts routes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from .catalog import Json
from .errors import ApiError, wrong_type, wrong_value
from .validation import as_enum


def modelarts_blueprint(name: str) -> Blueprint:
    """A blueprint under /v1/{project_id}; the project is checked by the app's
    request gate, so handlers never see it."""
    blueprint = Blueprint(name, __name__, url_prefix="/v1/<project_id>")

    @blueprint.url_value_preprocessor
    def _drop_project(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None:
            values.pop("project_id", None)

    return blueprint


def query_int(name: str, default: int | None, minimum: int = 0) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise wrong_type(name, "integer") from None
    if value < minimum:
        raise wrong_value(name, f"It must be at least {minimum}.")
    return value


def query_bool(name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise wrong_type(name, "boolean")
    return lowered == "true"


def query_enum(name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return as_enum(raw, name, allowed)


def sort_spec() -> tuple[list[str], bool]:
    descending = query_enum("sort_dir", ("ASC", "DESC"), "DESC") == "DESC"
    keys = [k.strip() for k in (request.args.get("sort_key") or "").split(",") if k.strip()]
    return keys, descending


def sort_json(items: list[Json], keys: list[str], descending: bool, aliases: dict[str, str]) -> list[Json]:
    if not keys:
        return items
    fields = []
    for key in keys:
        if key not in aliases:
            raise ApiError("ModelArts.6303")
        fields.append(aliases[key])

    def sort_value(item: Json) -> tuple[Any, ...]:
        return tuple((item.get(f) is not None, item.get(f) if item.get(f) is not None else 0) for f in fields)

    return sorted(items, key=sort_value, reverse=descending)


def ok(body: Any) -> Response:
    return jsonify(body)
