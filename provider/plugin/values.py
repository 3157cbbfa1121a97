"""Values between the SDK's `PropertyValue` maps and the core's plain dicts.

The core works on plain Python values: secrets unwrapped, a value not known
until apply as the engine's unknown marker. What was secret on the way in
stays secret on the way out (whole top-level properties), and the outputs the
field table calls secret (`token`) always are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Iterable

from pulumi.provider.experimental.property_value import Computed, PropertyValue

from ..core.fields import UNKNOWN


def plain(value: PropertyValue) -> Any:
    """A property value as plain Python (secrets unwrapped, unknowns as the marker)."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {key: plain(item) for key, item in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [plain(item) for item in inner]
    return inner


def plain_map(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {key: plain(value) for key, value in props.items()}


def secret_keys(props: Mapping[str, PropertyValue]) -> set[str]:
    """The top-level properties that are, or hold, a secret."""
    return {key for key, value in props.items() if value.contains_secret()}


def property_value(value: Any) -> PropertyValue:
    """Plain Python as a property value; whole numbers travel as floats, as Pulumi carries them."""
    if isinstance(value, PropertyValue):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return PropertyValue(value)
    if isinstance(value, int):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({str(key): property_value(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return PropertyValue([property_value(item) for item in value])
    return PropertyValue(str(value))


def property_map(values: Mapping[str, Any], secrets: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """Plain values as a property map, the properties named in `secrets` marked secret."""
    hidden = set(secrets)
    converted = {key: property_value(value) for key, value in values.items()}
    return {key: value.with_secret(True) if key in hidden else value for key, value in converted.items()}
