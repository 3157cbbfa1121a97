"""Scenarios here run under every reading of the service the emulator plays."""

import pytest

from provider.notebook import NotebookProvider
from testkit.emulators import Emulator
from tests.profiles import emulator, pytest_generate_tests  # noqa: F401  (fixture, hook)
from tests.provider.test_provider_methods import make_provider


@pytest.fixture
def provider(emulator: Emulator) -> NotebookProvider:  # noqa: F811  (pytest passes the fixture by name)
    """The dynamic front end, configured for the emulator, its clock driving the emulator's time."""
    return make_provider(emulator)
