"""A notebook made elsewhere, brought under management by its id (`pulumi import`).

The inputs returned here declare the live notebook as it is: a program that
declares them plans no change, so the first preview after an import is quiet.
Only what recreating an equal notebook would need is declared; what the
service adds on its own (the NOTEBOOK endpoint, the default workspace and
feature) is left out, and the plan compares only what is declared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from .errors import ModelArtsError
from .identity import split_identity
from .models import NotebookInfo, NotebookStatus
from .state import record_state

if TYPE_CHECKING:  # the client, and `requests` with it, is imported when one is made
    from .client import ModelArtsClient

S = NotebookStatus
# The service's own defaults, not worth declaring.
DEFAULT_WORKSPACE = "0"
DEFAULT_FEATURE = "NOTEBOOK"
# The endpoint every notebook has (JupyterLab).
OWN_ENDPOINT = "NOTEBOOK"


class UnknownNotebook(ModelArtsError):
    """The id names no notebook of the project: there is nothing to bring under management."""

    def __init__(self, notebook_id: str, project_id: str, region: Optional[str]) -> None:
        where = f"project {project_id}" + (f" ({region})" if region else "")
        super().__init__(
            f"no notebook with id {notebook_id!r} in {where}: nothing to import; check the id (the notebook's "
            "details in the console show it) and the project and region the stack is configured for"
        )


def import_notebook(client: ModelArtsClient, notebook_id: str, identity: Optional[str],
                    region: Optional[str] = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(inputs that declare the notebook unchanged, the state to record) of a live notebook.

    `identity` is the marker of the resource it is imported into, recorded in state
    like any notebook's (the live description has none: it was made elsewhere).
    """
    notebook = client.find_notebook(notebook_id) if notebook_id else None
    if notebook is None:
        raise UnknownNotebook(notebook_id, client.project_id, region)
    if notebook.status == S.DELETING:
        raise ModelArtsError(f"notebook {notebook.name!r} ({notebook_id}) is being deleted by the service: "
                             "nothing to import")
    inputs = declared_inputs(notebook)
    return inputs, record_state({**inputs, "identity": identity}, notebook)


def declared_inputs(notebook: NotebookInfo) -> dict[str, Any]:
    """The inputs of a program that declares `notebook` as it is now."""
    description, _marker = split_identity(notebook.description)
    volume = notebook.volume
    declared: dict[str, Any] = {
        "name": notebook.name,
        "flavor": notebook.flavor,
        "image_id": notebook.image.id if notebook.image is not None else None,
        "volume": {"category": volume.category, "ownership": volume.ownership or "MANAGED",
                   "capacity": volume.capacity} if volume is not None else None,
        # A notebook on its way down is declared stopped; any other status, running.
        "running": notebook.status not in (S.STOPPED, S.STOPPING),
        "description": description or None,
        "endpoints": _declared_endpoints(notebook),
        "pool_id": notebook.pool.id if notebook.pool is not None else None,
        "workspace_id": notebook.workspace_id if notebook.workspace_id != DEFAULT_WORKSPACE else None,
        "feature": notebook.feature if notebook.feature != DEFAULT_FEATURE else None,
    }
    return {key: value for key, value in declared.items() if value is not None}


def _declared_endpoints(notebook: NotebookInfo) -> Optional[list[dict[str, Any]]]:
    """The endpoints besides the NOTEBOOK one the service adds to every notebook."""
    declared = []
    for endpoint in notebook.endpoints or []:
        service = str(endpoint.service or endpoint.dev_service or "").upper()
        if service in ("", OWN_ENDPOINT):
            continue
        entry: dict[str, Any] = {"service": service}
        keys = endpoint.key_pair_names or endpoint.ssh_keys
        if keys:
            entry["key_pair_names"] = list(keys)
        if endpoint.allowed_access_ips:
            entry["allowed_access_ips"] = list(endpoint.allowed_access_ips)
        declared.append(entry)
    return declared or None
