"""A small APIG SDK-HMAC-SHA256 signer for the emulator tests only.

Written separately from `emulator.signing` so the tests check the server
against a second reading of the algorithm, not against itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask.testing import FlaskClient

from emulator import ManualClock

AK, SK = "emulator-ak", "emulator-sk"
HOST = "localhost"


def _enc(text: str) -> str:
    return quote(text, safe="~")


def sdk_date(epoch_seconds: float | None = None) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if epoch_seconds is None else epoch_seconds))


def sign_request(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    ak: str,
    sk: str,
    signed: list[str] | None = None,
) -> dict[str, str]:
    """Return `headers` plus Authorization; `headers` must hold Host and X-Sdk-Date."""
    parts = urlsplit(url)
    lower = {k.lower(): v for k, v in headers.items()}
    names = sorted(signed) if signed is not None else sorted(lower)

    path = "/".join(_enc(seg) for seg in unquote(parts.path).split("/"))
    if not path.endswith("/"):
        path += "/"

    pairs: dict[str, list[str]] = {}
    for item in filter(None, parts.query.split("&")):
        key, _, value = item.partition("=")
        pairs.setdefault(unquote(key), []).append(unquote(value))
    query = "&".join(f"{_enc(k)}={_enc(v)}" for k in sorted(pairs) for v in sorted(pairs[k]))

    header_block = "".join(f"{n}:{lower[n].strip()}\n" for n in names)
    payload = lower.get("x-sdk-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = f"{method.upper()}\n{path}\n{query}\n{header_block}\n{';'.join(names)}\n{payload}"
    to_sign = f"SDK-HMAC-SHA256\n{lower['x-sdk-date']}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    out = dict(headers)
    out["Authorization"] = f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders={';'.join(names)}, Signature={signature}"
    return out


def signed_call(
    client: FlaskClient,
    clock: ManualClock,
    method: str,
    path: str,
    body: Any = None,
    signed: list[str] | None = None,
    extra: dict[str, str] | None = None,
    ak: str = AK,
    sk: str = SK,
    date: str | None = None,
) -> Any:
    """One AK/SK-signed call through the Flask test client (Host `localhost`)."""
    raw = json.dumps(body).encode() if body is not None else b""
    headers = {"Host": HOST, "X-Sdk-Date": date or sdk_date(clock.now)}
    if body is not None:
        headers["Content-Type"] = "application/json"
    headers.update(extra or {})
    headers = sign_request(method, f"http://{HOST}{path}", headers, raw, ak, sk,
                           signed or ["host", "x-sdk-date"])
    return client.open(path, method=method, headers=headers, data=raw)
