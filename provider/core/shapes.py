"""The shape of a value, as the field table declares it: what a typed interface needs.

A front end that publishes typed interfaces (the plugin's package schema, and
the SDKs generated from it) reads each field's shape here; the pydantic models
in `inputs.py` and `models.py` still judge every value (a test checks the two
agree). Plain data, no imports: programs load the field table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

Kind = Literal["string", "boolean", "integer", "number", "object", "array", "any"]


@dataclass(frozen=True)
class Shape:
    """A scalar, a list of `items`, or an object type named `name` with `members`."""

    kind: Kind
    items: Optional["Shape"] = None
    name: str = ""
    members: tuple["Member", ...] = ()


@dataclass(frozen=True)
class Member:
    """One field of an object type (snake_case, as the core names it)."""

    name: str
    shape: Shape
    description: str
    required: bool = False


STRING = Shape("string")
BOOLEAN = Shape("boolean")
INTEGER = Shape("integer")
NUMBER = Shape("number")
ANY = Shape("any")


def array(items: Shape) -> Shape:
    return Shape("array", items=items)


def obj(name: str, *members: Member) -> Shape:
    return Shape("object", name=name, members=members)


def objects(shape: Shape) -> list[Shape]:
    """Every object type inside `shape` (itself included), outermost first."""
    if shape.kind == "array" and shape.items is not None:
        return objects(shape.items)
    if shape.kind != "object":
        return []
    found = [shape]
    for member in shape.members:
        found.extend(objects(member.shape))
    return found
