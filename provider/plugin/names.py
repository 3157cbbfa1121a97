"""Names between the core (snake_case) and Pulumi's other languages (camelCase).

Every property name is translated the same way at every depth (`key_pair_names`
is `keyPairNames` inside `endpoints`), so values the service adds on its own
(inside `image`, `lease`) cross as well. Messages about the user's inputs are
translated too: a YAML author reads `imageId`, never `image_id`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from ..core.fields import FIELDS, OUTPUTS, pulumi_name
from ..core.shapes import objects

_UPPER = re.compile(r"(?<!^)([A-Z])")


def core_name(name: str) -> str:
    """`imageId` is `image_id` (the inverse of `pulumi_name` for every name of the field table)."""
    return _UPPER.sub(lambda match: "_" + match.group(1).lower(), name)


def _renamed(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {rename(key): _renamed(item, rename) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, rename) for item in value]
    return value


def to_core(props: dict[str, Any]) -> dict[str, Any]:
    """Pulumi's properties as the core names them, at every depth."""
    return _renamed(props, core_name)


def to_pulumi(props: dict[str, Any]) -> dict[str, Any]:
    """The core's properties as Pulumi's other languages name them, at every depth."""
    return _renamed(props, pulumi_name)


# The core's field for a problem of the inputs as a whole (a rule between two of them).
WHOLE = "inputs"


def property_path(field: str) -> str:
    """A core problem's dotted field (`endpoints.0.allowed_access_ips`) as a Pulumi property path
    (`endpoints[0].allowedAccessIps`); a problem of the inputs as a whole names no property."""
    path = ""
    for part in field.split(".") if field and field != WHOLE else []:
        path += f"[{part}]" if part.isdigit() else (("." if path else "") + pulumi_name(part))
    return path


@lru_cache(maxsize=1)
def _snake_names() -> re.Pattern[str]:
    """Every multi-word name of the field table, nested members included, longest first."""
    names = {f.name for f in FIELDS} | {o.name for o in OUTPUTS}
    for f in FIELDS:
        names |= {m.name for shape in objects(f.shape) for m in shape.members}
    multi = sorted((n for n in names if "_" in n), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, multi)) + r")\b")


def in_pulumi_words(text: str) -> str:
    """A message about inputs with each field named as the user wrote it (`image_id` -> `imageId`)."""
    return _snake_names().sub(lambda match: pulumi_name(match.group(1)), text)
