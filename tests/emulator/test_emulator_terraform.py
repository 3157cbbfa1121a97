"""What a client proven against the live service sends is accepted (lenient profile).

The calls replay terraform-provider-huaweicloud's notebook resource, AK/SK
signed, with its headers and bodies: create with `duration: -1`, read, a flavor
change (stop, update with the whole body, start with `?duration=-1`), and a
delete of the RUNNING notebook without a stop.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from emulator import ManualClock
from emulator_test_helpers import BASE, IMAGE_CPU, assert_error, token_request
from emulator_test_signer import signed_call

HEADERS = {"X-Language": "en-us"}
SIGNED = ["content-type", "host", "x-language", "x-sdk-date"]
CREATE = {
    "name": "team_analysis",
    "flavor": "modelarts.vm.cpu.8u",
    "image_id": IMAGE_CPU,
    "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 50},
    "description": "analysis notebook of the data team",
    "duration": -1,
    "feature": "NOTEBOOK",
}


def call(client: FlaskClient, clock: ManualClock, method: str, path: str, body: Any = None) -> Any:
    signed = SIGNED if body is not None else [h for h in SIGNED if h != "content-type"]
    response = signed_call(client, clock, method, path, body, signed=signed, extra=HEADERS)
    assert response.status_code == 200, (method, path, response.get_json())
    return response.get_json()


def settle(client: FlaskClient, clock: ManualClock, notebook_id: str, target: str) -> dict[str, Any]:
    clock.advance(10)  # it waits 10 s, then polls
    shown = call(client, clock, "GET", f"{BASE}/notebooks/{notebook_id}")
    assert shown["status"] == target, shown
    return shown


def test_domains_for_token_and_aksk(client: FlaskClient, clock: ManualClock) -> None:
    [domain] = call(client, clock, "GET", "/v3/auth/domains")["domains"]
    assert domain["name"] == "emulator-domain" and domain["enabled"] is True and len(domain["id"]) == 32
    token = client.post("/v3/auth/tokens", json=token_request()).headers["X-Subject-Token"]
    by_token = client.get("/v3/auth/domains", headers={"X-Auth-Token": token}).get_json()
    assert by_token["domains"] == [domain]
    assert client.get("/v3/auth/domains").status_code == 401
    assert client.get("/v3/auth/domains", headers={"X-Auth-Token": "nope"}).status_code == 401


def test_terraform_lifecycle(client: FlaskClient, clock: ManualClock) -> None:
    assert call(client, clock, "GET", "/v3/auth/domains")["domains"]
    created = call(client, clock, "POST", f"{BASE}/notebooks", CREATE)
    nb_id = created["id"]
    shown = settle(client, clock, nb_id, "RUNNING")
    assert shown["lease"]["enable"] is False  # auto_stop_enabled false in its state
    assert call(client, clock, "GET", f"{BASE}/notebooks/{nb_id}/storage")["data"] == []

    # flavor change: stop, the whole update body, start with auto-stop off
    call(client, clock, "POST", f"{BASE}/notebooks/{nb_id}/stop", {})
    settle(client, clock, nb_id, "STOPPED")
    update = {"flavor": "modelarts.vm.cpu.2u", "image_id": IMAGE_CPU, "storage_new_size": 50}
    assert call(client, clock, "PUT", f"{BASE}/notebooks/{nb_id}", update)["flavor"] == "modelarts.vm.cpu.2u"
    call(client, clock, "POST", f"{BASE}/notebooks/{nb_id}/start?duration=-1")
    started = settle(client, clock, nb_id, "RUNNING")
    assert started["lease"]["enable"] is False and started["volume"]["capacity"] == 50

    # name/description change in place while RUNNING
    desc = {"name": "team_analysis2", "description": "renamed"}
    assert call(client, clock, "PUT", f"{BASE}/notebooks/{nb_id}", desc)["name"] == "team_analysis2"

    # delete without stopping, then wait for the notebook to be gone
    assert call(client, clock, "DELETE", f"{BASE}/notebooks/{nb_id}")["status"] == "DELETING"
    clock.advance(10)
    gone = signed_call(client, clock, "GET", f"{BASE}/notebooks/{nb_id}", extra=HEADERS, signed=SIGNED[1:])
    assert_error(gone, 400, "ModelArts.6309")
