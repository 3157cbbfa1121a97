"""Wire models of the ModelArts notebook API (DevEnviron v1).

Requests are strict (`extra="forbid"`, documented constraints enforced) so a bad
value is caught before anything is sent. Responses are tolerant: every field is
optional and unknown fields are kept, because the service returns undocumented
ones and the API reference's examples disagree on which fields appear.
"""

from __future__ import annotations

import ipaddress
import sys
from enum import Enum  # the 3.10 fallback below
from typing import Annotated, Any, Generic, Literal, Optional, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .fields import NAME_PATTERN, NAME_RULE

# ---- enums, spelled as the reference spells them ----------------------------

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # Python 3.10: the same behaviour, a str whose str() and format() are its value.
    class StrEnum(str, Enum):
        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


class NotebookStatus(StrEnum):
    INIT = "INIT"
    CREATING = "CREATING"
    STARTING = "STARTING"
    STOPPING = "STOPPING"
    DELETING = "DELETING"
    SNAPSHOTTING = "SNAPSHOTTING"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    DELETED = "DELETED"
    CREATE_FAILED = "CREATE_FAILED"
    START_FAILED = "START_FAILED"
    DELETE_FAILED = "DELETE_FAILED"
    ERROR = "ERROR"
    FROZEN = "FROZEN"


TRANSIENT_STATUSES = frozenset(
    {
        NotebookStatus.INIT,
        NotebookStatus.CREATING,
        NotebookStatus.STARTING,
        NotebookStatus.STOPPING,
        NotebookStatus.DELETING,
        NotebookStatus.SNAPSHOTTING,
    }
)
FAILED_STATUSES = frozenset(
    {
        NotebookStatus.CREATE_FAILED,
        NotebookStatus.START_FAILED,
        NotebookStatus.DELETE_FAILED,
        NotebookStatus.ERROR,
        NotebookStatus.FROZEN,
    }
)

VolumeCategory = Literal["EVS", "EFS", "SFS"]
VolumeOwnership = Literal["MANAGED", "DEDICATED"]
Feature = Literal["NOTEBOOK", "DEFAULT"]
EndpointService = Literal["NOTEBOOK", "SSH"]
LeaseType = Literal["timing", "idle"]
HookType = Literal["COMMAND", "SCRIPT"]

# ---- documented constraints --------------------------------------------------

DESCRIPTION_MAX = 512
# Create forbids & < > " ' /; update does not list the single quote (the update page).
# The stricter create set is enforced everywhere so a description valid at create
# stays valid on update.
DESCRIPTION_FORBIDDEN = frozenset("&<>\"'/")
EVS_MIN_GB = 5
EVS_MAX_GB = 4096
MAX_ALLOWED_IPS = 5
# The console offers 1-24 h auto-stop; the API's range is only named by 6349.
LEASE_MIN_MS = 3_600_000
LEASE_MAX_MS = 24 * 3_600_000
DEFAULT_LEASE_MS = 3_600_000
# Auto-stop off, as a client proven against the live service asks for it.
AUTO_STOP_OFF = -1


def check_name(value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise ValueError(f"must be {NAME_RULE}, got {value!r}")
    return value


def check_description(value: str) -> str:
    if len(value) > DESCRIPTION_MAX:
        raise ValueError(f"must be at most {DESCRIPTION_MAX} characters, got {len(value)}")
    bad = sorted(set(value) & DESCRIPTION_FORBIDDEN)
    if bad:
        raise ValueError(f"must not contain any of & < > \" ' /; found {' '.join(bad)}")
    return value


def _integral(value: Any) -> Any:
    """Pulumi carries numbers as floats: 5.0 is the whole number 5, 5.5 is not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number: 5 or 5.0, but not 5.5, "5" or True.
WholeNumber = Annotated[int, BeforeValidator(_integral), Field(strict=True)]


def upper_enum(value: Any) -> Any:
    """Requests in the docs' examples use lowercase (`evs`, `managed`); accept any case."""
    return value.upper() if isinstance(value, str) else value


# ---- requests (strict) -------------------------------------------------------


class _Request(BaseModel):
    # Schemas are built on first use, not at import: each provider process pays for the few a command uses.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class VolumeRequest(_Request):
    """Storage of the work directory. Enum spelling sent: the parameter table's
    (`EVS`, `MANAGED`); the examples' lowercase is accepted on input."""

    category: VolumeCategory
    ownership: VolumeOwnership = "MANAGED"
    capacity: Optional[WholeNumber] = None
    uri: Optional[str] = None
    id: Optional[str] = None

    _upper = field_validator("category", "ownership", mode="before")(upper_enum)

    @model_validator(mode="after")
    def _rules(self) -> "VolumeRequest":
        if self.category == "EVS" and self.capacity is not None and not EVS_MIN_GB <= self.capacity <= EVS_MAX_GB:
            raise ValueError(f"capacity must be {EVS_MIN_GB}..{EVS_MAX_GB} GB for EVS, got {self.capacity}")
        if self.capacity is not None and self.capacity <= 0:
            raise ValueError(f"capacity must be a positive number of GB, got {self.capacity}")
        if self.ownership == "DEDICATED":
            if self.category != "EFS":
                raise ValueError("ownership DEDICATED is only allowed with category EFS")
            if not (self.uri and self.id):
                raise ValueError("ownership DEDICATED needs the SFS share's uri and id")
        return self


# Ranges that are never the public source address of a client (IANA special-purpose
# registry, "globally reachable: false", plus multicast). A CIDR block must not
# overlap any of them: `0.0.0.0/0` or `10.0.0.0/7` would open the notebook to
# everyone, or name addresses that never reach it.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/8", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
    )
)
PUBLIC_IP_RULE = "a public IPv4/IPv6 address or CIDR block, e.g. 80.158.1.10 or 80.158.1.0/24"


