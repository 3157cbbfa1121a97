"""A client of a running emulator's support routes (`/_emulator/...`): reset it,
change its behaviour, read what it was asked, force a notebook's status."""

from __future__ import annotations

from typing import Any, Optional

import requests

from .settings import Settings

_DEFAULTS = Settings()


def stack_config(url: str, *, auth: str = "aksk") -> dict[str, str]:
    """The `modelarts:*` stack configuration that points a program at the emulator at `url`.

    `auth="aksk"` uses the emulator's default access key pair; `auth="password"`
    its default user, logging in through its IAM routes.
    """
    config = {"modelarts:endpoint": url, "modelarts:region": "eu-de"}
    if auth == "aksk":
        config.update({"modelarts:projectId": _DEFAULTS.project_id, "modelarts:accessKey": _DEFAULTS.access_key,
                       "modelarts:secretKey": _DEFAULTS.secret_key})
    elif auth == "password":
        config.update({"modelarts:authUrl": f"{url}/v3", "modelarts:username": _DEFAULTS.username,
                       "modelarts:password": _DEFAULTS.password, "modelarts:domainName": _DEFAULTS.domain})
    else:
        raise ValueError(f"auth must be 'aksk' or 'password', got {auth!r}")
    return config


# Keys of `stack_config` that are set with `pulumi config set --secret`.
SECRET_KEYS = frozenset({"modelarts:secretKey", "modelarts:password"})


class EmulatorControl:
    """The support routes of the emulator at `url`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def _post(self, path: str, body: Optional[dict] = None) -> Any:
        response = self.session.post(f"{self.url}/_emulator/{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def _get(self, path: str) -> Any:
        response = self.session.get(f"{self.url}/_emulator/{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def reset(self, *, tick_seconds: Optional[float] = None, **config: Any) -> None:
        """Back to the emulator as started (no notebooks, requests, faults; every setting and the
        clock as at start), then the test defaults plus `config`, and the clock's tick if given."""
        self._post("reset")
        self._post("config", {"transition_seconds": 0.3, "not_found_style": "6309", "keep_deleted": False,
                              "max_notebooks": 10, **config})
        if tick_seconds is not None:
            self.set_clock(tick_seconds=tick_seconds)

    def advance(self, seconds: float) -> float:
        """Move driven time forward; returns the emulator's time after the move."""
        return float(self._post("clock", {"advance": seconds})["now"])

    def set_clock(self, *, mode: Optional[str] = None, tick_seconds: Optional[float] = None) -> dict:
        """Switch between `wall` and `driven` time, or set how far each API request moves driven time."""
        body = {k: v for k, v in (("mode", mode), ("tick_seconds", tick_seconds)) if v is not None}
        return dict(self._post("clock", body))

    def configure(self, **config: Any) -> None:
        self._post("config", config)

    def requests(self) -> list[dict]:
        return self._get("requests")["requests"]

    def mutating(self, since: int = 0) -> list[tuple[str, str]]:
        """(method, path) of every mutating ModelArts call, from request number `since`."""
        return [(r["method"], r["path"]) for r in self.requests()[since:] if r["mutating"]]

    def calls(self, since: int = 0) -> list[str]:
        """Mutating calls from request `since` as short words:
        create, start, stop, update, delete, lease, mount, unmount."""
        words = []
        for method, path in self.mutating(since):
            tail = path.rstrip("/").rsplit("/", 1)[-1]
            if method == "POST":
                words.append({"notebooks": "create", "storage": "mount"}.get(tail, tail))
            elif method == "PATCH":
                words.append("lease")
            elif method == "PUT":
                words.append("update")
            elif method == "DELETE":
                words.append("unmount" if "/storage/" in path else "delete")
        return words

    def notebooks(self) -> list[dict]:
        body = self._get("notebooks")
        return body["notebooks"] if isinstance(body, dict) else body

    def force_status(self, notebook_id: str, status: str, fail_reason: Optional[str] = None) -> None:
        body: dict[str, Any] = {"status": status}
        if fail_reason:
            body["fail_reason"] = fail_reason
        self._post(f"notebooks/{notebook_id}/status", body)

    def save_inventory(self) -> dict:
        """Every notebook with its id and times, as `load_inventory` takes it back."""
        return self._get("inventory")

    def load_inventory(self, inventory: dict) -> list[str]:
        """Replace the notebooks by a saved inventory; returns the loaded ids."""
        response = self.session.put(f"{self.url}/_emulator/inventory", json=inventory, timeout=10)
        response.raise_for_status()
        return response.json()["loaded"]
