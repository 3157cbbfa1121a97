"""The slice of IAM (Keystone v3) a ModelArts client needs: tokens and projects."""

from __future__ import annotations

import hmac
import json
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .context import emulator
from .auth import authenticate
from .errors import ApiError, IamError
from .settings import Settings

blueprint = Blueprint("iam", __name__, url_prefix="/v3")


def iso_ms(epoch_ms: int) -> str:
    """IAM timestamps: ISO-8601 UTC with microseconds and a Z."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IamError(400, f"Invalid input for field '{where}': expected an object.")
    return value


def _same(given: Any, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _scope_project(scope: Any, settings: Settings) -> str | None:
    """The project a token is scoped to; None for unscoped or domain scope."""
    if scope is None:
        return None
    scope = _object(scope, "auth.scope")
    if "project" not in scope:
        if "domain" in scope:
            return None
        raise IamError(400, "Invalid input for field 'auth.scope': expected 'project' or 'domain'.")
    project = _object(scope["project"], "auth.scope.project")
    if "id" in project:
        if project["id"] in settings.projects:
            return str(project["id"])
    elif "name" in project:
        found = settings.project_named(str(project["name"]))
        if found is not None:
            return found
    else:
        raise IamError(400, "Invalid input for field 'auth.scope.project': expected 'id' or 'name'.")
    # Keystone answers a scope the user cannot use with 401, not 404.
    raise IamError(401, "The request you have made requires authentication.")


@blueprint.post("/auth/tokens")
def issue_token() -> Response:
    ctx = emulator()
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise IamError(400, "The request body is not valid JSON.") from None
    auth = _object(_object(body, "body").get("auth"), "auth")
    identity = _object(auth.get("identity"), "auth.identity")
    methods = identity.get("methods")
    if not isinstance(methods, list) or "password" not in methods:
        raise IamError(400, "Invalid input for field 'auth.identity.methods': only 'password' is supported.")
    password = _object(identity.get("password"), "auth.identity.password")
    user = _object(password.get("user"), "auth.identity.password.user")
    domain = _object(user.get("domain"), "auth.identity.password.user.domain")
    if not isinstance(user.get("name"), str) or not isinstance(user.get("password"), str):
        raise IamError(400, "Invalid input for field 'auth.identity.password.user': name and password are required.")

    with ctx.lock:
        settings = ctx.settings
        domain_ok = _same(domain.get("name"), settings.domain) or _same(domain.get("id"), settings.domain_id)
        user_ok = _same(user.get("name"), settings.username)
        password_ok = _same(user.get("password"), settings.password)
        if not (domain_ok and user_ok and password_ok):
            raise IamError(401, "The username or password is wrong.")
        project_id = _scope_project(auth.get("scope"), settings)
        token, record = ctx.tokens.issue(project_id, ctx.now_ms(), settings.token_lifetime_seconds)

    domain_view = {"id": settings.domain_id, "name": settings.domain}
    token_body: dict[str, Any] = {
        "expires_at": iso_ms(record.expires_ms),
        "issued_at": iso_ms(record.issued_ms),
        "methods": ["password"],
        "catalog": [],
        "roles": [{"id": "0", "name": "te_admin"}],
        "user": {"id": settings.user_id, "name": settings.username, "domain": domain_view,
                 "password_expires_at": ""},
    }
    if project_id is not None:
        token_body["project"] = {"id": project_id, "name": settings.projects[project_id], "domain": domain_view}
    else:
        token_body["domain"] = domain_view
    response = jsonify({"token": token_body})
    response.status_code = 201
    response.headers["X-Subject-Token"] = token
    return response


def _require_iam_caller() -> None:
    ctx = emulator()
    token = request.headers.get("X-Auth-Token")
    with ctx.lock:
        if token:
            record = ctx.tokens.lookup(token)
            if record is None or record.expires_ms <= ctx.now_ms():
                raise IamError(401, "The request you have made requires authentication.")
            return
        if not request.headers.get("Authorization"):
            raise IamError(401, "The request you have made requires authentication.")
        try:
            authenticate(
                settings=ctx.settings,
                tokens=ctx.tokens,
                now=ctx.now(),
                signed_now=ctx.signature_now(),
                method=request.method,
                path=request.path,
                raw_query=request.query_string.decode("latin-1"),
                headers=request.headers,
                body=request.get_data(cache=True),
            )
        except ApiError:
            raise IamError(401, "The request you have made requires authentication.") from None


def _projects() -> Response:
    _require_iam_caller()
    ctx = emulator()
    settings = ctx.settings
    base = request.host_url.rstrip("/")
    projects = []
    name = request.args.get("name")
    for project_id, project_name in settings.projects.items():
        if name is not None and name != project_name:
            continue
        projects.append(
            {
                "domain_id": settings.domain_id,
                "is_domain": False,
                "parent_id": settings.domain_id,
                "name": project_name,
                "description": "",
                "links": {"next": None, "previous": None, "self": f"{base}/v3/projects/{project_id}"},
                "id": project_id,
                "enabled": True,
            }
        )
    return jsonify(
        {"projects": projects, "links": {"next": None, "previous": None, "self": f"{base}/v3/projects"}}
    )


@blueprint.get("/projects")
def list_projects() -> Response:
    return _projects()


@blueprint.get("/auth/projects")
def list_auth_projects() -> Response:
    return _projects()


@blueprint.get("/auth/domains")
def list_auth_domains() -> Response:
    """The domains the caller may use: the one account domain (Keystone v3)."""
    _require_iam_caller()
    settings = emulator().settings
    base = request.host_url.rstrip("/")
    domain = {
        "description": "",
        "enabled": True,
        "id": settings.domain_id,
        "links": {"self": f"{base}/v3/domains/{settings.domain_id}"},
        "name": settings.domain,
    }
    return jsonify({"domains": [domain], "links": {"self": f"{base}/v3/auth/domains"}})
