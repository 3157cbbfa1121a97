"""`make acceptance` and `make sweep` against the emulator, with the account variables pointed at it."""

from tests.profiles import emulator, pytest_generate_tests  # noqa: F401  (fixture, hook)
