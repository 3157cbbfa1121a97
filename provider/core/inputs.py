"""The Notebook resource's inputs: typed, validated as the service documents them,
and turned into the API's create request.

`check()` runs this at `pulumi preview`, so a bad value fails there, one failure
per field, naming what is allowed, before anything is sent.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator, model_validator

from .models import (
    AUTO_STOP_OFF,
    DEFAULT_LEASE_MS,
    LEASE_MAX_MS,
    LEASE_MIN_MS,
    CreateNotebookRequest,
    CustomHooks,
    EndpointRequest,
    Feature,
    LeaseRequest,
    LeaseType,
    VolumeRequest,
    WholeNumber,
    check_description,
    check_name,
    upper_enum,
)
from .fields import UNKNOWN
from .identity import MARKER_LENGTH, with_identity


RunStateDrift = Literal["enforce", "ignore"]

# The service takes descriptions of up to 512 characters; the marker rides at the end.
DESCRIPTION_MAX = 512 - MARKER_LENGTH


@dataclass(frozen=True)
class Problem:
    """One input that cannot be accepted: the field (dotted path) and why, naming what is allowed."""

    field: str
    reason: str


class AutoStop(BaseModel):
    """The lease: the service stops a running notebook `duration` ms after it was started
    (or after the last renewal). `enabled=False` sends `duration: -1` (auto-stop
    off, as clients proven against the live service do); where a service refuses
    that, the provider falls back to the longest lease (24 h) with a warning."""

    # Schemas here and below are built on first use (a provider process that checks nothing builds none).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    enabled: StrictBool = True
    duration: WholeNumber = DEFAULT_LEASE_MS
    type: LeaseType = "timing"

    @field_validator("type", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("duration")
    @classmethod
    def _range(cls, value: int) -> int:
        if not LEASE_MIN_MS <= value <= LEASE_MAX_MS:
            raise ValueError(
                f"must be {LEASE_MIN_MS}..{LEASE_MAX_MS} milliseconds (1 h..24 h, the service's auto-stop range), "
                f"got {value}"
            )
        return value

    @property
    def effective_duration(self) -> int:
        return self.duration if self.enabled else AUTO_STOP_OFF

    def lease_request(self, fallback: bool = False) -> LeaseRequest:
        """`fallback`: the longest lease instead of "off", for a service that refuses -1."""
        duration = LEASE_MAX_MS if fallback and not self.enabled else self.effective_duration
        return LeaseRequest(duration=duration, type=self.type)


# A number of seconds: 30 or 30.5, never "30", true, infinity or NaN.
Seconds = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]


class Timeouts(BaseModel):
    """Seconds each long operation may take (the engine ignores `custom_timeouts`
    for dynamic resources). Creation provisions storage, compute and network."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    create: Seconds = 1800.0
    start: Seconds = 900.0
    stop: Seconds = 900.0
    update: Seconds = 900.0
    delete: Seconds = 900.0
    # How long a create whose answer was lost is looked for before it is sent
    # again (a new notebook may take a while to show in the list).
    create_lookup: Seconds = 30.0


class ObsMount(BaseModel):
    """An OBS path mounted into the running notebook (under /data/, ending with /)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    uri: str = Field(pattern=r"^obs://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
    mount_path: str

    @field_validator("mount_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/data/") or not value.endswith("/") or value == "/data/":
            raise ValueError(f"must be a folder under /data/ ending with '/', e.g. /data/datasets/; got {value!r}")
        return value


class NotebookInputs(BaseModel):
    """Every input of the resource."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str
    flavor: str = Field(min_length=1)
    # One of the two: an image id, or a name (and tag) resolved to one at preview.
    image_id: Optional[str] = Field(default=None, min_length=1)
    image_name: Optional[str] = Field(default=None, min_length=1)
    image_tag: Optional[str] = Field(default=None, min_length=1)
    volume: VolumeRequest
    running: StrictBool = True
    description: Optional[str] = None
    endpoints: Optional[list[EndpointRequest]] = None
    workspace_id: Optional[str] = None
    pool_id: Optional[str] = None
    feature: Optional[Feature] = None
    hooks: Optional[CustomHooks] = None
    auto_stop: Optional[AutoStop] = None
    obs_mounts: Optional[list[ObsMount]] = None
    allow_restart: StrictBool = True
    run_state_drift: RunStateDrift = "enforce"
    adopt_id: Optional[str] = None
    timeouts: Optional[Timeouts] = None
    identity: Optional[str] = Field(default=None, pattern=r"^[0-9a-f]{16}$")
    # The stack's modelarts:projectId / modelarts:region unless given (checked against them in check()).
    project_id: Optional[str] = Field(default=None, min_length=1)
    region: Optional[str] = Field(default=None, min_length=1)

    _name = field_validator("name")(check_name)
    _upper = field_validator("feature", mode="before")(upper_enum)

    @field_validator("description")
    @classmethod
    def _description(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        # Room is kept for the identity marker the provider appends.
        if len(value) > DESCRIPTION_MAX:
            raise ValueError(f"must be at most {DESCRIPTION_MAX} characters (the provider appends a "
                             f"{MARKER_LENGTH}-character marker), got {len(value)}")
        return check_description(value)

    @model_validator(mode="after")
    def _an_image(self) -> "NotebookInputs":
        if self.image_id is None and self.image_name is None:
            raise ValueError("image_id or image_name is required")
        if self.image_tag is not None and self.image_name is None:
            raise ValueError("image_tag goes with image_name")
        return self

    @field_validator("obs_mounts")
    @classmethod
    def _distinct_paths(cls, value: Optional[list[ObsMount]]) -> Optional[list[ObsMount]]:
        if value is not None:
            paths = [m.mount_path for m in value]
            duplicates = sorted({p for p in paths if paths.count(p) > 1})
            if duplicates:
                raise ValueError(f"each mount_path may be used once; repeated: {', '.join(duplicates)}")
        return value

    @property
    def limits(self) -> Timeouts:
        return self.timeouts or Timeouts()

    def create_request(self, lease_fallback: bool = False) -> CreateNotebookRequest:
        """`lease_fallback`: the longest lease instead of auto-stop off, for a service that refuses -1."""
        return CreateNotebookRequest(
            name=self.name,
            flavor=self.flavor,
            image_id=str(self.image_id),
            volume=self.volume,
            description=with_identity(self.description, self.identity),
            feature=self.feature,
            pool_id=self.pool_id,
            workspace_id=self.workspace_id,
            endpoints=self.endpoints,
            hooks=self.hooks,
            lease=self.auto_stop.lease_request(fallback=lease_fallback) if self.auto_stop else None,
        )


INPUT_KEYS = tuple(NotebookInputs.model_fields)


def has_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(v) for v in value)
    return False


