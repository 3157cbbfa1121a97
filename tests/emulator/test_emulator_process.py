"""The one launcher: a free port, healthy before it returns, its log shown when it fails, gone after stop."""

from __future__ import annotations

import pytest

from emulator.process import EmulatorProcess, EmulatorStartError, is_healthy


def test_starts_healthy_on_a_free_port_and_stops() -> None:
    with EmulatorProcess(["--max-notebooks", "3"], transition_seconds=0.1) as first, EmulatorProcess() as second:
        assert first.port != second.port
        assert is_healthy(first.url) and is_healthy(second.url)
        url = first.url
    assert first.process.poll() is not None
    assert not is_healthy(url)


def test_a_failed_start_raises_with_the_emulator_log() -> None:
    with pytest.raises(EmulatorStartError) as failure:
        EmulatorProcess(["--not-found-style", "bogus"])
    assert "invalid choice" in str(failure.value)
