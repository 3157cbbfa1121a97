"""Fixtures for the emulator tests: an app on a hand-moved clock and helpers."""

from __future__ import annotations

import os
import sys
from typing import Any, Iterator

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from flask.testing import FlaskClient  # noqa: E402

from emulator import ManualClock, Settings, create_app  # noqa: E402
from emulator_test_helpers import Api  # noqa: E402


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def settings() -> Settings:
    return Settings(transition_seconds=1.0)


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> Any:
    app = create_app(settings, clock)
    app.testing = True
    return app


@pytest.fixture
def client(app: Any) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


@pytest.fixture
def api(client: FlaskClient, clock: ManualClock) -> Api:
    return Api(client, clock)
