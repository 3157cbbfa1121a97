"""Injected faults, for client retry and timeout tests.

A matching rule answers before authentication and before any state change,
the way a gateway in front of the service would; with `after_effect` it
answers instead of the real response, after the request took effect (the
answer was lost on the way back: the case a client must not repeat blindly).

A rule answers the service's error body (`error_code`, `error_msg`) unless it
gives a `body` of its own: a JSON object, a text (a proxy's error page), or
null for no body at all. A plain 404 from something in front of the service
names no error code, and a client must not read it as "the notebook is gone".
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from .catalog import Json
from .errors import ERROR_TABLE


class FaultRuleError(ValueError):
    pass


class _ServiceBody:
    """The default answer body: the service's error JSON, from the rule's code and message."""

    def __repr__(self) -> str:
        return "SERVICE_BODY"


SERVICE_BODY: Any = _ServiceBody()


@dataclass
class FaultRule:
    method: str = "*"
    path_regex: str = ".*"
    status: int | None = 503
    error_code: str = "ModelArts.6101"
    error_msg: str | None = None
    retry_after: float | None = None
    times: int | None = None  # None: fire every time
    probability: float = 1.0
    delay_seconds: float = 0.0
    reset_connection: bool = False
    after_effect: bool = False
    body: Any = SERVICE_BODY  # or a JSON object, a text, or None (no body)
    fired: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        try:
            self._pattern = re.compile(self.path_regex)
        except re.error as exc:
            raise FaultRuleError(f"bad path_regex: {exc}") from exc
        if self.status is not None and not 100 <= self.status <= 599:
            raise FaultRuleError("status must be an HTTP status or null")
        if not 0.0 <= self.probability <= 1.0:
            raise FaultRuleError("probability must be within 0..1")
        if self.delay_seconds < 0 or (self.times is not None and self.times < 0):
            raise FaultRuleError("delay_seconds and times must not be negative")
        if not (self.body is SERVICE_BODY or self.body is None or isinstance(self.body, (str, dict))):
            raise FaultRuleError("body must be an object, a string or null")

    @classmethod
    def from_json(cls, data: Any) -> "FaultRule":
        if not isinstance(data, dict):
            raise FaultRuleError("each rule must be an object")
        known = {"method", "path_regex", "status", "error_code", "error_msg", "retry_after", "times",
                 "probability", "delay_seconds", "reset_connection", "after_effect", "body"}
        unknown = set(data) - known
        if unknown:
            raise FaultRuleError(f"unknown rule field(s): {', '.join(sorted(unknown))}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise FaultRuleError(str(exc)) from exc

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and self._pattern.search(path) is not None

    @property
    def message(self) -> str:
        if self.error_msg is not None:
            return self.error_msg
        return ERROR_TABLE.get(self.error_code, (0, "Injected fault."))[1]

    def to_json(self) -> Json:
        given = {} if self.body is SERVICE_BODY else {"body": self.body}
        return {
            "method": self.method,
            "path_regex": self.path_regex,
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
            "retry_after": self.retry_after,
            "times": self.times,
            "probability": self.probability,
            "delay_seconds": self.delay_seconds,
            "reset_connection": self.reset_connection,
            "after_effect": self.after_effect,
            **given,
            "fired": self.fired,
        }


class FaultInjector:
    """Callers hold the emulator lock."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self._random = random.Random(0)

    def set_rules(self, rules: list[FaultRule], seed: int | None = None) -> None:
        self.rules = rules
        self._random = random.Random(seed if seed is not None else 0)

    def clear(self) -> None:
        self.rules = []

    def pick(self, method: str, path: str) -> FaultRule | None:
        for rule in self.rules:
            if rule.exhausted or not rule.matches(method, path):
                continue
            if rule.probability < 1.0 and self._random.random() >= rule.probability:
                continue
            rule.fired += 1
            return rule
        return None
