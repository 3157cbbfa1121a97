"""Exactly one notebook per resource, across runs.

A run can die after its create reached the service, and the next run may not
see that notebook in the list yet (lists lag behind creates), so it creates
another. The identity marker is the key across runs: every notebook carrying
this resource's marker (with its exact name) other than the resource's own is
a stray left by an interrupted run. Once the list shows the resource's own
notebook, it has caught up with every create made before it, so its other
matches are all the strays there are. Until then nothing can be concluded, and
the resource records that its census is still open (`identity_confirmed:
false` in state) for the next `up`, `refresh` or `destroy` to finish.

That proof needs a notebook created by the run itself. Where the resource's
notebook is an older one adopted from an interrupted run, its being listed says
nothing of creates made after it (a second killed run, or this run's own
create whose answer was lost): then the list is watched for `create_lookup`
seconds past the last moment such a create may have been made, and every
duplicate that shows meanwhile is deleted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

from .errors import ModelArtsError
from .identity import split_identity
from .models import NotebookInfo, NotebookStatus
from .operations import LiveNotebook, Target
from .waiter import DelayPolicy

S = NotebookStatus
# Looks at the list again after a share of the time waited so far: a lag of
# seconds costs a few lists, a lag of minutes a few dozen.
LIST_POLL = DelayPolicy(initial=0.25, share=0.25, long_share=0.25, maximum=5.0)
STRAY_WHY = ("a duplicate left by an interrupted earlier run of this resource (it carries the resource's identity "
             "marker but is not the notebook in state)")


@dataclass(frozen=True)
class Census:
    """What one listing showed of the notebooks carrying a resource's marker."""

    own_listed: bool  # the list shows the resource's own notebook: it is complete up to its create
    strays: tuple[NotebookInfo, ...]

    def describe(self) -> str:
        return ", ".join(f"{n.id} ({n.status})" for n in self.strays)


class MarkerSearch:
    """The notebooks that carry one resource's name and identity marker."""

    def __init__(self, template: Target, name: str, identity: str, feature: Optional[str]) -> None:
        self.template = template
        self.client = template.client
        self.name = name
        self.identity = identity
        self.feature = feature or "NOTEBOOK"

    def matches(self) -> list[NotebookInfo]:
        """Every listed notebook with exactly this name and marker that is not being deleted, oldest first."""
        found = [
            candidate for candidate in self.client.iter_notebooks(name=self.name, feature=self.feature)
            if candidate.name == self.name and split_identity(candidate.description)[1] == self.identity
            and candidate.id and candidate.status not in (S.DELETING, S.DELETED)
        ]
        return sorted(found, key=lambda n: (n.create_at or 0, str(n.id)))

    def census(self, own_id: str) -> Census:
        """One listing: is the own notebook listed, and which others carry the marker."""
        found = self.matches()
        return Census(any(n.id == own_id for n in found), tuple(n for n in found if n.id != own_id))

    def await_census(self, own_id: str, timeout: float, hold_until: Optional[float] = None) -> Census:
        """List until the own notebook shows (the list has caught up), for at most `timeout` seconds;
        with `hold_until` (a time on the clock), also until then, deleting each duplicate as it shows."""
        clock = self.template.clock
        started = clock.now()
        deadline = max(started + timeout, hold_until or started)
        strays: dict[str, NotebookInfo] = {}
        while True:
            census = self.census(own_id)
            if hold_until is not None:
                self.remove(census.strays, STRAY_WHY)
                strays.update((str(n.id), n) for n in census.strays)
            now = clock.now()
            held = hold_until is None or now >= hold_until
            if (census.own_listed and held) or now >= deadline:
                return census if hold_until is None else Census(census.own_listed, ())
            clock.sleep(min(LIST_POLL.next_delay(now - started), deadline - now))

    def close(self, own_id: str, timeout: float, hold_until: Optional[float] = None) -> bool:
        """After a create: wait for the list to show the notebook, then delete the duplicates
        interrupted runs left. False when the list did not show it in time (the census stays open).
        `hold_until`: the notebook was adopted, so also watch the list until then (module docstring)."""
        census = self.await_census(own_id, timeout, hold_until)
        self.remove(census.strays, STRAY_WHY)
        if not census.own_listed:
            self.template.report.warn(
                f"notebook {self.name!r} ({own_id}): the service's list has not shown it after {timeout:.0f}s, so "
                "duplicates left by interrupted runs cannot be ruled out yet; the next `pulumi up`, `refresh` or "
                "`destroy` looks again"
            )
        return census.own_listed

    def closed_at_refresh(self, own_id: str) -> bool:
        """At refresh, one listing: closed once the list shows the notebook and no duplicate; a duplicate
        is named (the next `up` deletes it), nothing is changed."""
        census = self.census(own_id)
        if census.strays:
            self.template.report.warn(
                f"notebook {self.name!r} ({own_id}): found {census.describe()} carrying this resource's identity "
                "marker but not in state (left by an interrupted run): the next `pulumi up` deletes them")
        return census.own_listed and not census.strays

    def announce_strays(self, label: str, own_id: str) -> None:
        """At preview: name the duplicates `up` will delete, from one read-only listing."""
        census = self.census(own_id)
        if census.strays:
            self.template.report.warn(f"{label}: found {census.describe()} carrying this resource's identity marker "
                                      "but not in state (left by an interrupted run): `up` deletes them")

    def announce_leftovers(self) -> None:
        """At the preview of a create: name a notebook an interrupted earlier run left, which `up` adopts."""
        try:
            found = self.matches()
        except ModelArtsError as error:  # only an announcement: `create` looks again, and fails if it must
            self.template.report.debug(f"notebook {self.name!r}: could not look for leftovers of interrupted runs: "
                                       f"{error}")
            return
        if found:
            self.template.report.warn(
                f"notebook {self.name!r}: found {', '.join(f'{n.id} ({n.status})' for n in found)} left by an "
                "interrupted earlier run of this resource: `up` adopts one instead of creating another (and deletes "
                "any other, or any that failed to be created)")

    def census_before_delete(self, own_id: str, timeout: float) -> Census:
        """Before the notebook is deleted: its duplicates, once the list shows it (a notebook already gone
        cannot show: then one listing is all there is)."""
        if self.client.find_notebook(own_id) is None:
            return self.census(own_id)
        return self.await_census(own_id, timeout)

    def remove(self, strays: tuple[NotebookInfo, ...], why: str) -> None:
        """Delete each stray, saying so: they are duplicates nobody manages, and they bill."""
        for stray in strays:
            self.template.report.warn(
                f"notebook {self.name!r}: deleting {stray.id} ({stray.status}), {why}"
            )
            LiveNotebook(dataclasses.replace(self.template, notebook_id=str(stray.id))).delete()

