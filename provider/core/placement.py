"""Where a notebook lives: its project and region, the stack's `modelarts:*` defaults
unless the notebook overrides them, and one client per place.

Every place shares the stack's credentials: AK/SK signs with the place's project
id (X-Project-Id), a password login asks IAM for a token scoped to that project.
Each client holds its own auth, so each project's token is cached and renewed
on its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from .config import PROJECT_ID_PATTERN, REGION_PATTERN, ProviderSettings
from .fields import UNKNOWN

if TYPE_CHECKING:  # the client, and `requests` with it, is imported when one is made
    from .client import ModelArtsClient

# The regions of the OTC public cloud; the stack's own region is accepted as well.
KNOWN_REGIONS = ("eu-de", "eu-nl", "eu-ch2")
PLACEMENT_FIELDS = ("project_id", "region")


@dataclass(frozen=True)
class Placement:
    """A project and region, with the stack's defaults filled in (None: the stack's, not known yet)."""

    project_id: Optional[str]
    region: Optional[str]

    @property
    def key(self) -> str:
        return f"{self.project_id or '-'}@{self.region or '-'}"


def placement_problems(settings: ProviderSettings, project_id: Any, region: Any) -> list[tuple[str, str]]:
    """(field, reason) for a project id or region a notebook cannot be placed in; a value
    not known yet (preview) is judged once it is."""
    problems: list[tuple[str, str]] = []
    if project_id not in (None, UNKNOWN) and not PROJECT_ID_PATTERN.match(str(project_id)):
        problems.append(("project_id", f"must be the project's 32-character id (IAM console, My Credentials), "
                                       f"got {project_id!r}"))
    if region in (None, UNKNOWN) or region == settings.region:
        return problems
    known = sorted({*KNOWN_REGIONS, *([settings.region] if settings.region else [])})
    if not REGION_PATTERN.match(str(region)) or region not in known:
        problems.append(("region", f"unknown region {region!r}; known regions: {', '.join(known)}"))
    elif project_id is None:
        problems.append(("project_id", f"a notebook in region {region!r} (the stack's is {settings.region!r}) needs "
                                       "the id of its project there: a project belongs to one region"))
    return problems


def with_placement(settings: Optional[ProviderSettings], props: Mapping[str, Any]) -> dict[str, Any]:
    """`props` with an absent project id or region read as the stack's, so that leaving
    an input out and writing the default value plan the same."""
    if settings is None:
        return dict(props)
    defaults = {"project_id": settings.project_id, "region": settings.region}
    return {**props, **{k: props.get(k) or v for k, v in defaults.items()}}


class ClientPool:
    """One client per place, made on first use and shared by every thread."""

    def __init__(self, settings: ProviderSettings, make: Callable[[ProviderSettings], ModelArtsClient]) -> None:
        self._settings = settings
        self._make = make
        self._clients: dict[Placement, ModelArtsClient] = {}
        self._lock = threading.Lock()

    def place(self, project_id: Optional[str], region: Optional[str]) -> Placement:
        return Placement(project_id or self._settings.project_id, region or self._settings.region)

    def client(self, where: Placement) -> ModelArtsClient:
        with self._lock:
            client = self._clients.get(where)
            if client is None:
                client = self._make(self._settings.placed(where.project_id, where.region))
                self._clients[where] = client
            return client
