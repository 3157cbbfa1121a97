"""Every input of a Notebook, declared once with how a change to it applies.

`plan` reads its field groups from this table, the adoption check and the
preview notes follow from it, `NotebookArgs` and `NotebookInputs` must declare
exactly these inputs (a test checks), and the input and output reference
(docs/reference.md) is rendered from it by `reference_section()`. Kept free of
heavy imports: programs load it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# The SDK's marker for a value not known until apply (preview of a new stack).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
NAME_RULE = "1-128 characters from A-Z a-z 0-9 _ -"


class Change(str, Enum):
    """What changing an input does to an existing notebook."""

    IN_PLACE = "in place"
    RESTART = "in place, only while stopped: a running notebook is stopped, changed and started again"
    RUN_STATE = "in place: start or stop"
    GROW = "capacity grows in place (EVS, 100 GB steps while running); shrinking or any other change replaces"
    LEASE = "in place: renews the lease while running, applied at every start"
    MOUNTS = "in place: mounted while running, unmounted when removed"
    REPLACE = "**replace** (the update API has no such field; a notebook cannot move)"
    RESOLVED = "resolved to `image_id` at preview: as `image_id` when it names another image"
    SETTING = "provider setting, no call"
    CREATE_ONLY = "at create only"


@dataclass(frozen=True)
class InputField:
    name: str
    change: Change
    rules: str
    internal: bool = False  # set by the resource itself, not by programs


FIELDS: tuple[InputField, ...] = (
    InputField("name", Change.IN_PLACE, "1-128 of `A-Z a-z 0-9 _ -`; default the resource name"),
    InputField("flavor", Change.RESTART, "flavor id, checked at preview against the flavor list (and, on a "
               "change, against the notebook's switchable flavors before anything stops)"),
    InputField("image_id", Change.RESTART, "image UUID, checked at preview; its resource categories must include "
               "the flavor's category"),
    InputField("image_name", Change.RESOLVED, "instead of `image_id`: the image's exact name; an ambiguous or "
               "unknown name fails listing the candidates"),
    InputField("image_tag", Change.RESOLVED, "with `image_name`: the image's tag"),
    InputField("volume", Change.GROW, "`{category: EVS|EFS|SFS, ownership: MANAGED|DEDICATED, capacity: GB, uri?, "
               "id?}`; EVS 5..4096 GB; DEDICATED only with EFS, then `uri` and `id`"),
    InputField("running", Change.RUN_STATE, "bool, default `true`: the desired run state"),
    InputField("description", Change.IN_PLACE, "at most 482 characters (the service's 512 less the identity "
               "marker), none of `& < > \" ' /`"),
    InputField("endpoints", Change.IN_PLACE, "`[{service: NOTEBOOK|SSH, key_pair_names: [...], allowed_access_ips: "
               "[<= 5 public IPs or CIDRs]}]`"),
    InputField("workspace_id", Change.REPLACE, "workspace id"),
    InputField("pool_id", Change.REPLACE, "dedicated pool id"),
    InputField("feature", Change.REPLACE, "`NOTEBOOK` (default) | `DEFAULT` (CodeLab)"),
    InputField("project_id", Change.REPLACE, "default the stack's `modelarts:projectId`; see [Notebooks in several "
               "projects](#notebooks-in-several-projects-and-regions)"),
    InputField("region", Change.REPLACE, "default the stack's `modelarts:region`; another region needs its "
               "`project_id`"),
    InputField("hooks", Change.RESTART, "`{container_hooks: {pre_start: {script, type: COMMAND|SCRIPT}, "
               "post_start: {...}}}`"),
    InputField("auto_stop", Change.LEASE, "`{enabled: true, duration: ms 3600000..86400000, type: timing|idle}`; "
               "`enabled: false` turns auto-stop off (24 h where the service refuses that)"),
    InputField("obs_mounts", Change.MOUNTS, "`[{uri: obs://bucket/path/, mount_path: /data/.../}]`"),
    InputField("allow_restart", Change.SETTING, "bool, default `true`; `false` turns a restart into a preview error "
               "and refuses the stop-change-start fallback"),
    InputField("run_state_drift", Change.SETTING, "`enforce` (default) | `ignore`: whether a status changed outside "
               "the program is set back"),
    InputField("adopt_id", Change.CREATE_ONLY, "id of an existing notebook to bring under management"),
    InputField("timeouts", Change.SETTING, "seconds `{create: 1800, start: 900, stop: 900, update: 900, delete: 900, "
               "create_lookup: 30}`"),
    InputField("identity", Change.CREATE_ONLY, "marker of the resource in the description", internal=True),
)


def pulumi_name(name: str) -> str:
    """The property name other Pulumi languages use (camelCase): `image_id` is `imageId`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def names(*changes: Change) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS if f.change in changes)


