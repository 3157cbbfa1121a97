"""The seed route: notebooks with ids chosen by the test, settled in a chosen status."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from emulator_test_helpers import Api, create_body

FIXED_ID = "9176e07e-bb38-44ed-b37c-ade866bdf197"


def seed(client: FlaskClient, **fields: Any) -> Any:
    return client.post("/_emulator/seed/notebooks", json={**create_body(), **fields})


def test_a_seeded_notebook_keeps_its_id_and_status(client: FlaskClient, api: Api) -> None:
    response = seed(client, id=FIXED_ID, status="STOPPED")
    assert response.status_code == 200, response.get_json()
    shown = api.show(FIXED_ID)
    assert shown["id"] == FIXED_ID and shown["status"] == "STOPPED"
    api.tick(5)
    assert api.show(FIXED_ID)["status"] == "STOPPED"  # settled: no transition pending


def test_seeding_refuses_a_taken_id_a_missing_id_and_a_transient_status(client: FlaskClient) -> None:
    assert seed(client, id=FIXED_ID).status_code == 200
    assert seed(client, id=FIXED_ID).status_code == 409
    assert seed(client).status_code == 400
    assert seed(client, id="other", status="STARTING").status_code == 400
