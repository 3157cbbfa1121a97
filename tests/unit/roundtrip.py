"""Field-by-field comparison of a parsed model with the JSON it was parsed from.

A parse that merely succeeds proves little: a tolerant response model accepts
anything. These walkers say, for every field of a documented example, whether
the typed value equals the example's (same JSON type, same value), and which
fields the model does not declare at all (kept only as untyped extras), so a
test can pin that set and a field the model silently stops reading fails it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel


@dataclass
class Comparison:
    """What a walk found: values that differ, and example fields the model does not declare."""

    mismatches: list[str] = field(default_factory=list)
    undeclared: set[str] = field(default_factory=set)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _plain(value: Any) -> Any:
    """An enum member stands for its wire value."""
    return value.value if isinstance(value, Enum) else value


def same_json(left: Any, right: Any) -> bool:
    """Equal as JSON: `True` is not `1`, `1.0` is not `1`, and `"5"` is not `5`."""
    left, right = _plain(left), _plain(right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same_json(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def compare_model(parsed: BaseModel, example: Any) -> Comparison:
    """Walk `example` alongside the typed values parsed from it."""
    found = Comparison()
    _walk(parsed, example, "", found)
    return found


def _walk(value: Any, example: Any, path: str, found: Comparison) -> None:
    if isinstance(value, BaseModel):
        _walk_model(value, example, path, found)
    elif isinstance(value, list) and isinstance(example, list):
        if len(value) != len(example):
            found.mismatches.append(f"{path}: {len(value)} items parsed, {len(example)} in the example")
            return
        for item, item_example in zip(value, example, strict=True):
            _walk(item, item_example, f"{path}[]", found)
    elif not same_json(value, example):
        found.mismatches.append(f"{path}: parsed {_plain(value)!r}, the example says {example!r}")


def _walk_model(model: BaseModel, example: Any, path: str, found: Comparison) -> None:
    if not isinstance(example, dict):
        found.mismatches.append(f"{path}: parsed an object, the example says {example!r}")
        return
    declared = {(info.alias or name): name for name, info in type(model).model_fields.items()}
    for key, item_example in example.items():
        if key in declared:
            _walk(getattr(model, declared[key]), item_example, _join(path, key), found)
        else:
            found.undeclared.add(_join(path, key))
    for key, name in declared.items():
        # A field the example lacks must keep its default: the model invents no value.
        if key not in example:
            default = type(model).model_fields[name].get_default(call_default_factory=True)
            if not same_json(getattr(model, name), default):
                found.mismatches.append(f"{_join(path, key)}: absent from the example, parsed {getattr(model, name)!r}")


def json_differences(sent: Any, example: Any, path: str = "") -> set[str]:
    """Paths where two JSON documents differ (a key on one side only counts as a difference)."""
    if isinstance(sent, dict) and isinstance(example, dict):
        differences: set[str] = set()
        for key in sent.keys() | example.keys():
            if key not in sent or key not in example:
                differences.add(_join(path, key))
            else:
                differences |= json_differences(sent[key], example[key], _join(path, key))
        return differences
    if isinstance(sent, list) and isinstance(example, list) and len(sent) == len(example):
        return set().union(*(json_differences(a, b, f"{path}[]") for a, b in zip(sent, example, strict=True)))
    return set() if same_json(sent, example) else {path}