def program_inputs() -> tuple[str, ...]:
    """The inputs a program may give (the keyword arguments of `Notebook`)."""
    return tuple(f.name for f in FIELDS if not f.internal)


@dataclass(frozen=True)
class OutputField:
    name: str
    description: str
    secret: bool = False
    internal: bool = False  # kept in state for the provider's own use


# Computed outputs of a Notebook, beside the echo of its inputs.
OUTPUTS: tuple[OutputField, ...] = (
    OutputField("notebook_id", "the notebook's id (also the resource id)"),
    OutputField("status", "the live status: RUNNING, STOPPED, ... as the service reports it"),
    OutputField("url", "the JupyterLab address while RUNNING"),
    OutputField("token", "the notebook's access token", secret=True),
    OutputField("image", "the image the notebook runs: `{id, name, swr_path, type, ...}`"),
    OutputField("lease", "the auto-stop lease as the service reports it"),
    OutputField("auto_stop_at", "when the service will stop the notebook (ISO 8601, UTC), while RUNNING"),
    OutputField("ssh_address", "the SSH endpoint's address, when an SSH endpoint is declared"),
    OutputField("fail_reason", "the service's reason for a failed status"),
    OutputField("action_progress", "the steps of the transition under way, as the service reports them"),
    OutputField("create_at", "when the notebook was created (epoch ms)"),
    OutputField("timings", "seconds each kind of transition last took: the next run polls at the right moments",
                internal=True),
    OutputField("declared", "declared values the live ones may overwrite in state", internal=True),
    OutputField("identity_confirmed", "whether the service's list has shown this notebook, so that no duplicate "
                "left by an interrupted run can hide from the provider", internal=True),
)
OUTPUT_KEYS: tuple[str, ...] = tuple(f.name for f in OUTPUTS)
# Never change on an existing notebook.
STABLE_OUTPUTS = ("notebook_id", "identity")


# ---- the reference, rendered ----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Table-safe markdown: a `|` inside a cell would end it."""
    return text.replace("|", "\\|")


def _names(name: str) -> str:
    """Both names a property goes by: the Python one, then the one other Pulumi languages use."""
    return f"`{name}` | `{pulumi_name(name)}`"


def reference_table() -> str:
    """The inputs a program gives, with their rules and what a change does to an existing notebook."""
    rows = ["| input | other languages | type and rules | on an existing notebook |", "|---|---|---|---|"]
    rows += [f"| {_names(f.name)} | {_cell(f.rules)} | {f.change.value} |" for f in FIELDS if not f.internal]
    return "\n".join(rows)


def outputs_table() -> str:
    """The computed outputs, secrets marked as the engine treats them."""
    rows = ["| output | other languages | meaning |", "|---|---|---|"]
    for f in OUTPUTS:
        if not f.internal:
            secret = " **Secret**: encrypted in state, masked in the CLI's output." if f.secret else ""
            rows.append(f"| {_names(f.name)} | {_cell(f.description)}.{secret} |")
    return "\n".join(rows)


def reference_section() -> str:
    """The whole generated part of docs/reference.md: inputs, outputs, and what state keeps for itself."""
    internal = [f"`{f.name}` (input: {f.rules})" for f in FIELDS if f.internal]
    internal += [f"`{f.name}` ({f.description})" for f in OUTPUTS if f.internal]
    return "\n".join([
        "## Inputs", "", reference_table(), "",
        "## Outputs", "", outputs_table(), "",
        "Kept in state for the provider's own use, not for programs: " + "; ".join(internal) + ".",
    ])

