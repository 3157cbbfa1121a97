"""`TeamWorkspace`: one notebook per team member, declared once.

Every member gets a child `Notebook` named `<workspace>-<member>` (the Pulumi
resource name) built from the shared `notebook` inputs, merged with that
member's `overrides`. Child names depend only on the member, never on the
position in the list, so adding or removing a member creates or deletes only
that member's notebook.

One `running` switch applies to every notebook (feed it from a `RunSchedule`);
a member's `overrides` may set its own `running`, which wins.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import pulumi

from ._core import NAME_PATTERN, NAME_RULE, Notebook, NotebookArgs

__all__ = ["TeamWorkspace", "TeamWorkspaceArgs", "TeamWorkspaceError", "notebook_name", "sanitize"]

TYPE_TOKEN = "modelarts:components:TeamWorkspace"
NAME_MAX = 128
HASH_LENGTH = 8
_INVALID_RUN = re.compile(r"[^A-Za-z0-9_-]+")
# Keyword arguments of Notebook that are not notebook inputs.
_NOT_INPUTS = frozenset({"self", "resource_name", "args", "opts"})


class TeamWorkspaceError(ValueError):
    """The workspace's declaration cannot be turned into notebooks."""


def sanitize(text: str) -> str:
    """`text` with every run of characters outside A-Z a-z 0-9 _ - replaced by one '-'."""
    return _INVALID_RUN.sub("-", text)


def notebook_name(prefix: str, member: str) -> str:
    """A notebook name valid for the API (1-128 of A-Z a-z 0-9 _ -), derived from prefix and member.

    Invalid characters become '-'. A name longer than 128 characters is cut and
    ends with '-' and 8 hex digits of a hash of the full name, so it stays
    stable from run to run and distinct from other long names.
    """
    full = f"{prefix}-{member}"
    clean = sanitize(full)
    if len(clean) <= NAME_MAX:
        return clean
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    return f"{clean[: NAME_MAX - HASH_LENGTH - 1]}-{digest}"


