"""Scenarios here run under every reading of the service the emulator plays."""

from tests.profiles import emulator, profile  # noqa: F401  (fixtures)
