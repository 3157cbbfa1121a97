"""Bringing a notebook into existence exactly once: create, find an earlier try's, or adopt.

A create whose answer was lost may still have created a notebook, and the list
may not show a new notebook for a while. So a failed create is sent again only
after repeated lookups (by exact name and the identity marker in the
description) over a bounded time found nothing; found, it is adopted.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Callable, Optional

from . import waiter
from .errors import (
    ApiError,
    ConfigurationError,
    LeaseRefused,
    ModelArtsError,
    NotebookFailedError,
    OutcomeUnknown,
    TransportError,
)
from .census import STRAY_WHY, MarkerSearch
from .fields import Change, names
from .inputs import NotebookInputs
from .models import NotebookInfo, NotebookStatus
from .retry import Backoff
from .operations import LiveNotebook, Target, warn_lease_fallback

S = NotebookStatus
FAILED_LEFTOVER_WHY = "left in CREATE_FAILED by an interrupted earlier run of this resource; it can never be used"
# A create is sent again only after a lookup showed the previous try created nothing.
CREATE_ATTEMPTS = 4


class Creation:
    """Create, find or adopt the notebook of one resource."""

    def __init__(self, template: Target, inputs: NotebookInputs) -> None:
        self.template = template
        self.client = template.client
        self.inputs = inputs
        # Until when creates of this resource may exist that the list does not show yet, when the
        # notebook is a leftover found rather than one this run's answered create made (census.py).
        self.unseen_since = template.clock.now()
        self.found_leftover = False
        # The notebook as the end of its creation (or settling) last read it: its state needs no other read.
        self.seen: Optional[NotebookInfo] = None

    def live(self, notebook_id: str) -> LiveNotebook:
        t = self.template
        return LiveNotebook(dataclasses.replace(t, notebook_id=notebook_id))

    def obtain(self) -> tuple[LiveNotebook, bool]:
        """The resource's notebook, settled; and whether it was adopted (its mounts unknown)."""
        if self.inputs.adopt_id:
            return self.adopt(), True
        found = self.find_own()
        if found is not None:
            return found, True
        return self.create_new(), False

    def create_new(self) -> LiveNotebook:
        created = self._post_create()
        if isinstance(created, LiveNotebook):
            return created  # an earlier attempt's notebook, found and settled
        notebook = self.live(str(created.id))
        try:
            self.seen = notebook.wait(waiter.NOTEBOOK_CREATED, first=created)
        except NotebookFailedError as failure:
            if failure.status != S.CREATE_FAILED:
                raise
            # A notebook that failed to be created is never usable: remove it so
            # nothing is left behind and the next `up` starts clean.
            notebook.delete()
            raise NotebookFailedError(
                notebook.id, self.inputs.name, failure.status, failure.fail_reason, "creating",
                note=" The failed notebook was deleted.",
            ) from None
        return notebook

    def _post_create(self) -> "NotebookInfo | LiveNotebook":
        """POST the create, repeating it only once lookups have shown the last try created nothing."""
        lease_fallback = False
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                created = self.client.create_notebook(self.inputs.create_request(lease_fallback))
            except LeaseRefused:
                if lease_fallback or self.inputs.auto_stop is None or self.inputs.auto_stop.enabled:
                    raise
                warn_lease_fallback(self.template)
                lease_fallback = True  # refused: nothing was created
                continue
            except (OutcomeUnknown, TransportError, ApiError) as error:
                if isinstance(error, ApiError):
                    raise  # refused: nothing was created
                self.unseen_since = self.template.clock.now()  # this try may have made a notebook
                found = self._look_for_lost_create()
                if found is not None:
                    return found
                if not self.inputs.identity or attempt == CREATE_ATTEMPTS:
                    raise ModelArtsError(
                        f"creating notebook {self.inputs.name!r} failed ({error}); no notebook of this resource exists "
                        "now. Run `pulumi up` again: it creates it, or adopts it if the service carried it out "
                        "after all."
                    ) from None
                continue
            if not created.id:
                raise ModelArtsError(f"the service accepted notebook {self.inputs.name!r} but returned no id")
            return created
        raise AssertionError("unreachable")

    def _look_for_lost_create(self) -> Optional[LiveNotebook]:
        """Look for the notebook a lost create may have made, for up to `timeouts.create_lookup` seconds."""
        if not self.inputs.identity:
            return None
        clock = self.template.clock
        deadline = clock.now() + self.inputs.limits.create_lookup
        backoff = Backoff(base_delay=0.5, max_delay=8.0)
        for attempt in itertools.count(1):
            clock.sleep(min(backoff.delay(attempt) + 0.25, max(0.0, deadline - clock.now())))
            found = self.find_own()
            if found is not None or clock.now() >= deadline:
                return found
        raise AssertionError("unreachable")

    def search(self) -> Optional[MarkerSearch]:
        """The search for this resource's notebooks by name and identity marker (None without a marker)."""
        if not self.inputs.identity:
            return None
        return MarkerSearch(self.template, self.inputs.name, self.inputs.identity, self.inputs.feature)

    def find_own(self) -> Optional[LiveNotebook]:
        """The notebook an interrupted earlier `create` of this resource left behind.

        Names may repeat and the list filter is fuzzy, so the match is exact on
        the name and on the identity marker the provider put in the description.
        Where several runs died, the oldest usable one is adopted and the others
        are deleted; a notebook that failed to be created is never adopted.
        """
        search = self.search()
        if search is None:
            return None
        found = search.matches()
        usable = [n for n in found if n.status != S.CREATE_FAILED]
        keep = usable[0] if usable else None
        search.remove(tuple(n for n in found if n.status == S.CREATE_FAILED), FAILED_LEFTOVER_WHY)
        search.remove(tuple(n for n in usable if n is not keep), STRAY_WHY)
        if keep is None:
            return None
        self.found_leftover = True
        self.template.report.warn(
            f"notebook {self.inputs.name!r}: found {keep.id} ({keep.status}) left by an interrupted "
            "earlier run of this resource; adopting it instead of creating another"
        )
        notebook = self.live(str(keep.id))
        notebook.settle()
        return notebook

    def adopt(self) -> LiveNotebook:
        """Bring an existing notebook under management (`pulumi import` cannot serve dynamic resources)."""
        notebook_id = str(self.inputs.adopt_id)
        live = self.client.find_notebook(notebook_id)
        if live is None:
            raise ConfigurationError(f"adopt_id: no notebook with id {notebook_id!r} exists in this project")
        mismatches = fixed_field_mismatches(self.inputs, live)
        if mismatches:
            raise ConfigurationError(
                f"adopt_id: notebook {notebook_id} cannot be adopted as declared, these fields cannot change on an "
                f"existing notebook: {'; '.join(mismatches)}. Declare them as they are, or drop adopt_id to create "
                "a new one."
            )
        notebook = self.live(notebook_id)
        notebook.settle()
        return notebook


