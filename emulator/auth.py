"""IAM tokens and the two ways a ModelArts call proves who it is.

Every failure raises an error whose message never repeats the presented
token, signature or any key material.
"""

from __future__ import annotations

import calendar
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Iterable, Literal, Protocol

from . import signing
from .errors import ApiError
from .settings import Settings

AuthKind = Literal["token", "aksk", "none"]


class HeaderLookup(Protocol):
    """Case-insensitive request headers (werkzeug's Headers fit)."""

    def get(self, key: str) -> str | None: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


@dataclass
class IssuedToken:
    project_id: str | None  # None: unscoped or domain-scoped token
    issued_ms: int
    expires_ms: int


class TokenStore:
    """Opaque random tokens; callers hold the emulator lock."""

    def __init__(self) -> None:
        self._tokens: dict[str, IssuedToken] = {}

    def issue(self, project_id: str | None, now_ms: int, lifetime_seconds: float) -> tuple[str, IssuedToken]:
        token = "MIIE" + secrets.token_urlsafe(96)
        record = IssuedToken(project_id, now_ms, now_ms + int(lifetime_seconds * 1000))
        self._tokens[token] = record
        return token, record

    def lookup(self, token: str) -> IssuedToken | None:
        return self._tokens.get(token)

    def issued(self) -> list[tuple[str, IssuedToken]]:
        """Every token handed out since the last reset, oldest first."""
        return list(self._tokens.items())

    def expire_all(self, now_ms: int) -> int:
        for record in self._tokens.values():
            record.expires_ms = min(record.expires_ms, now_ms)
        return len(self._tokens)

    def clear(self) -> None:
        self._tokens.clear()


@dataclass(frozen=True)
class Caller:
    kind: AuthKind
    project_id: str | None


def auth_kind(headers: HeaderLookup) -> AuthKind:
    """Which scheme a request tried, for the request log."""
    if headers.get("X-Auth-Token"):
        return "token"
    if headers.get("Authorization"):
        return "aksk"
    return "none"


def authenticate(
    *,
    settings: Settings,
    tokens: TokenStore,
    now: float,
    method: str,
    path: str,
    raw_query: str,
    headers: HeaderLookup,
    body: bytes,
    signed_now: float | None = None,
) -> Caller:
    """Check token or AK/SK credentials; raise ApiError when they fail.

    `headers` is case-insensitive (werkzeug's EnvironHeaders), as the docs
    themselves spell `X-auth-Token` and `X-Auth-Token`. Tokens expire on the
    emulator's time `now`; a signature's date is judged against `signed_now`
    (the wall clock when time is driven; `now` when not given).
    """
    token = headers.get("X-Auth-Token")
    if token:
        return _check_token(tokens, token, int(now * 1000))
    authorization = headers.get("Authorization")
    if authorization:
        signed_at = now if signed_now is None else signed_now
        return _check_signature(settings, signed_at, method, path, raw_query, headers, body, authorization)
    raise ApiError("ModelArts.0201")


def _check_token(tokens: TokenStore, token: str, now_ms: int) -> Caller:
    record = tokens.lookup(token)
    if record is None:
        raise ApiError("ModelArts.0203", status=401)
    if record.expires_ms <= now_ms:
        raise ApiError("ModelArts.0202")
    if record.project_id is None:
        raise ApiError("ModelArts.0212")
    return Caller("token", record.project_id)


def _check_signature(
    settings: Settings,
    now: float,
    method: str,
    path: str,
    raw_query: str,
    headers: HeaderLookup,
    body: bytes,
    authorization: str,
) -> Caller:
    try:
        parsed = signing.parse_authorization(authorization)
    except signing.MalformedAuthorization as exc:
        # The table's 401 ModelArts.0206 is "Incorrect authorization request
        # header format"; 0205 means the header is absent, so 0206 fits here.
        raise ApiError(
            "ModelArts.0206", status=401, message=f"Incorrect authorization request header format: {exc}."
        ) from exc

    _check_sdk_date(headers.get("X-Sdk-Date"), now, settings.max_clock_skew_seconds)

    lowered = {name.lower(): value for name, value in headers.items()}
    if "x-sdk-date" not in parsed.signed_headers:
        raise ApiError(
            "ModelArts.0206", status=401,
            message="Incorrect authorization request header format: SignedHeaders must include x-sdk-date.",
        )
    missing = [name for name in parsed.signed_headers if name not in lowered]
    if missing:
        raise ApiError(
            "ModelArts.0206", status=401,
            message=f"Incorrect authorization request header format: signed header(s) not sent: {', '.join(missing)}.",
        )

    # Unknown key and bad signature share one answer so a caller cannot probe
    # which keys exist. The table lists "Invalid AK/SK." only under 403
    # ModelArts.0206 (its 401 row is the header-format message), so 403.
    if not hmac.compare_digest(parsed.access_key.encode(), settings.access_key.encode()):
        raise ApiError("ModelArts.0206", status=403, message="Invalid AK/SK.")
    expected = signing.sign(
        settings.secret_key,
        method,
        path,
        signing.parse_query(raw_query),
        lowered,
        parsed.signed_headers,
        body,
    )
    if not hmac.compare_digest(expected.encode(), parsed.signature.encode()):
        raise ApiError("ModelArts.0206", status=403, message="Invalid AK/SK.")
    project = headers.get("X-Project-Id") or None
    return Caller("aksk", project)


def _check_sdk_date(sdk_date: str | None, now: float, max_skew_seconds: float) -> None:
    """The signed request's date must be present, well formed and close to now."""
    if not sdk_date:
        raise ApiError(
            "ModelArts.0208", message="Failed to check the authorization request header: X-Sdk-Date is missing."
        )
    try:
        signed_at = calendar.timegm(time.strptime(sdk_date.strip(), signing.DATE_FORMAT))
    except ValueError:
        raise ApiError(
            "ModelArts.0208",
            message="Failed to check the authorization request header: X-Sdk-Date must be YYYYMMDDTHHMMSSZ (UTC).",
        ) from None
    if abs(now - signed_at) > max_skew_seconds:
        raise ApiError(
            "ModelArts.0208",
            message=(
                "Failed to check the authorization request header: X-Sdk-Date is more than "
                f"{int(max_skew_seconds)} seconds away from the server time."
            ),
        )
