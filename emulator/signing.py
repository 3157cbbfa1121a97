"""The public API Gateway (APIG) request signing algorithm, SDK-HMAC-SHA256.

Kept free of Flask so the algorithm can be pinned by the published test
vector on its own. The server recomputes the signature over exactly the
headers the client listed in SignedHeaders.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
CONTENT_SHA256_HEADER = "x-sdk-content-sha256"


def percent_encode(value: str) -> str:
    """RFC 3986: keep only unreserved characters (A-Z a-z 0-9 - _ . ~)."""
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    segments = unquote(path).split("/")
    encoded = "/".join(percent_encode(s) for s in segments)
    return encoded if encoded.endswith("/") else encoded + "/"


def parse_query(raw_query: str) -> dict[str, list[str]]:
    """Split a raw query string the way the signer SDKs do (no '+' as space)."""
    query: dict[str, list[str]] = {}
    if not raw_query:
        return query
    for pair in raw_query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if key == "":
            continue
        query.setdefault(unquote(key), []).append(unquote(value))
    return query


def canonical_query(query: dict[str, list[str]]) -> str:
    parts: list[str] = []
    for key in sorted(query):
        encoded_key = percent_encode(key)
        for value in sorted(query[key]):
            parts.append(f"{encoded_key}={percent_encode(value)}")
    return "&".join(parts)


def canonical_headers(headers: dict[str, str], signed_headers: list[str]) -> str:
    """`headers` must be keyed by lowercase name."""
    return "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)


def canonical_request(
    method: str,
    path: str,
    query: dict[str, list[str]],
    headers: dict[str, str],
    signed_headers: list[str],
    body: bytes,
) -> str:
    payload_hash = headers.get(CONTENT_SHA256_HEADER)
    if payload_hash != UNSIGNED_PAYLOAD:
        payload_hash = hashlib.sha256(body).hexdigest()
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(request_text: str, sdk_date: str) -> str:
    digest = hashlib.sha256(request_text.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    secret_key: str,
    method: str,
    path: str,
    query: dict[str, list[str]],
    headers: dict[str, str],
    signed_headers: list[str],
    body: bytes,
) -> str:
    """Signature for a request whose lowercase `headers` include x-sdk-date."""
    text = canonical_request(method, path, query, headers, signed_headers, body)
    return signature(secret_key, string_to_sign(text, headers["x-sdk-date"]))


@dataclass(frozen=True)
class AuthorizationHeader:
    access_key: str
    signed_headers: list[str]
    signature: str


class MalformedAuthorization(ValueError):
    pass


def parse_authorization(value: str) -> AuthorizationHeader:
    """Parse `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.

    The docs show `Credential=AK/date//ec2/sdk_request` instead of `Access=`;
    both name the key, so both are accepted.
    """
    scheme, _, rest = value.strip().partition(" ")
    if scheme != ALGORITHM or not rest:
        raise MalformedAuthorization("unsupported authorization scheme")
    params: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            raise MalformedAuthorization("malformed authorization parameter")
        params[key.strip()] = val.strip()
    if "Access" in params:
        access_key = params["Access"]
    elif "Credential" in params:
        access_key = params["Credential"].split("/", 1)[0]
    else:
        raise MalformedAuthorization("authorization names no access key")
    signed = params.get("SignedHeaders", "")
    sig = params.get("Signature", "")
    if not access_key or not signed or not sig:
        raise MalformedAuthorization("authorization lacks SignedHeaders or Signature")
    names = [h.strip().lower() for h in signed.split(";") if h.strip()]
    return AuthorizationHeader(access_key=access_key, signed_headers=names, signature=sig.lower())
