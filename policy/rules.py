"""The guardrails as plain functions over a notebook's inputs.

Kept free of `pulumi_policy` so the rules can be checked without the engine;
`__main__.py` wraps each one in a policy. Every rule returns the violations it
found as messages naming the notebook, the field, the value and the rule.
Inputs arrive as the program declared them (snake_case keys, numbers as floats,
absent when `None`); a value not known until apply is skipped, never guessed.
"""

from __future__ import annotations

import base64
import fnmatch
import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

# The engine's markers for values not known until apply (string, number, bool,
# array, object), as they appear in a preview of inputs that depend on outputs.
UNKNOWNS = frozenset({
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
})
HOUR_MS = 3_600_000
# The service applies a lease of this length when `auto_stop` gives no duration.
DEFAULT_LEASE_MS = HOUR_MS
# `enabled: false` asks the service for its longest lease.
LONGEST_LEASE_MS = 24 * HOUR_MS

NOTEBOOK_TYPE_SUFFIX = "dynamic/modelarts:Notebook"
# Every dynamic resource declared without a module and name has this one type.
GENERIC_DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
# Inputs every Notebook declaration carries (the program side sets them).
NOTEBOOK_MARKS = frozenset({"identity", "flavor", "run_state_drift", "allow_restart"})
# What the serialized provider of a notebook names, when the engine passes it.
PROVIDER_MARK = b"NotebookProvider"


