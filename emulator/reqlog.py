"""The request log tests read to see what a client actually sent.

Only the method, path, query, status, the auth scheme tried and the project
the credentials named (a token's scope, or AK/SK's X-Project-Id) are kept: no
headers and no bodies, so no token, signature or password can leak.
"""

from __future__ import annotations

import re
from typing import Any

from .catalog import Json

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Belt and braces: no API takes a secret in the query, but never echo one.
_SECRET_QUERY_KEY = re.compile(r"token|signature|password|secret|credential|^sk$|^ak$", re.IGNORECASE)
MAX_ENTRIES = 10_000


def safe_query(query: dict[str, list[str]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, values in query.items():
        if _SECRET_QUERY_KEY.search(key):
            result[key] = "***"
        else:
            result[key] = values[0] if len(values) == 1 else list(values)
    return result


class RequestLog:
    """Callers hold the emulator lock."""

    def __init__(self) -> None:
        self.entries: list[Json] = []
        self._seq = 0

    def add(self, *, time_ms: int, method: str, path: str, query: dict[str, list[str]], status: int, auth: str,
            credential_project: str | None = None) -> None:
        self._seq += 1
        self.entries.append(
            {
                "seq": self._seq,
                "time_ms": time_ms,
                "method": method,
                "path": path,
                "query": safe_query(query),
                "status": status,
                "auth": auth,
                "credential_project": credential_project,
                "mutating": method in MUTATING_METHODS and path.startswith("/v1/"),
            }
        )
        if len(self.entries) > MAX_ENTRIES:
            del self.entries[: len(self.entries) - MAX_ENTRIES]

    def clear(self) -> None:
        self.entries.clear()
        self._seq = 0
