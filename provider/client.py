"""HTTP client of the ModelArts notebook API: one method per documented operation.

Retries live here and only here, and only where repeating cannot do harm: a
read is repeated after throttling (429), gateway and server errors, the
service's "busy" codes and connection failures; a mutating request only when
the answer proves it had no effect (429, a refused token, a connection never
opened). Any other failure of a mutating request raises `OutcomeUnknown`: the
caller reads the live state back before deciding anything, so a create is never
sent twice blindly and a stop whose answer was lost is not mistaken for a
failure. Backoff is exponential with full jitter, `Retry-After` as a floor,
inside a bounded total time.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, TypeVar

import requests
from pydantic import BaseModel
from requests.adapters import HTTPAdapter

from .auth import encode_query
from .retry import RetryBudget, RetryPolicy
from .errors import (
    TOKEN_REJECTED_CODES,
    ApiError,
    ModelArtsError,
    NotebookNotFound,
    OutcomeUnknown,
    Throttled,
    TransportError,
    UnexplainedNotFound,
    UnknownRoute,
    error_class,
)
from .models import (
    CreateNotebookRequest,
    DataVolume,
    MountRequest,
    Flavor,
    FlavorPage,
    ImageInfo,
    Lease,
    LeaseRequest,
    NotebookInfo,
    Page,
    UpdateNotebookRequest,
)

M = TypeVar("M", bound=BaseModel)
NOTEBOOK_PAGE_LIMIT = 50


@dataclass
class CallStats:
    """Counts of calls made by this client, for benchmarks."""

    requests: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self) -> None:
        with self.lock:
            self.requests += 1


class ModelArtsClient:
    def __init__(
        self,
        endpoint: str,
        project_id: str,
        auth: requests.auth.AuthBase,
        *,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        on_retry: Optional[Callable[[str], None]] = None,
        sleep: Callable[[float], None] = time.sleep,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.project_id = project_id
        self.auth = auth
        self.retry = retry
        self.timeout = timeout
        self.on_retry = on_retry
        self.stats = CallStats()
        self.budget = RetryBudget(retry)
        self._sleep = sleep
        self._rng = random.Random()
        self._session = session or requests.Session()
        # Every resource of a stack shares one provider process and one client.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    # ---- transport ----------------------------------------------------------

    def _url(self, path: str, params: Optional[dict[str, Any]]) -> str:
        url = f"{self.endpoint}/v1/{self.project_id}{path}"
        query = encode_query(params or {})
        return f"{url}?{query}" if query else url

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Optional[dict[str, Any]] = None,
        body: Optional[dict[str, Any]] = None,
        notebook_id: Optional[str] = None,
    ) -> Any:
        """Send one API operation and return its parsed JSON body (None when empty)."""
        url = self._url(path, params)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        reading = method == "GET"
        started = time.monotonic()
        attempt = 0
        token_renewed = False
        while True:
            attempt += 1
            self.budget.wait_turn(self._sleep)
            self.stats.count()
            try:
                response = self._session.request(
                    method, url, data=data, headers=headers, auth=self.auth, timeout=self.timeout
                )
            except requests.RequestException as error:
                never_sent = isinstance(error, requests.ConnectTimeout) or _is_refused(error)
                if (reading or never_sent) and self._may_retry(attempt, started, None):
                    self._pause(attempt, None, f"{method} {path}: {type(error).__name__}")
                    continue
                if not (reading or never_sent):
                    raise OutcomeUnknown(
                        f"{method} {path} failed: {type(error).__name__}; the request may have reached the service",
                        method=method, path=path, notebook_id=notebook_id,
                    ) from None
                raise TransportError(
                    f"{method} {path} failed after {attempt} attempt(s): {type(error).__name__}"
                ) from None
            except ModelArtsError:
                raise  # auth failures (IAM) already say what happened

            if response.status_code < 400:
                self.budget.refund()
                return _json_or_none(response)

            error = _api_error(response, method, path, notebook_id)
            if error.http_status == 401 and error.error_code in TOKEN_REJECTED_CODES and not token_renewed:
                invalidate = getattr(self.auth, "invalidate", None)
                if invalidate is not None:
                    token_renewed = True
                    invalidate(response.request.headers.get("X-Auth-Token"))
                    continue
            # A mutating request is repeated only when the answer proves it had no effect.
            no_effect = isinstance(error, Throttled) or (error.is_retryable and error.http_status < 500)
            if (error.is_retryable if reading else no_effect) and self._may_retry(attempt, started, error.retry_after):
                self._pause(attempt, error.retry_after, f"{method} {path}: HTTP {error.http_status} {error.error_code}")
                continue
            if not reading and error.http_status >= 500:
                raise OutcomeUnknown(
                    f"{error}; the request may have reached the service", method=method, path=path,
                    notebook_id=notebook_id,
                ) from error
            if attempt > 1:
                error.args = (f"{error.args[0]} (after {attempt} attempts)",)
            raise error

    def _may_retry(self, attempt: int, started: float, retry_after: Optional[float]) -> bool:
        if attempt >= self.retry.max_attempts:
            return False
        if time.monotonic() - started + (retry_after or 0.0) >= self.retry.total_seconds:
            return False
        return self.budget.try_spend()

    def _pause(self, attempt: int, retry_after: Optional[float], why: str) -> None:
        delay = self.retry.backoff.delay(attempt, retry_after, self._rng)
        self.budget.hold_back(delay)
        with self.stats.lock:
            self.stats.retries += 1
        if self.on_retry:
            self.on_retry(f"retrying {why} in {delay:.1f}s (attempt {attempt + 1} of {self.retry.max_attempts})")
        self._sleep(delay)

    # ---- notebooks ----------------------------------------------------------

    def create_notebook(self, request: CreateNotebookRequest) -> NotebookInfo:
        return NotebookInfo.model_validate(self._call("POST", "/notebooks", body=request.to_wire()))

    def get_notebook(self, notebook_id: str) -> NotebookInfo:
        return NotebookInfo.model_validate(self._call("GET", f"/notebooks/{notebook_id}", notebook_id=notebook_id))

    def find_notebook(self, notebook_id: str) -> Optional[NotebookInfo]:
        """The notebook, or None when it is gone, judged only on evidence about it.

        Gone is ModelArts.6309 (HTTP 400 or 404), a record with status DELETED,
        or a 404 on its own path while the same credentials can still list the
        project's notebooks. A 404 that the list shares (a wrong endpoint or
        project) raises instead: taking it for "gone" would drop live notebooks
        from state.
        """
        try:
            notebook = self.get_notebook(notebook_id)
        except NotebookNotFound:
            return None
        except UnexplainedNotFound as error:
            try:
                self.list_notebooks(limit=1)
            except UnexplainedNotFound:
                raise UnknownRoute(
                    error.http_status, error.error_code, error.error_msg, method=error.method, path=error.path,
                    notebook_id=notebook_id,
                ) from None
            return None
        return None if notebook.is_gone else notebook

    def list_notebooks(self, *, all_users: bool = False, **filters: Any) -> Page[NotebookInfo]:
        path = "/notebooks/all" if all_users else "/notebooks"
        return Page[NotebookInfo].model_validate(self._call("GET", path, params=filters))

    def iter_notebooks(self, *, all_users: bool = False, **filters: Any) -> Iterator[NotebookInfo]:
        """Every notebook matching `filters`, page after page."""
        return iter_pages(lambda **page: self.list_notebooks(all_users=all_users, **page), NOTEBOOK_PAGE_LIMIT, filters)

    def update_notebook(self, notebook_id: str, request: UpdateNotebookRequest) -> NotebookInfo:
        # The documented update response is not a full notebook (the update page shows a partial body): callers re-read.
        return NotebookInfo.model_validate(
            self._call("PUT", f"/notebooks/{notebook_id}", body=request.to_wire(), notebook_id=notebook_id) or {}
        )

    def delete_notebook(self, notebook_id: str) -> Optional[NotebookInfo]:
        body = self._call("DELETE", f"/notebooks/{notebook_id}", notebook_id=notebook_id)
        return NotebookInfo.model_validate(body) if body else None  # 204 has no body

    def start_notebook(
        self, notebook_id: str, duration_ms: Optional[int] = None, lease_type: Optional[str] = None
    ) -> NotebookInfo:
        params = {"duration": duration_ms, "type": lease_type}
        body = self._call("POST", f"/notebooks/{notebook_id}/start", params=params, body={}, notebook_id=notebook_id)
        return NotebookInfo.model_validate(body or {})

    def stop_notebook(self, notebook_id: str) -> NotebookInfo:
        body = self._call("POST", f"/notebooks/{notebook_id}/stop", notebook_id=notebook_id)
        return NotebookInfo.model_validate(body or {})

    def renew_lease(self, notebook_id: str, request: LeaseRequest) -> Optional[Lease]:
        body = self._call("PATCH", f"/notebooks/{notebook_id}/lease", body=request.to_wire(), notebook_id=notebook_id)
        return Lease.model_validate(body) if body else None

    def mount_storage(self, notebook_id: str, request: MountRequest) -> DataVolume:
        body = self._call("POST", f"/notebooks/{notebook_id}/storage", body=request.to_wire(), notebook_id=notebook_id)
        return DataVolume.model_validate(body or {})

    def list_storage(self, notebook_id: str) -> list[DataVolume]:
        body = self._call("GET", f"/notebooks/{notebook_id}/storage", notebook_id=notebook_id)
        return Page[DataVolume].model_validate(body or {}).data

    def get_storage(self, notebook_id: str, storage_id: str) -> DataVolume:
        return DataVolume.model_validate(
            self._call("GET", f"/notebooks/{notebook_id}/storage/{storage_id}", notebook_id=notebook_id)
        )

    def unmount_storage(self, notebook_id: str, storage_id: str) -> Optional[DataVolume]:
        body = self._call("DELETE", f"/notebooks/{notebook_id}/storage/{storage_id}", notebook_id=notebook_id)
        return DataVolume.model_validate(body) if body else None

    def list_switchable_flavors(self, notebook_id: str) -> list[Flavor]:
        body = self._call("GET", f"/notebooks/{notebook_id}/flavors", notebook_id=notebook_id)
        return FlavorPage.model_validate(body).all_flavors()

    def list_flavors(self, **filters: Any) -> list[Flavor]:
        return FlavorPage.model_validate(self._call("GET", "/notebooks/flavors", params=filters)).all_flavors()

    # ---- images -------------------------------------------------------------

    def list_images(self, **filters: Any) -> Page[ImageInfo]:
        return Page[ImageInfo].model_validate(self._call("GET", "/images", params=filters))

    def iter_images(self, *, limit: int = 100, **filters: Any) -> Iterator[ImageInfo]:
        """Every image the list API returns for `filters`, page after page."""
        return iter_pages(self.list_images, limit, filters)

    def get_image(self, image_id: str) -> ImageInfo:
        return ImageInfo.model_validate(self._call("GET", f"/images/{image_id}"))



def iter_pages(list_page: Callable[..., Page[Any]], limit: int, filters: dict[str, Any]) -> Iterator[Any]:
    """Page through a list until an empty page.

    Not until a short one: the service may cap the page size below what was
    asked, and its counters are unreliable, so only an empty page ends a list.
    """
    filters = dict(filters)
    limit = int(filters.pop("limit", limit))
    offset = int(filters.pop("offset", 0))
    while True:
        page = list_page(limit=limit, offset=offset, **filters)
        if not page.data:
            return
        yield from page.data
        offset += len(page.data)


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


def _api_error(response: requests.Response, method: str, path: str, notebook_id: Optional[str]) -> ApiError:
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