def _notebook_input_names() -> Optional[frozenset[str]]:
    """The inputs `Notebook` accepts (None when they cannot be told)."""
    if dataclasses.is_dataclass(NotebookArgs):
        return frozenset(f.name for f in dataclasses.fields(NotebookArgs))
    parameters = inspect.signature(Notebook.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return None
    return frozenset(parameters) - _NOT_INPUTS


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` laid over `base`: nested plain mappings merge key by key, anything
    else (lists, Outputs, scalars) replaces, and None removes the shared value."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass
class TeamWorkspaceArgs:
    """The inputs of a `TeamWorkspace`, as one object.

    Attributes:
        members: member keys (e.g. user names), each gets one notebook; non-empty, unique
            after sanitising to A-Z a-z 0-9 _ -.
        notebook: `Notebook` keyword arguments shared by every member (flavor, image_id,
            volume, endpoints, auto_stop, ...); not `name` or `running`.
        overrides: member -> `Notebook` keyword arguments for that member only; nested
            mappings merge with the shared ones, None removes a shared input, `running`
            wins over the workspace switch (None keeps the switch), `name` replaces the
            derived name.
        running: desired run state of every notebook (a bool or an Output of one).
        name_prefix: first part of each notebook's API name (default: the resource name).
        project_id, region: the project and region of every notebook (default: the stack's
            modelarts:projectId / modelarts:region); `notebook` or `overrides` may set them too.
    """

    members: Sequence[str]
    notebook: Mapping[str, Any]
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    running: pulumi.Input[bool] = True
    name_prefix: Optional[str] = None
    project_id: Optional[pulumi.Input[str]] = None
    region: Optional[pulumi.Input[str]] = None


class TeamWorkspace(pulumi.ComponentResource):
    """A notebook per team member, with one run-state switch for all of them.

    Outputs (maps keyed by member): `urls`, `statuses`, `volumes`, `notebook_ids`.
    Plain attributes: `notebooks` (member -> child `Notebook`) and
    `notebook_names` (member -> API name).
    """

    urls: pulumi.Output[dict[str, Optional[str]]]
    statuses: pulumi.Output[dict[str, str]]
    volumes: pulumi.Output[dict[str, dict]]
    notebook_ids: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        args: Optional[TeamWorkspaceArgs] = None,
        *,
        members: Optional[Sequence[str]] = None,
        notebook: Optional[Mapping[str, Any]] = None,
        overrides: Optional[Mapping[str, Mapping[str, Any]]] = None,
        running: pulumi.Input[bool] = True,
        name_prefix: Optional[str] = None,
        project_id: Optional[pulumi.Input[str]] = None,
        region: Optional[pulumi.Input[str]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        if args is not None:
            given = (members, notebook, overrides, name_prefix, project_id, region)
            if any(value is not None for value in given):
                raise TeamWorkspaceError("pass either a TeamWorkspaceArgs object or keyword arguments, not both")
        else:
            if members is None or notebook is None:
                raise TeamWorkspaceError(
                    "a TeamWorkspace needs members=[...] and notebook={...shared Notebook inputs...}"
                )
            args = TeamWorkspaceArgs(
                members=members, notebook=notebook, overrides=overrides or {}, running=running, name_prefix=name_prefix,
                project_id=project_id, region=region,
            )
        specs = plan_members(resource_name, args)

        super().__init__(TYPE_TOKEN, resource_name, None, opts)

        child_opts = pulumi.ResourceOptions(parent=self)
        self.notebooks: dict[str, Notebook] = {}
        self.notebook_names: dict[str, pulumi.Input[str]] = {}
        for member, inputs in specs.items():
            self.notebook_names[member] = inputs["name"]
            self.notebooks[member] = Notebook(f"{resource_name}-{member}", opts=child_opts, **inputs)

        self.urls = _by_member(self.notebooks, "url")
        self.statuses = _by_member(self.notebooks, "status")
        self.volumes = _by_member(self.notebooks, "volume")
        self.notebook_ids = _by_member(self.notebooks, "notebook_id")
        self.register_outputs(
            {"urls": self.urls, "statuses": self.statuses, "volumes": self.volumes, "notebook_ids": self.notebook_ids}
        )


def _by_member(notebooks: Mapping[str, Notebook], output: str) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.all(**{member: getattr(nb, output) for member, nb in notebooks.items()})


def plan_members(resource_name: str, args: TeamWorkspaceArgs) -> dict[str, dict[str, Any]]:
    """member -> the keyword arguments of its Notebook (name and running included).

    Checks the whole declaration first and reports every problem in one error.
    """
    where = f"TeamWorkspace {resource_name!r}"
    members = _member_list(where, args.members)
    shared = args.notebook
    if not isinstance(shared, Mapping):
        raise TeamWorkspaceError(f"{where}: notebook must be a mapping of Notebook inputs, got {shared!r}")
    placement = {k: v for k, v in (("project_id", args.project_id), ("region", args.region)) if v is not None}
    shared = {**placement, **shared}  # the notebook mapping's own values win
    overrides = args.overrides or {}
    if not isinstance(overrides, Mapping):
        raise TeamWorkspaceError(f"{where}: overrides must map member -> Notebook inputs, got {overrides!r}")
    prefix = args.name_prefix if args.name_prefix is not None else resource_name
    problems = [*_member_problems(members), *_shared_problems(shared), *_override_problems(overrides, members)]
    if not isinstance(prefix, str) or not prefix:
        problems.append(f"name_prefix must be a non-empty string, got {prefix!r}")
    if problems:
        raise TeamWorkspaceError(f"{where}: " + "; ".join(problems))

    specs: dict[str, dict[str, Any]] = {}
    for member in members:
        inputs = _merge(shared, overrides.get(member) or {})
        inputs.setdefault("name", notebook_name(prefix, member))
        if (overrides.get(member) or {}).get("running") is None:
            inputs["running"] = args.running  # no override of its own (or None): the workspace switch
        specs[member] = inputs

    names = [spec["name"] for spec in specs.values() if isinstance(spec["name"], str)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise TeamWorkspaceError(
            f"{where}: notebook name(s) {', '.join(repeated)} would be used twice; "
            "give the members distinct names in overrides"
        )
    return specs


def _member_list(where: str, members: Any) -> Sequence[Any]:
    if isinstance(members, (str, bytes)) or not isinstance(members, Sequence):
        raise TeamWorkspaceError(f"{where}: members must be a list of member names, got {members!r}")
    if not members:
        raise TeamWorkspaceError(f"{where}: members is empty, a TeamWorkspace needs at least one member")
    return members


def _member_problems(members: Sequence[Any]) -> list[str]:
    """Members that cannot name a notebook, or that name the same one."""
    problems: list[str] = []
    by_clean: dict[str, list[str]] = {}
    for member in members:
        if not isinstance(member, str) or not member.strip():
            problems.append(f"member {member!r} is not a non-empty string")
            continue
        if not re.search(r"[A-Za-z0-9]", member):
            problems.append(f"member {member!r} has no letter or digit to name a notebook after")
            continue
        by_clean.setdefault(sanitize(member), []).append(member)
    for clean, originals in by_clean.items():
        if len(originals) > 1:
            shown = ", ".join(repr(m) for m in originals)
            problems.append(
                f"members {shown} are the same after sanitising to A-Z a-z 0-9 _ - ({clean!r}): "
                "each member needs its own key"
            )
    return problems


def _shared_problems(shared: Mapping[str, Any]) -> list[str]:
    """Inputs the shared notebook may not set, and inputs a Notebook does not take."""
    problems = [f"notebook[{key!r}] is not allowed: {why}" for key, why in (
        ("name", "names are derived per member (set name_prefix, or a name in overrides)"),
        ("running", "use the workspace's running= switch, or running in overrides"),
        ("opts", "pass opts to the TeamWorkspace itself")) if key in shared]
    accepted = _notebook_input_names()
    if accepted is not None:
        unknown = sorted(k for k in shared if k not in accepted and k not in ("name", "running", "opts"))
        if unknown:
            problems.append(
                f"notebook has unknown input(s) {', '.join(unknown)}; Notebook takes: {', '.join(sorted(accepted))}"
            )
    return problems


def _override_problems(overrides: Mapping[Any, Any], members: Sequence[Any]) -> list[str]:
    """Overrides of members that do not exist, or with inputs a Notebook does not take."""
    problems: list[str] = []
    strays = sorted(str(k) for k in overrides if k not in members)
    if strays:
        problems.append(
            f"overrides name unknown member(s) {', '.join(strays)}; members are: {', '.join(map(str, members))}"
        )
    accepted = _notebook_input_names()
    for member, override in overrides.items():
        if not isinstance(override, Mapping):
            problems.append(f"overrides[{member!r}] must be a mapping of Notebook inputs, got {override!r}")
            continue
        if "opts" in override:
            problems.append(f"overrides[{member!r}]['opts'] is not supported: pass opts to the TeamWorkspace")
        if accepted is not None:
            unknown = sorted(k for k in override if k not in accepted)
            if unknown:
                problems.append(f"overrides[{member!r}] has unknown input(s) {', '.join(unknown)}")
        name = override.get("name")
        if isinstance(name, str) and not NAME_PATTERN.match(name):
            problems.append(f"overrides[{member!r}]['name'] must be {NAME_RULE}, got {name!r}")
    return problems
