"""Emulator settings: fixed identity plus the knobs tests may turn at run time."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, fields
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
    "profile": str,
    "update_while_running": bool,
    "report_volume_ids": bool,
    "start_from_error": bool,
    "list_lag_seconds": float,
    "max_page_size": int,
    "delete_running": bool,
    "lease_off_accepted": bool,
    "extra_projects": dict,
    "next_create_fails_with": str,
}

# The readings where the API reference and live-proven clients disagree or the
# reference is silent. `lenient` accepts what live clients are seen to do;
# `strict` follows the reference to the letter.
PROFILES: dict[str, dict[str, Any]] = {
    "lenient": {
        "update_while_running": True,
        "report_volume_ids": True,
        "start_from_error": True,
        "list_lag_seconds": 0.0,
        "max_page_size": 0,
        "delete_running": True,
        "lease_off_accepted": True,
    },
    "strict": {
        "update_while_running": False,
        "report_volume_ids": False,
        "start_from_error": False,
        "list_lag_seconds": 2.0,
        "max_page_size": 3,
        "delete_running": False,
        "lease_off_accepted": False,
    },
}
READINGS = tuple(PROFILES["lenient"])
# The lease duration that turns auto-stop off.
LEASE_OFF = -1

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
    # The readings (see PROFILES); the defaults are the lenient profile.
    profile: str = "lenient"
    update_while_running: bool = True
    report_volume_ids: bool = True
    start_from_error: bool = True
    list_lag_seconds: float = 0.0
    max_page_size: int = 0
    delete_running: bool = True
    lease_off_accepted: bool = True
    # Further projects (id -> name) of the same account, each with its own notebooks and quota.
    extra_projects: dict[str, str] = field(default_factory=dict)
    # When set, the next create ends in CREATE_FAILED with this fail_reason (consumed by that create).
    next_create_fails_with: str = ""

    def __post_init__(self) -> None:
        """A non-lenient `profile` given here sets every reading still at its
        lenient default; use `for_profile` to override a reading back."""
        if self.profile != "lenient":
            self._check_profile(self.profile)
            lenient = PROFILES["lenient"]
            for key, value in PROFILES[self.profile].items():
                if getattr(self, key) == lenient[key]:
                    setattr(self, key, value)
        self.validate()

    @classmethod
    def for_profile(cls, profile: str, **overrides: Any) -> "Settings":
        """Settings with `profile` applied first, then `overrides` (any field)."""
        settings = cls(**{k: v for k, v in overrides.items() if k not in READINGS})
        settings.apply_profile(profile)
        for key, value in overrides.items():
            if key in READINGS:
                setattr(settings, key, value)
        settings.validate()
        return settings

    def apply_profile(self, profile: str) -> None:
        """Set every reading the profile names (later single switches override)."""
        self._check_profile(profile)
        self.profile = profile
        for key, value in PROFILES[profile].items():
            setattr(self, key, value)

    @staticmethod
    def _check_profile(profile: str) -> None:
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}")

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
        self._check_profile(self.profile)
        if self.list_lag_seconds < 0:
            raise ValueError("list_lag_seconds must be >= 0")
        if self.max_page_size < 0:
            raise ValueError("max_page_size must be >= 0 (0: no cap)")
        if not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in self.extra_projects.items()):
            raise ValueError("extra_projects maps project ids to project names (non-empty strings)")

    @property
    def projects(self) -> dict[str, str]:
        """Every project this account holds, id -> name; the main one first."""
        return {self.project_id: self.project_name, **self.extra_projects}

    def project_named(self, name: str) -> str | None:
        return next((pid for pid, pname in self.projects.items() if pname == name), None)

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
