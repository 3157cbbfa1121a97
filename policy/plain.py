"""Plain dicts and lists from the policy framework's property views.

The framework hands policies read-only views that raise as soon as a value not
known until apply is read, which would skip a whole policy in preview. The
rules would rather skip only the unknown field, so they get the raw values,
unknown markers included.
"""

from __future__ import annotations

from typing import Any

# The framework's views (unknown-checking and secret-preserving) expose what
# they wrap under this key.
VIEW_TYPES = frozenset({"_DictProxy", "_ListProxy", "_DictSecretsProxy", "_ListSecretsProxy"})


def plain(value: Any) -> Any:
    while type(value).__name__ in VIEW_TYPES:
        value = value["__target"]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
