"""Scenarios here run under every reading of the service the emulator plays."""

from tests.profiles import emulator, pytest_generate_tests  # noqa: F401  (fixture, hook)
