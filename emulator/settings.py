"""Emulator settings: fixed identity plus the knobs tests may turn at run time."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, fields
from typing import Any, Callable, Protocol

NOT_FOUND_STYLES = ("6309", "404")

# Settings that POST /_emulator/config may change, with their coercions.
RUNTIME_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "transition_seconds": float,
    "not_found_style": str,
    "keep_deleted": bool,
    "max_notebooks": int,
    "token_lifetime_seconds": float,
    "max_clock_skew_seconds": float,
    "lease_min_ms": int,
    "lease_max_ms": int,
}

# Never shown by GET /_emulator/config.
SECRET_SETTINGS = frozenset({"secret_key", "password"})


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8443
    transition_seconds: float = 1.0
    access_key: str = "emulator-ak"
    secret_key: str = "emulator-sk"
    project_id: str = "0123456789abcdef0123456789abcdef"
    project_name: str = "eu-de"
    username: str = "emulator-user"
    password: str = "emulator-password"
    domain: str = "emulator-domain"
    token_lifetime_seconds: float = 86400.0
    not_found_style: str = "6309"
    max_notebooks: int = 10
    max_clock_skew_seconds: float = 900.0
    keep_deleted: bool = False
    # The console offers a custom auto-stop of 1 h to 24 h; the API names no
    # range (6349 is templated), so that range is the chosen reading.
    lease_min_ms: int = 3_600_000
    lease_max_ms: int = 86_400_000

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.not_found_style not in NOT_FOUND_STYLES:
            raise ValueError(f"not_found_style must be one of {NOT_FOUND_STYLES}")
        if self.transition_seconds < 0:
            raise ValueError("transition_seconds must be >= 0")
        if self.max_notebooks < 0:
            raise ValueError("max_notebooks must be >= 0")
        if self.token_lifetime_seconds <= 0:
            raise ValueError("token_lifetime_seconds must be > 0")
        if not 0 < self.lease_min_ms <= self.lease_max_ms:
            raise ValueError("need 0 < lease_min_ms <= lease_max_ms")

    @property
    def domain_id(self) -> str:
        return _stable_id("domain", self.domain)

    @property
    def user_id(self) -> str:
        return _stable_id("user", self.domain, self.username)

    @property
    def notebook_host(self) -> str:
        return f"authoring-modelarts-{self.project_name}.emulator.local"

    def public_view(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in SECRET_SETTINGS}


def _stable_id(*parts: str) -> str:
    """Keystone-style 32-hex ids that stay the same across restarts."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]


class Clock(Protocol):
    def __call__(self) -> float: ...


def system_clock() -> float:
    return time.time()


class ManualClock:
    """A clock tests move by hand, so timed behaviour needs no sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