# How the live notebook reports each input that cannot change (fields.py: Change.REPLACE).
LIVE_FIXED_VALUES: dict[str, Callable[[NotebookInfo], Optional[str]]] = {
    "workspace_id": lambda notebook: notebook.workspace_id,
    "pool_id": lambda notebook: notebook.pool.id if notebook.pool else None,
    "feature": lambda notebook: notebook.feature.upper() if notebook.feature else None,
    # Adoption looks the notebook up in the declared project and region: it is there by construction.
    "project_id": lambda notebook: None,
    "region": lambda notebook: None,
}


def fixed_field_mismatches(inputs: NotebookInputs, notebook: NotebookInfo) -> list[str]:
    """Declared values an existing notebook cannot be changed to (what would be a replacement)."""
    mismatches = []
    live_volume = notebook.volume
    if live_volume is not None:
        if live_volume.category and live_volume.category.upper() != inputs.volume.category:
            mismatches.append(f"volume.category is {live_volume.category}, declared {inputs.volume.category}")
        if live_volume.ownership and live_volume.ownership.upper() != inputs.volume.ownership:
            mismatches.append(f"volume.ownership is {live_volume.ownership}, declared {inputs.volume.ownership}")
        if live_volume.capacity and inputs.volume.capacity and inputs.volume.capacity < live_volume.capacity:
            mismatches.append(
                f"volume.capacity is {live_volume.capacity} GB and cannot shrink to {inputs.volume.capacity}"
            )
    for name in names(Change.REPLACE):
        declared, live = getattr(inputs, name), LIVE_FIXED_VALUES[name](notebook)
        if declared and live and str(declared) != live:
            mismatches.append(f"{name} is {live}, declared {declared}")
    return mismatches