def _serialized_notebook_provider(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return PROVIDER_MARK in base64.b64decode(value, validate=False)
    except (ValueError, TypeError):
        return False


def is_notebook(resource_type: str, props: Optional[Mapping[str, Any]] = None) -> bool:
    """Notebooks are dynamic resources: the module and name the resource declares tell them apart;
    a generic dynamic type is recognised by the provider it serializes, or by its inputs."""
    if resource_type.endswith(NOTEBOOK_TYPE_SUFFIX):
        return True
    if resource_type != GENERIC_DYNAMIC_TYPE or props is None:
        return False
    if "__provider" in props:
        return _serialized_notebook_provider(props["__provider"])
    return NOTEBOOK_MARKS <= set(props)


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWNS


@dataclass(frozen=True)
class Notebook:
    """One declared notebook: its resource name and inputs."""

    resource: str
    props: Mapping[str, Any]

    @property
    def label(self) -> str:
        name = self.props.get("name")
        if isinstance(name, str) and not is_unknown(name) and name != self.resource:
            return f"notebook {self.resource!r} (name {name!r})"
        return f"notebook {self.resource!r}"

    def violation(self, field: str, value: Any, rule: str) -> str:
        return f"{self.label}: {field} = {value!r}: {rule}"


def matches(value: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def _hours(ms: float) -> str:
    return f"{ms / HOUR_MS:g} h"


def check_accelerator_auto_stop(nb: Notebook, accelerator_flavors: list[str], max_hours: float) -> list[str]:
    """GPU and NPU notebooks left running are the largest avoidable bill."""
    flavor = nb.props.get("flavor")
    if not isinstance(flavor, str) or is_unknown(flavor) or not matches(flavor, accelerator_flavors):
        return []
    rule = f"accelerator flavor {flavor!r} needs auto_stop with a duration of at most {max_hours:g} h"
    auto_stop = nb.props.get("auto_stop")
    if auto_stop is None:
        return [nb.violation("auto_stop", None, rule)]
    if is_unknown(auto_stop) or not isinstance(auto_stop, Mapping):
        return []
    enabled = auto_stop.get("enabled", True)
    if enabled is False:
        disabled = f" (disabled means the longest lease, {_hours(LONGEST_LEASE_MS)})"
        return [nb.violation("auto_stop.enabled", False, rule + disabled)]
    duration = auto_stop.get("duration", DEFAULT_LEASE_MS)
    if is_unknown(duration) or is_unknown(enabled) or not isinstance(duration, (int, float)):
        return []
    if duration > max_hours * HOUR_MS:
        return [nb.violation("auto_stop.duration", int(duration), rule + f" (got {_hours(duration)})")]
    return []


def check_flavor_allowed(nb: Notebook, allowed_flavors: list[str]) -> list[str]:
    flavor = nb.props.get("flavor")
    if not isinstance(flavor, str) or is_unknown(flavor) or matches(flavor, allowed_flavors):
        return []
    return [nb.violation("flavor", flavor, f"flavor must match one of {', '.join(allowed_flavors)}")]


def check_volume_capacity(nb: Notebook, max_gb: float) -> list[str]:
    volume = nb.props.get("volume")
    if not isinstance(volume, Mapping):
        return []
    capacity = volume.get("capacity")
    if not isinstance(capacity, (int, float)) or isinstance(capacity, bool):
        return []
    if capacity > max_gb:
        return [nb.violation("volume.capacity", int(capacity), f"volume.capacity must be at most {max_gb:g} GB")]
    return []


def _ssh_endpoints(nb: Notebook) -> list[tuple[int, Mapping[str, Any]]]:
    endpoints = nb.props.get("endpoints")
    if not isinstance(endpoints, list):
        return []
    return [
        (i, ep) for i, ep in enumerate(endpoints)
        if isinstance(ep, Mapping) and str(ep.get("service", "")).upper() == "SSH"
    ]


def _address_problem(address: str, widest_prefix: int) -> Optional[str]:
    try:
        network = ipaddress.ip_network(address.strip(), strict=False)
    except ValueError:
        return "is not an IP address or CIDR block"
    if network.prefixlen == 0:
        return "opens SSH to the whole internet"
    if network.version == 4 and network.prefixlen < widest_prefix:
        return f"is wider than /{widest_prefix}"
    return None


def check_ssh_endpoints(nb: Notebook, widest_prefix: int) -> list[str]:
    """SSH open to the world is the classic breach: a source range and a key are required."""
    found = []
    for i, endpoint in _ssh_endpoints(nb):
        field = f"endpoints[{i}]"
        ips = endpoint.get("allowed_access_ips")
        if ips is None or (isinstance(ips, list) and not ips):
            found.append(nb.violation(f"{field}.allowed_access_ips", ips, "SSH endpoints need allowed_access_ips"))
        elif isinstance(ips, list):
            for address in ips:
                if isinstance(address, str) and not is_unknown(address):
                    problem = _address_problem(address, widest_prefix)
                    if problem:
                        rule = (f"an SSH source range must be /{widest_prefix} or narrower, "
                                f"and never 0.0.0.0/0 ({problem})")
                        found.append(nb.violation(f"{field}.allowed_access_ips", address, rule))
        keys = endpoint.get("key_pair_names")
        if keys is None or (isinstance(keys, list) and not keys):
            found.append(nb.violation(f"{field}.key_pair_names", keys, "SSH endpoints need at least one key pair"))
    return found


def check_stack(notebooks: list[Notebook], max_notebooks: int) -> list[str]:
    """The account quota, and names that must not repeat (the service allows it; people confuse them)."""
    found = []
    if len(notebooks) > max_notebooks:
        listing = ", ".join(sorted(nb.resource for nb in notebooks))
        found.append(
            f"the stack declares {len(notebooks)} notebooks ({listing}): at most {max_notebooks} notebooks per stack"
        )
    by_name: dict[str, list[str]] = {}
    for nb in notebooks:
        name = nb.props.get("name")
        if isinstance(name, str) and not is_unknown(name):
            by_name.setdefault(name, []).append(nb.resource)
    for name, resources in by_name.items():
        if len(resources) > 1:
            found.append(
                f"notebooks {', '.join(repr(r) for r in sorted(resources))}: name = {name!r}: "
                "no two notebooks of a stack share a name"
            )
    return found


def remediated_description(props: Mapping[str, Any], text: str) -> Optional[dict[str, Any]]:
    """The inputs with the team's description filled in, or None when nothing changes."""
    if not text:
        return None
    description = props.get("description")
    if description is not None and (is_unknown(description) or str(description).strip()):
        return None
    return {**props, "description": text}
