"""Names and rules shared by the light side (a program declaring notebooks) and
the provider process, kept free of heavy imports so declaring stays fast."""

from __future__ import annotations

import hashlib
import re

# The SDK's marker for a value not known until apply (preview of a new stack).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
NAME_RULE = "1-128 characters from A-Z a-z 0-9 _ -"

# Computed outputs of a Notebook, beside the echo of its inputs.
OUTPUT_KEYS = (
    "notebook_id",
    "status",
    "url",
    "token",
    "image",
    "lease",
    "auto_stop_at",
    "ssh_address",
    "fail_reason",
    "action_progress",
    "create_at",
    "timings",
    "declared",
)


def resource_identity(project: str, stack: str, resource_name: str) -> str:
    """Stable per resource of a stack, short, and free of the description's forbidden characters."""
    return hashlib.sha256(f"{project}\n{stack}\n{resource_name}".encode()).hexdigest()[:16]
