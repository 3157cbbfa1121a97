"""A local stand-in for the OTC ModelArts notebook (DevEnviron v1) and IAM APIs.

It implements the documented contract independently of any client, so tests
exercise a client against the service as documented rather than against the
client's own assumptions.

The names below load on first use: the launcher, the support-route client and
the pytest plugin must import without Flask (the `emulator` extra brings it), so
a team's pytest run never breaks merely because the package is installed.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "create_app": ".app",
    "Emulator": ".context",
    "EmulatorServer": ".server",
    "run_in_thread": ".server",
    "ManualClock": ".settings",
    "Settings": ".settings",
}

__all__ = ["Emulator", "EmulatorServer", "ManualClock", "Settings", "create_app", "run_in_thread"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_LAZY[name], __name__), name)
