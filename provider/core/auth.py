"""Authentication for OTC APIs: AK/SK request signing and IAM password tokens.

Both are `requests` auth hooks, so the HTTP layer stays unaware of which one is
in use, and neither ever puts a secret into an exception message or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Optional
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import requests
from pydantic import SecretStr

from .errors import AuthenticationError

SIGNING_ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# Headers this client signs when present. The service accepts any set that
# includes `host` and `x-sdk-date`; `content-type` is added so a proxy cannot
# change how the body is read without breaking the signature.
SIGNED_HEADER_CANDIDATES = ("content-type", "host", "x-sdk-date")


def _encode(value: str) -> str:
    """RFC 3986 encoding as the APIG signer uses it: only unreserved characters stay."""
    return quote(value, safe="-_.~")


def canonical_uri(path: str) -> str:
    segments = [_encode(unquote(segment)) for segment in path.split("/")]
    uri = "/".join(segments)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query: str) -> str:
    pairs = sorted((_encode(k), _encode(v)) for k, v in parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{k}={v}" for k, v in pairs)


def encode_query(params: dict[str, object]) -> str:
    """The query string this client sends: already in canonical form, so what is
    signed is byte-for-byte what goes on the wire."""
    items = sorted(
        (str(k), "true" if v is True else "false" if v is False else str(v)) for k, v in params.items() if v is not None
    )
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in items)


def string_to_sign(
    method: str, url: str, headers: dict[str, str], body: bytes, signed_headers: list[str]
) -> str:
    parts = urlsplit(url)
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{lower[name].strip()}\n" for name in signed_headers)
    canonical_request = "\n".join(
        [
            method.upper(),
            canonical_uri(parts.path or "/"),
            canonical_query(parts.query),
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{SIGNING_ALGORITHM}\n{lower['x-sdk-date']}\n{digest}"


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    now: Optional[datetime] = None,
) -> dict[str, str]:
    """Headers to add to a request so the API gateway accepts it (`Access=` form)."""
    moment = now or datetime.now(timezone.utc)
    signing = dict(headers)
    if not any(k.lower() == "host" for k in signing):
        signing["Host"] = urlsplit(url).netloc
    signing["X-Sdk-Date"] = moment.strftime(SDK_DATE_FORMAT)
    present = {k.lower() for k in signing}
    signed = [h for h in SIGNED_HEADER_CANDIDATES if h in present]
    text = string_to_sign(method, url, signing, body, signed)
    signature = hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()
    return {
        "Host": signing.get("Host") or signing.get("host", ""),
        "X-Sdk-Date": signing["X-Sdk-Date"],
        "Authorization":
            f"{SIGNING_ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={signature}",
    }


class AkSkAuth(requests.auth.AuthBase):
    """Signs each prepared request; with AK/SK there is no token to expire."""

    def __init__(self, access_key: str, secret_key: SecretStr, project_id: Optional[str] = None) -> None:
        self.access_key = access_key
        self._secret_key = secret_key
        self.project_id = project_id

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.project_id:
            request.headers["X-Project-Id"] = self.project_id
        # Send the query in canonical form (requests writes a space as '+', which
        # the gateway reads as a plus sign), so what is signed is what is sent.
        parts = urlsplit(request.url or "")
        if parts.query:
            request.url = urlunsplit(parts._replace(query=canonical_query(parts.query)))
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(
            sign(
                request.method or "GET",
                request.url or "",
                dict(request.headers),
                body,
                self.access_key,
                self._secret_key.get_secret_value(),
            )
        )
        return request

    def invalidate(self, seen: Optional[str] = None) -> None:
        """Nothing is cached with AK/SK."""

    def __repr__(self) -> str:
        return f"AkSkAuth(access_key={self.access_key!r})"


class IamTokenAuth(requests.auth.AuthBase):
    """Project-scoped IAM token from the password method, cached and renewed.

    Tokens last 24 h; one is fetched lazily, shared by every thread of the
    provider process, and renewed `renew_before` seconds ahead of `expires_at`
    (or at once after the service says it expired), so concurrent resource
    operations never race each other into several logins.
    """

    def __init__(
        self,
        auth_url: str,
        username: str,
        password: SecretStr,
        domain_name: str,
        project_name: Optional[str] = None,
        project_id: Optional[str] = None,
        renew_before: float = 600.0,
        session_factory: Callable[[], requests.Session] = requests.Session,
        timeout: float = 30.0,
    ) -> None:
        if not (project_name or project_id):
            raise AuthenticationError("IAM token auth needs a project name (region) or a project id to scope the token")
        self.auth_url = auth_url.rstrip("/")
        self.username = username
        self._password = password
        self.domain_name = domain_name
        self.project_name = project_name
        self.project_id = project_id
        self.renew_before = renew_before
        self._session_factory = session_factory
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: Optional[SecretStr] = None
        self._expires_at: float = 0.0
        self.issued = 0  # how many tokens this process asked IAM for
        self.resolved_project_id: Optional[str] = project_id

    def _request_body(self) -> dict:
        scope = {"id": self.project_id} if self.project_id else {"name": self.project_name}
        return {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.username,
                            "password": self._password.get_secret_value(),
                            "domain": {"name": self.domain_name},
                        }
                    },
                },
                "scope": {"project": scope},
            }
        }

    def _fetch(self) -> None:
        url = f"{self.auth_url}/auth/tokens"
        try:
            with self._session_factory() as session:
                response = session.post(url, json=self._request_body(), timeout=self._timeout)
        except requests.RequestException as error:
            raise AuthenticationError(f"could not reach IAM at {url}: {type(error).__name__}") from None
        if response.status_code != 201 or "X-Subject-Token" not in response.headers:
            raise AuthenticationError(
                f"IAM refused the password login for user {self.username!r} in domain {self.domain_name!r} "
                f"(HTTP {response.status_code}: {_iam_message(response)})"
            )
        self._token = SecretStr(response.headers["X-Subject-Token"])
        self._expires_at = _parse_expiry(response)
        self.resolved_project_id = _token_project_id(response) or self.project_id
        self.issued += 1

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.time() >= self._expires_at - self.renew_before:
                self._fetch()
            assert self._token is not None
            return self._token.get_secret_value()

    def invalidate(self, seen: Optional[str] = None) -> None:
        """Forget the cached token (the service said it is expired or invalid).

        With `seen`, only if it is still the token that failed: another thread
        may have renewed it already.
        """
        with self._lock:
            if seen is None or (self._token is not None and self._token.get_secret_value() == seen):
                self._token = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["X-Auth-Token"] = self.token()
        return request

    def __repr__(self) -> str:
        return f"IamTokenAuth(auth_url={self.auth_url!r}, username={self.username!r}, domain_name={self.domain_name!r})"


def _iam_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no details"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(body, dict) and body.get("error_msg"):
        return str(body["error_msg"])
    return response.reason or "no details"


def _token_project_id(response: requests.Response) -> Optional[str]:
    """The scoped project's id, so a project name alone is enough configuration."""
    try:
        return str(response.json()["token"]["project"]["id"])
    except (ValueError, KeyError, TypeError):
        return None


def _parse_expiry(response: requests.Response) -> float:
    """`token.expires_at` from the body; 24 h (the documented lifetime) when absent."""
    try:
        text = response.json()["token"]["expires_at"]
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (ValueError, KeyError, TypeError):
        return time.time() + 24 * 3600