def parse_inputs(props: Mapping[str, Any]) -> NotebookInputs:
    return NotebookInputs.model_validate({k: props[k] for k in INPUT_KEYS if props.get(k) is not None})


def validate_inputs(
    news: Mapping[str, Any], output_keys: tuple[str, ...] = ()
) -> tuple[Optional[NotebookInputs], list[Problem]]:
    """Check the program's inputs; one failure per bad field, naming what is allowed.

    Fields whose value is not known yet (preview) are not judged.
    """
    inputs = {k: v for k, v in news.items() if k in INPUT_KEYS and v is not None}
    unknown_fields = {k for k, v in inputs.items() if has_unknown(v)}
    failures = [
        Problem(key, f"unknown input {key!r}; the Notebook resource takes: {', '.join(INPUT_KEYS)}")
        for key in news
        if key not in INPUT_KEYS and key not in output_keys and key != "__provider" and news[key] is not None
    ]
    try:
        return NotebookInputs.model_validate(inputs), failures
    except ValidationError as error:
        for item in error.errors():
            if item["loc"] and item["loc"][0] in unknown_fields:
                continue
            field = ".".join(str(part) for part in item["loc"]) or "inputs"
            failures.append(Problem(field, _reason(item)))
        return None, failures


# What a number counts, for messages ("a whole number of GB").
UNITS = {"capacity": " of GB", "duration": " of milliseconds"}


def _reason(item: Any) -> str:
    """The problem in words that name what is allowed, and the value given."""
    kind, loc = item["type"], tuple(item["loc"])
    ctx = item.get("ctx") or {}
    value = _shown(item.get("input"))
    got = f", got {value}" if "input" in item else ""
    last = str(loc[-1]) if loc else ""
    unit = " of seconds" if loc and loc[0] == "timeouts" else UNITS.get(last, "")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        where = ".".join(str(part) for part in loc[:-1] if not isinstance(part, int)) or "the input"
        takes = f"; {where} takes: {', '.join(parent.model_fields)}" if parent else ""
        return f"unknown field {last!r}{takes}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (a valid boolean){got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number{unit}{got}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number{unit}{got}"
    if kind == "finite_number":
        return f"must be a finite number{unit}{got}"
    if kind in ("greater_than", "greater_than_equal") and unit.endswith("seconds"):
        return f"must be a positive number{unit}{got}"
    if kind == "string_type":
        return f"must be a string{got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = _model_at(loc)
        fields = f" with the fields {', '.join(model.model_fields)}" if model else ""
        return f"must be an object{fields}; got {value}"
    if kind == "list_type":
        model = _model_at(loc)
        items = f" of objects with the fields {', '.join(model.model_fields)}" if model else ""
        return f"must be a list{items}; got {value}"
    if kind == "too_long" and "max_length" in ctx:
        return f"may have at most {ctx['max_length']} entries, got {ctx.get('actual_length', 'more')}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the documented values')}{got}"
    message = str(item["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and "obs://" in str(ctx.get("pattern", "")):
        return f"must be an OBS address obs://<bucket>/<path>{got}"
    return message


def _shown(value: Any) -> str:
    """A value as the program wrote it (Pulumi carries every number as a float)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _model_at(loc: tuple[Any, ...]) -> Optional[type[BaseModel]]:
    """The input model (or list element model) at an error location, if there is one."""
    model: Optional[type[BaseModel]] = NotebookInputs
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part)) if model else None
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation: Any) -> Optional[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
