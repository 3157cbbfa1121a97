"""Sending one API request, with the retries that cannot do harm.

Retries live here and only here. A read is repeated after throttling (429),
gateway and server errors, the service's "busy" codes and connection failures.
A mutating request is repeated only when the answer proves it had no effect
(429, a refused token, a connection never opened); any other failure raises
`OutcomeUnknown`, and the caller reads the live state back before deciding
anything, so a create is never sent twice blindly. Every retry of every thread
draws from one budget and backs off together (`retry.py`); final errors say
how many attempts were made.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import requests
from requests.adapters import HTTPAdapter

from . import trace
from .clock import SYSTEM_CLOCK, Clock
from .errors import (
    TOKEN_REJECTED_CODES,
    ApiError,
    ModelArtsError,
    OutcomeUnknown,
    Throttled,
    TransportError,
    error_class,
)
from .retry import RetryBudget, RetryPolicy


@dataclass
class CallStats:
    """Counts of requests sent, for benchmarks and tests."""

    requests: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, retry: bool = False) -> None:
        with self.lock:
            self.requests += 0 if retry else 1
            self.retries += 1 if retry else 0


class Transport:
    """One HTTP session, one authentication, one retry budget: shared by every notebook of a stack."""

    def __init__(
        self,
        auth: requests.auth.AuthBase,
        *,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        on_retry: Optional[Callable[[str], None]] = None,
        clock: Clock = SYSTEM_CLOCK,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.auth = auth
        self.retry = retry
        self.timeout = timeout
        self.on_retry = on_retry
        self.stats = CallStats()
        self.budget = RetryBudget(retry, now=clock.now)
        self._clock = clock
        self._rng = random.Random()
        self._session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    def send(self, method: str, url: str, path: str, *, body: Optional[dict[str, Any]] = None,
             notebook_id: Optional[str] = None) -> Any:
        """Send one API operation and return its parsed JSON body (None when empty)."""
        call = _Call(method, url, path, body, notebook_id, started=self._clock.now())
        while True:
            call.attempt += 1
            self.budget.wait_turn(self._clock.sleep)
            self.stats.count()
            try:
                with trace.span("call", method=method, path=path) as traced:
                    response = self._session.request(method, url, data=call.data, headers=call.headers,
                                                     auth=self.auth, timeout=self.timeout)
                    traced.set(status=response.status_code)
            except requests.RequestException as error:
                self._after_connection_error(call, error)
                continue
            except ModelArtsError:
                raise  # auth failures (IAM) already say what happened
            if response.status_code < 400:
                self.budget.refund()
                return _json_or_none(response)
            self._after_error_answer(call, response)

    def _after_connection_error(self, call: "_Call", error: requests.RequestException) -> None:
        """Return to send again; raise when that could do harm or the budget is spent."""
        never_sent = isinstance(error, requests.ConnectTimeout) or _is_refused(error)
        if (call.reading or never_sent) and self._may_retry(call, None):
            self._pause(call, None, type(error).__name__)
            return
        if not (call.reading or never_sent):
            raise OutcomeUnknown(
                f"{call.method} {call.path} failed: {type(error).__name__}; the request may have reached the service",
                method=call.method, path=call.path, notebook_id=call.notebook_id,
            ) from None
        raise TransportError(
            f"{call.method} {call.path} failed after {call.attempt} attempt(s): {type(error).__name__}"
        ) from None

    def _after_error_answer(self, call: "_Call", response: requests.Response) -> None:
        """Return to send again; raise the answer's error otherwise."""
        error = api_error(response, call.method, call.path, call.notebook_id)
        if error.http_status == 401 and error.error_code in TOKEN_REJECTED_CODES and not call.token_renewed:
            invalidate = getattr(self.auth, "invalidate", None)
            if invalidate is not None:
                call.token_renewed = True
                invalidate(response.request.headers.get("X-Auth-Token"))
                return
        # A mutating request is repeated only when the answer proves it had no effect.
        no_effect = isinstance(error, Throttled) or (error.is_retryable and error.http_status < 500)
        if (error.is_retryable if call.reading else no_effect) and self._may_retry(call, error.retry_after):
            self._pause(call, error.retry_after, f"HTTP {error.http_status} {error.error_code}")
            return
        if not call.reading and error.http_status >= 500:
            raise OutcomeUnknown(
                f"{error}; the request may have reached the service", method=call.method, path=call.path,
                notebook_id=call.notebook_id,
            ) from error
        if call.attempt > 1:
            error.args = (f"{error.args[0]} (after {call.attempt} attempts)",)
        raise error

    def _may_retry(self, call: "_Call", retry_after: Optional[float]) -> bool:
        if call.attempt >= self.retry.max_attempts:
            return False
        if self._clock.now() - call.started + (retry_after or 0.0) >= self.retry.total_seconds:
            return False
        return self.budget.try_spend()

    def _pause(self, call: "_Call", retry_after: Optional[float], why: str) -> None:
        delay = self.retry.backoff.delay(call.attempt, retry_after, self._rng)
        self.budget.hold_back(delay)
        self.stats.count(retry=True)
        if self.on_retry:
            self.on_retry(f"retrying {call.method} {call.path}: {why} in {delay:.1f}s "
                          f"(attempt {call.attempt + 1} of {self.retry.max_attempts})")
        self._clock.sleep(delay)


@dataclass
class _Call:
    method: str
    url: str
    path: str
    body: Optional[dict[str, Any]]
    notebook_id: Optional[str]
    started: float
    attempt: int = 0
    token_renewed: bool = False

    @property
    def reading(self) -> bool:
        return self.method == "GET"

    @property
    def data(self) -> Optional[bytes]:
        return json.dumps(self.body).encode() if self.body is not None else None

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json"} if self.body is not None else {}


def _json_or_none(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise TransportError(
            f"{response.request.method} {response.url.split('?')[0]} answered HTTP {response.status_code} "
            "with a body that is not JSON"
        ) from None


def api_error(response: requests.Response, method: str, path: str, notebook_id: Optional[str]) -> ApiError:
    code, message = f"HTTP.{response.status_code}", response.reason or ""
    try:
        body = response.json()
        if isinstance(body, dict):
            code = str(body.get("error_code") or code)
            message = str(body.get("error_msg") or message)
    except ValueError:
        pass
    retry_after = _retry_after(response.headers.get("Retry-After"))
    kind = error_class(response.status_code, code)
    return kind(
        response.status_code, code, message, method=method, path=path, notebook_id=notebook_id, retry_after=retry_after
    )


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to the backoff


def _is_refused(error: requests.RequestException) -> bool:
    """A connection that was never opened: nothing reached the service."""
    text = repr(error)
    return isinstance(error, requests.ConnectionError) and (
        "NewConnectionError" in text or "Connection refused" in text or "Name or service not known" in text
    )
