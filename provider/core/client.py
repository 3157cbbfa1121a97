"""HTTP client of the ModelArts notebook API: one method per documented operation.

Sending, and the retries that cannot do harm, are the transport's
(`transport.py`); here each operation builds its path and parses its answer.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, TypeVar

import requests
from pydantic import BaseModel

from .auth import encode_query
from .clock import SYSTEM_CLOCK, Clock
from .errors import NotebookNotFound, UnexplainedNotFound, UnknownRoute
from .retry import RetryPolicy
from .transport import CallStats, Transport
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


class ModelArtsClient:
    """One method per documented operation of the notebook API, over one `Transport`."""

    def __init__(
        self,
        endpoint: str,
        project_id: str,
        auth: requests.auth.AuthBase,
        *,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        on_retry: Optional[Callable[[str], None]] = None,
        clock: Clock = SYSTEM_CLOCK,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.project_id = project_id
        self.transport = Transport(auth, retry=retry, timeout=timeout, on_retry=on_retry, clock=clock,
                                   session=session)

    @property
    def stats(self) -> CallStats:
        return self.transport.stats

    def close(self) -> None:
        self.transport.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Optional[dict[str, Any]] = None,
        body: Optional[dict[str, Any]] = None,
        notebook_id: Optional[str] = None,
    ) -> Any:
        url = f"{self.endpoint}/v1/{self.project_id}{path}"
        query = encode_query(params or {})
        return self.transport.send(method, f"{url}?{query}" if query else url, path, body=body,
                                   notebook_id=notebook_id)

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