def _ip_problem(value: Any) -> Optional[str]:
    """What is wrong with one allowed-access entry, or None when it is a public address or block."""
    if not isinstance(value, str):
        return f"{value!r} is not a string"
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"{value!r} is not an IP address or CIDR block"
    overlaps = any(network.version == block.version and network.overlaps(block) for block in _NOT_PUBLIC)
    if not network.is_global or network.is_multicast or overlaps:
        return (
            f"{value!r} is not a public address (private, loopback, multicast and reserved ranges, and blocks "
            "that include them, never reach the notebook)"
        )
    return None


class EndpointRequest(_Request):
    service: EndpointService
    key_pair_names: Optional[list[str]] = None
    allowed_access_ips: Optional[list[str]] = Field(default=None, max_length=MAX_ALLOWED_IPS)

    _upper = field_validator("service", mode="before")(upper_enum)

    @field_validator("allowed_access_ips")
    @classmethod
    def _public(cls, value: Optional[list[str]]) -> Optional[list[str]]:
        if value is None:
            return None
        problems = [problem for ip in value if (problem := _ip_problem(ip))]
        if problems:
            raise ValueError(f"{'; '.join(problems)}; each entry must be {PUBLIC_IP_RULE}")
        return value


class LeaseRequest(_Request):
    """Auto-stop: `duration` ms from now, or `AUTO_STOP_OFF`.

    The API reference defines no field to disable auto-stop; a client proven
    against the live service sends `duration: -1` on create and start for that.
    """

    duration: Optional[WholeNumber] = None
    type: Optional[LeaseType] = None

    @field_validator("duration")
    @classmethod
    def _range(cls, value: Optional[int]) -> Optional[int]:
        if value is not None and value != AUTO_STOP_OFF and not LEASE_MIN_MS <= value <= LEASE_MAX_MS:
            raise ValueError(f"must be {AUTO_STOP_OFF} (off) or {LEASE_MIN_MS}..{LEASE_MAX_MS} ms, got {value}")
        return value

    @field_validator("type", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class HookConfig(_Request):
    script: str
    type: HookType = "SCRIPT"

    _upper = field_validator("type", mode="before")(upper_enum)


class ContainerHooks(_Request):
    pre_start: Optional[HookConfig] = None
    post_start: Optional[HookConfig] = None


class CustomHooks(_Request):
    container_hooks: ContainerHooks


class MountRequest(_Request):
    """OBS dynamic mount; the response says OBSFS even when OBS was sent (the mount page's example)."""

    category: Literal["OBS"] = "OBS"
    mount_path: str
    uri: str


class CreateNotebookRequest(_Request):
    name: str
    flavor: str = Field(min_length=1)
    image_id: str = Field(min_length=1)
    volume: VolumeRequest
    description: Optional[str] = None
    feature: Optional[Feature] = None
    pool_id: Optional[str] = None
    workspace_id: Optional[str] = None
    endpoints: Optional[list[EndpointRequest]] = None
    hooks: Optional[CustomHooks] = None
    lease: Optional[LeaseRequest] = None

    _name = field_validator("name")(check_name)
    _upper = field_validator("feature", mode="before")(upper_enum)

    @field_validator("description")
    @classmethod
    def _description(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else check_description(value)


class UpdateNotebookRequest(_Request):
    name: Optional[str] = None
    description: Optional[str] = None
    flavor: Optional[str] = None
    image_id: Optional[str] = None
    storage_new_size: Optional[WholeNumber] = Field(default=None, ge=EVS_MIN_GB, le=EVS_MAX_GB)
    endpoints: Optional[list[EndpointRequest]] = None
    hooks: Optional[CustomHooks] = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else check_name(value)

    @field_validator("description")
    @classmethod
    def _description(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else check_description(value)


# ---- responses (tolerant) ----------------------------------------------------


class _Response(BaseModel):
    # Built on first use, as the requests.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class Lease(_Response):
    create_at: Optional[int] = None
    duration: Optional[int] = None
    enable: Optional[bool] = None
    type: Optional[str] = None
    update_at: Optional[int] = None

    @property
    def expires_at_ms(self) -> Optional[int]:
        """Auto-stop moment: `create_at + duration` (the start and stop examples' arithmetic)."""
        if self.create_at is None or self.duration is None:
            return None
        return self.create_at + self.duration


class VolumeInfo(_Response):
    category: Optional[str] = None
    ownership: Optional[str] = None
    capacity: Optional[int] = None
    mount_path: Optional[str] = None
    status: Optional[str] = None


class ImageInfo(_Response):
    id: Optional[str] = None
    name: Optional[str] = None
    tag: Optional[str] = None
    swr_path: Optional[str] = None
    type: Optional[str] = None
    arch: Optional[str] = None
    description: Optional[str] = None
    namespace: Optional[str] = None
    origin: Optional[str] = None
    service_type: Optional[str] = None
    status: Optional[str] = None
    status_message: Optional[str] = None
    dev_services: Optional[list[str]] = None
    resource_categories: Optional[list[str]] = None
    support_res_categories: Optional[list[str]] = None
    size: Optional[int] = None
    visibility: Optional[str] = None
    workspace_id: Optional[str] = None
    create_at: Optional[int] = None
    update_at: Optional[int] = None


class EndpointInfo(_Response):
    service: Optional[str] = None
    dev_service: Optional[str] = None
    uri: Optional[str] = None
    ssh_keys: Optional[list[str]] = None
    key_pair_names: Optional[list[str]] = None
    allowed_access_ips: Optional[list[str]] = None


class JobProgress(_Response):
    notebook_id: Optional[str] = None
    status: Optional[str] = None
    step: Optional[int] = None
    # The reference says `step_description`; the use case emits `description`.
    step_description: Optional[str] = None
    description: Optional[str] = None


class PoolInfo(_Response):
    id: Optional[str] = None
    name: Optional[str] = None


class DomainInfo(_Response):
    id: Optional[str] = None
    name: Optional[str] = None


class UserInfo(_Response):
    """The IAM account that owns the notebook (the response's `user` object)."""

    id: Optional[str] = None
    name: Optional[str] = None
    domain: Optional[DomainInfo] = None


class NotebookInfo(_Response):
    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    flavor: Optional[str] = None
    feature: Optional[str] = None
    status: Optional[str] = None
    fail_reason: Optional[str] = None
    url: Optional[str] = None
    token: Optional[str] = None
    workspace_id: Optional[str] = None
    image: Optional[ImageInfo] = None
    lease: Optional[Lease] = None
    volume: Optional[VolumeInfo] = None
    pool: Optional[PoolInfo] = None
    endpoints: Optional[list[EndpointInfo]] = None
    action_progress: Optional[list[JobProgress]] = None
    billing_items: Optional[list[str]] = None
    user: Optional[UserInfo] = None
    create_at: Optional[int] = None
    update_at: Optional[int] = None

    _upper = field_validator("status", mode="before")(upper_enum)

    @property
    def is_gone(self) -> bool:
        """A record with status DELETED is the third form of not-found, beside 6309 with HTTP 400 or 404."""
        return self.status == NotebookStatus.DELETED


T = TypeVar("T")


class Page(_Response, Generic[T]):
    """`{current, data, pages, size, total}`; the counters disagree with `data` in the list examples."""

    current: Optional[int] = None
    data: list[T] = Field(default_factory=list)
    pages: Optional[int] = None
    size: Optional[int] = None
    total: Optional[int] = None


class FlavorBilling(_Response):
    code: Optional[str] = None
    unit_num: Optional[int] = None


class FlavorGpu(_Response):
    gpu: Optional[int] = None
    gpu_memory: Optional[str] = None
    type: Optional[str] = None


class Flavor(_Response):
    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    arch: Optional[str] = None
    category: Optional[str] = None
    feature: Optional[str] = None
    free: Optional[bool] = None
    sold_out: Optional[bool] = None
    storages: Optional[list[str]] = None
    vcpus: Optional[int] = None
    memory: Optional[int] = None
    billing: Optional[FlavorBilling] = None
    gpu: Optional[FlavorGpu] = None


class FlavorPage(Page[Flavor]):
    # Switchable flavors repeat the list in `flavors` (the switchable-flavors example).
    flavors: Optional[list[Flavor]] = None

    def all_flavors(self) -> list[Flavor]:
        return self.data or self.flavors or []


class DataVolume(_Response):
    id: Optional[str] = None
    category: Optional[str] = None
    mount_path: Optional[str] = None
    uri: Optional[str] = None
    status: Optional[str] = None

