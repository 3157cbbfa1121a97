"""Every input of a Notebook, declared once with how a change to it applies.

`plan` reads its field groups from this table, the adoption check and the
preview notes follow from it, `NotebookArgs` and `NotebookInputs` must declare
exactly these inputs (a test checks), the input and output reference
(docs/reference.md) is rendered from it by `reference_section()`, and so is the
provider plugin's package schema: each field's shape (nested object types
included), its outputs and the provider settings. Kept free of heavy imports:
programs load it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from .shapes import BOOLEAN, INTEGER, NUMBER, STRING, Member, Shape, array, obj

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
    shape: Shape = STRING
    required: bool = False
    # The form state records, where the service adds to what was declared.
    recorded: Optional[Shape] = None


# ---- the object types of the inputs and outputs --------------------------------------------

_VOLUME_MEMBERS = (
    Member("category", STRING, "`EVS`, `EFS` or `SFS`", required=True),
    Member("ownership", STRING, "`MANAGED` (default) or `DEDICATED` (EFS only, then `uri` and `id`)"),
    Member("capacity", INTEGER, "GB; EVS 5..4096"),
    Member("uri", STRING, "the SFS share's address, with ownership `DEDICATED`"),
    Member("id", STRING, "the SFS share's id, with ownership `DEDICATED`"),
)
VOLUME = obj("Volume", *_VOLUME_MEMBERS)
VOLUME_STATE = obj("VolumeState", *_VOLUME_MEMBERS,
                   Member("mount_path", STRING, "where the volume is mounted in the notebook"),
                   Member("status", STRING, "the volume's status as the service reports it"))
_ENDPOINT_MEMBERS = (
    Member("service", STRING, "`NOTEBOOK` or `SSH`", required=True),
    Member("key_pair_names", array(STRING), "key pairs allowed to log in (SSH)"),
    Member("allowed_access_ips", array(STRING), "at most 5 public IPs or CIDR blocks allowed to connect"),
)
ENDPOINT = obj("Endpoint", *_ENDPOINT_MEMBERS)
ENDPOINT_STATE = obj("EndpointState", *_ENDPOINT_MEMBERS,
                     Member("dev_service", STRING, "the service as some answers name it"),
                     Member("uri", STRING, "the endpoint's address"),
                     Member("ssh_keys", array(STRING), "key pairs, as some answers name them"))
HOOK = obj("Hook", Member("script", STRING, "the command or the script's path", required=True),
           Member("type", STRING, "`COMMAND` or `SCRIPT` (default)"))
HOOKS = obj("Hooks", Member("container_hooks", obj(
    "ContainerHooks", Member("pre_start", HOOK, "runs before the notebook starts"),
    Member("post_start", HOOK, "runs after the notebook started")), "the container's hooks", required=True))
AUTO_STOP = obj("AutoStop", Member("enabled", BOOLEAN, "default `true`; `false` turns auto-stop off"),
                Member("duration", INTEGER, "milliseconds 3600000..86400000 (1 h..24 h)"),
                Member("type", STRING, "`timing` (default) or `idle`"))
OBS_MOUNT = obj("ObsMount", Member("uri", STRING, "`obs://bucket/path/`", required=True),
                Member("mount_path", STRING, "a folder under `/data/` ending with `/`", required=True))
TIMEOUTS = obj("Timeouts", *(Member(kind, NUMBER, f"seconds, default {default}") for kind, default in (
    ("create", 1800), ("start", 900), ("stop", 900), ("update", 900), ("delete", 900))),
    Member("create_lookup", NUMBER, "seconds a create whose answer was lost is looked for before it is sent "
           "again, default 30"))
IMAGE = obj("Image", *(Member(name, shape, text) for name, shape, text in (
    ("id", STRING, "the image's id"), ("name", STRING, "the image's name"), ("tag", STRING, "the image's tag"),
    ("swr_path", STRING, "the image's address in the container registry"), ("type", STRING, "the image's type"),
    ("arch", STRING, "the processor architecture"), ("description", STRING, "the image's description"),
    ("resource_categories", array(STRING), "the flavor categories the image runs on"))))
LEASE = obj("Lease", *(Member(name, shape, text) for name, shape, text in (
    ("create_at", INTEGER, "when the lease began (epoch ms)"), ("duration", INTEGER, "its length (ms)"),
    ("enable", BOOLEAN, "whether auto-stop is on"), ("type", STRING, "`timing` or `idle`"),
    ("update_at", INTEGER, "when the lease was last renewed (epoch ms)"))))
PROGRESS = obj("ActionProgress", *(Member(name, shape, text) for name, shape, text in (
    ("notebook_id", STRING, "the notebook"), ("status", STRING, "the step's status"),
    ("step", INTEGER, "the step's number"), ("step_description", STRING, "what the step does"),
    ("description", STRING, "what the step does, as some answers name it"))))


FIELDS: tuple[InputField, ...] = (
    InputField("name", Change.IN_PLACE, "1-128 of `A-Z a-z 0-9 _ -`; default the resource name"),
    InputField("flavor", Change.RESTART, "flavor id, checked at preview against the flavor list (and, on a "
               "change, against the notebook's switchable flavors before anything stops)", required=True),
    InputField("image_id", Change.RESTART, "image UUID, checked at preview; its resource categories must include "
               "the flavor's category"),
    InputField("image_name", Change.RESOLVED, "instead of `image_id`: the image's exact name; an ambiguous or "
               "unknown name fails listing the candidates"),
    InputField("image_tag", Change.RESOLVED, "with `image_name`: the image's tag"),
    InputField("volume", Change.GROW, "`{category: EVS|EFS|SFS, ownership: MANAGED|DEDICATED, capacity: GB, uri?, "
               "id?}`; EVS 5..4096 GB; DEDICATED only with EFS, then `uri` and `id`",
               shape=VOLUME, required=True, recorded=VOLUME_STATE),
    InputField("running", Change.RUN_STATE, "bool, default `true`: the desired run state", shape=BOOLEAN),
    InputField("description", Change.IN_PLACE, "at most 482 characters (the service's 512 less the identity "
               "marker), none of `& < > \" ' /`"),
    InputField("endpoints", Change.IN_PLACE, "`[{service: NOTEBOOK|SSH, key_pair_names: [...], allowed_access_ips: "
               "[<= 5 public IPs or CIDRs]}]`", shape=array(ENDPOINT), recorded=array(ENDPOINT_STATE)),
    InputField("workspace_id", Change.REPLACE, "workspace id"),
    InputField("pool_id", Change.REPLACE, "dedicated pool id"),
    InputField("feature", Change.REPLACE, "`NOTEBOOK` (default) | `DEFAULT` (CodeLab)"),
    InputField("project_id", Change.REPLACE, "default the stack's `modelarts:projectId`; see [Notebooks in several "
               "projects](#notebooks-in-several-projects-and-regions)"),
    InputField("region", Change.REPLACE, "default the stack's `modelarts:region`; another region needs its "
               "`project_id`"),
    InputField("hooks", Change.RESTART, "`{container_hooks: {pre_start: {script, type: COMMAND|SCRIPT}, "
               "post_start: {...}}}`", shape=HOOKS),
    InputField("auto_stop", Change.LEASE, "`{enabled: true, duration: ms 3600000..86400000, type: timing|idle}`; "
               "`enabled: false` turns auto-stop off (24 h where the service refuses that)", shape=AUTO_STOP),
    InputField("obs_mounts", Change.MOUNTS, "`[{uri: obs://bucket/path/, mount_path: /data/.../}]`",
               shape=array(OBS_MOUNT)),
    InputField("allow_restart", Change.SETTING, "bool, default `true`; `false` turns a restart into a preview error "
               "and refuses the stop-change-start fallback", shape=BOOLEAN),
    InputField("run_state_drift", Change.SETTING, "`enforce` (default) | `ignore`: whether a status changed outside "
               "the program is set back"),
    InputField("adopt_id", Change.CREATE_ONLY, "id of an existing notebook to bring under management"),
    InputField("timeouts", Change.SETTING, "seconds `{create: 1800, start: 900, stop: 900, update: 900, delete: 900, "
               "create_lookup: 30}`", shape=TIMEOUTS),
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
    shape: Shape = STRING


# Computed outputs of a Notebook, beside the echo of its inputs.
OUTPUTS: tuple[OutputField, ...] = (
    OutputField("notebook_id", "the notebook's id (also the resource id)"),
    OutputField("status", "the live status: RUNNING, STOPPED, ... as the service reports it"),
    OutputField("url", "the JupyterLab address while RUNNING"),
    OutputField("token", "the notebook's access token", secret=True),
    OutputField("image", "the image the notebook runs: `{id, name, swr_path, type, ...}`", shape=IMAGE),
    OutputField("lease", "the auto-stop lease as the service reports it", shape=LEASE),
    OutputField("auto_stop_at", "when the service will stop the notebook (ISO 8601, UTC), while RUNNING"),
    OutputField("ssh_address", "the SSH endpoint's address, when an SSH endpoint is declared"),
    OutputField("fail_reason", "the service's reason for a failed status"),
    OutputField("action_progress", "the steps of the transition under way, as the service reports them",
                shape=array(PROGRESS)),
    OutputField("create_at", "when the notebook was created (epoch ms)", shape=INTEGER),
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


@dataclass(frozen=True)
class Setting:
    """One provider setting: the stack configuration key `modelarts:<name>` and its environment fallback."""

    name: str
    env: Optional[str]
    description: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("region", "OS_REGION_NAME", "the region, e.g. `eu-de`; the default endpoints are the region's"),
    Setting("projectId", "OS_PROJECT_ID", "the project's 32-character id (needed with an access key)"),
    Setting("projectName", "OS_PROJECT_NAME", "the project's name, for password login (default the region)"),
    Setting("endpoint", "MODELARTS_ENDPOINT", "the ModelArts endpoint (default "
            "`https://modelarts.{region}.otc.t-systems.com`; `{region}` is replaced by each notebook's region)"),
    Setting("authUrl", "OS_AUTH_URL", "the IAM endpoint for password login (default the region's)"),
    Setting("accessKey", "OS_ACCESS_KEY", "access key id (AK/SK signing)"),
    Setting("secretKey", "OS_SECRET_KEY", "secret access key; a secret", secret=True),
    Setting("username", "OS_USERNAME", "IAM user name (password login)"),
    Setting("password", "OS_PASSWORD", "IAM password; a secret", secret=True),
    Setting("domainName", "OS_DOMAIN_NAME", "the account's domain name (password login)"),
)
