"""The identity marker: how a notebook is recognised as one resource's, across runs.

Every notebook the provider creates carries, at the end of its description, a
marker derived from the project, stack and resource name. Names may repeat and
the list API's name filter is fuzzy, so this marker (with the exact name) is
the key that finds a resource's notebook again after a run died, whatever the
state recorded. Kept free of heavy imports: programs load it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Optional

# Appended to the description; only characters the description allows.
IDENTITY_PREFIX = " [managed-by:"
IDENTITY_PATTERN = re.compile(r" \[managed-by:([0-9a-f]{16})\]$")
# The whole marker as appended: prefix, 16 hex digits and the closing bracket.
MARKER_LENGTH = len(IDENTITY_PREFIX) + 16 + 1


def resource_identity(project: str, stack: str, resource_name: str) -> str:
    """Stable per resource of a stack, short, and free of the description's forbidden characters."""
    return hashlib.sha256(f"{project}\n{stack}\n{resource_name}".encode()).hexdigest()[:16]


def with_identity(description: Optional[str], identity: Optional[str]) -> Optional[str]:
    if not identity:
        return description
    return f"{description or ''}{IDENTITY_PREFIX}{identity}]"


def split_identity(description: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(the user's description, the identity marker) of a live description."""
    if not description:
        return description, None
    match = IDENTITY_PATTERN.search(description)
    if not match:
        return description, None
    user = description[: match.start()]
    return (user or None), match.group(1)
