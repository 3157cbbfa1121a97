"""What `make chaos` checks after every round, as a pure function of what it saw.

After a killed run and a user's recovery, the stack must be exactly what the
program declares: one notebook per declared name, each settled in its declared
run state, the state's ids naming exactly those notebooks, nothing the state
does not know, and no secret anywhere a pipeline keeps or shows. Kept apart from
the soak's driver so it can be proven on made-up inventories and states.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

Json = Mapping[str, Any]


@dataclass(frozen=True)
class Observed:
    """One look at the service and the stack after a round."""

    declared: Mapping[str, bool]  # notebook name -> declared `running`
    inventory: Sequence[Json]  # every notebook the service holds (the emulator's inventory)
    resources: Sequence[Json]  # the Notebook resources of `pulumi stack export`
    pending: Sequence[Json] = ()  # the export's pending operations (the engine's records of killed calls)
    texts: Mapping[str, str] = field(default_factory=dict)  # where -> what it printed or holds
    secrets: Mapping[str, str] = field(default_factory=dict)  # secret value -> what it is


def violations(seen: Observed) -> list[str]:
    """Every way the stack differs from what was declared, each in words; none when consistent."""
    return [*service_holds_declared(seen), *state_matches_service(seen), *nothing_unmanaged(seen),
            *no_secret_shown(seen)]


def _live_view(notebook: Json) -> str:
    return f"{notebook.get('id')} ({notebook.get('status')})"


def service_holds_declared(seen: Observed) -> list[str]:
    """Exactly one notebook per declared name, settled in its declared run state; no other notebook."""
    found: dict[str, list[Json]] = defaultdict(list)
    for notebook in seen.inventory:
        found[str(notebook.get("name"))].append(notebook)
    problems = []
    for name, running in sorted(seen.declared.items()):
        live = found.get(name, [])
        want = "RUNNING" if running else "STOPPED"
        if not live:
            problems.append(f"{name}: declared, but the service holds no notebook of this name")
        elif len(live) > 1:
            problems.append(f"{name}: the service holds {len(live)} notebooks of this name: "
                            + ", ".join(_live_view(n) for n in live))
        problems.extend(f"{name}: {_live_view(n)} on the service, declared {want}"
                        for n in live if n.get("status") != want)
    for name in sorted(set(found) - set(seen.declared)):
        problems.append(f"{name}: not declared, but the service holds " + ", ".join(_live_view(n) for n in found[name]))
    return problems


def _recorded_name(resource: Json) -> str:
    return str((resource.get("outputs") or {}).get("name") or (resource.get("inputs") or {}).get("name"))


def state_matches_service(seen: Observed) -> list[str]:
    """The state records each declared notebook once, by the id of the notebook the service holds."""
    live = {str(n.get("id")): n for n in seen.inventory}
    problems: list[str] = []
    ids = Counter(str(r.get("id")) for r in seen.resources)
    problems.extend(f"state records id {id_} {count} times" for id_, count in sorted(ids.items()) if count > 1)
    names = Counter(_recorded_name(r) for r in seen.resources)
    for name in sorted(seen.declared):
        if names[name] != 1:
            problems.append(f"{name}: state records it {names[name]} times, declared once")
    for resource in seen.resources:
        name, id_ = _recorded_name(resource), str(resource.get("id"))
        notebook = live.get(id_)
        recorded = (resource.get("outputs") or {}).get("status")
        if notebook is None:
            problems.append(f"{name}: state records {id_}, which the service does not hold")
        elif notebook.get("name") != name:
            problems.append(f"{name}: state records {id_}, which the service holds as {notebook.get('name')!r}")
        elif recorded != notebook.get("status"):
            problems.append(f"{name}: state records {id_} as {recorded}, the service has it {notebook.get('status')}")
    return problems


def notes(seen: Observed) -> list[str]:
    """What is worth saying but is no violation: the engine keeps the record of a create a killed run
    left pending (the resource is in state all the same) until `pulumi refresh --clear-pending-creates`,
    and warns about it on every run until then."""
    return [f"state keeps the engine's record of a pending {p.get('type')} of "
            f"{str((p.get('resource') or {}).get('urn', '?')).rsplit('::', 1)[-1]} (cleared by "
            "`pulumi refresh --clear-pending-creates`)" for p in seen.pending]


def nothing_unmanaged(seen: Observed) -> list[str]:
    """Every notebook the service holds is in state: none bills unmanaged."""
    recorded = {str(r.get("id")) for r in seen.resources}
    return [f"unmanaged: {n.get('name')} {_live_view(n)} is not in state"
            for n in seen.inventory if str(n.get("id")) not in recorded]


def no_secret_shown(seen: Observed) -> list[str]:
    """No secret value in any command's output or in the exported state."""
    return [f"{what} appears in {where}"
            for where, text in seen.texts.items()
            for value, what in seen.secrets.items() if value and value in text]
