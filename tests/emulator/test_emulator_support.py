"""/_emulator endpoints: request log, reset, inventory, forcing, config, faults."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from emulator_test_helpers import BASE, Api, assert_error, create_body, token_request
from emulator_test_signer import sdk_date, sign_request


def test_health(client: FlaskClient) -> None:
    assert client.get("/_emulator/health").get_json() == {"ok": True}


def test_request_log_has_no_secrets(api: Api) -> None:
    nb = api.create()
    api.client.post("/v3/auth/tokens", json=token_request(password="wrong-password"))
    api.get(f"/notebooks/{nb['id']}?limit=1", headers={"X-Auth-Token": "a-forged-token"})
    path = f"{BASE}/notebooks"
    signed = sign_request("GET", f"http://localhost{path}",
                          {"Host": "localhost", "X-Sdk-Date": sdk_date(api.clock.now)}, b"",
                          "emulator-ak", "emulator-sk")
    api.client.get(path, headers=signed)
    api.client.get("/_emulator/health")

    log = api.client.get("/_emulator/requests").get_json()["requests"]
    text = json.dumps(log)
    signature = signed["Authorization"].rsplit("=", 1)[1]
    for secret in (api.token, "emulator-password", "wrong-password", "a-forged-token", "emulator-sk",
                   signature, nb["token"]):
        assert secret not in text
    assert all(set(e) == {"seq", "time_ms", "method", "path", "query", "status", "auth", "mutating",
                          "credential_project"} for e in log)
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert not any(e["path"].startswith("/_emulator") for e in log)
    by_kind = {(e["method"], e["auth"], e["status"], e["mutating"]) for e in log}
    assert ("POST", "none", 201, False) in by_kind  # token
    assert ("POST", "token", 200, True) in by_kind  # create
    assert ("POST", "none", 401, False) in by_kind  # bad password
    assert ("GET", "token", 401, False) in by_kind  # forged token
    assert ("GET", "aksk", 200, False) in by_kind
    assert log[3]["query"] == {"limit": "1"}


def test_reset(api: Api) -> None:
    api.create()
    api.client.post("/_emulator/faults", json={"rules": [{"path_regex": "/nothing"}]})
    assert api.client.post("/_emulator/reset").get_json() == {"ok": True}
    assert api.client.get("/_emulator/notebooks").get_json() == {"notebooks": []}
    assert api.client.get("/_emulator/requests").get_json() == {"requests": []}
    assert api.client.get("/_emulator/faults").get_json() == {"rules": []}
    assert_error(api.get("/notebooks"), 401, "ModelArts.0203")  # tokens are gone too
    fresh = Api(api.client, api.clock)
    assert fresh.get("/notebooks/flavors").get_json()["total"] >= 4  # the catalogue stays


def test_inventory_has_history(api: Api) -> None:
    nb = api.stopped()
    [raw] = api.client.get("/_emulator/notebooks").get_json()["notebooks"]
    assert raw["id"] == nb["id"]
    assert [h["status"] for h in raw["history"]] == ["CREATING", "RUNNING", "STOPPING", "STOPPED"]
    assert all(isinstance(h["at_ms"], int) for h in raw["history"])
    assert raw["pending"] is None


def test_force_status(api: Api) -> None:
    nb = api.running()
    forced = api.client.post(f"/_emulator/notebooks/{nb['id']}/status", json={"status": "STOPPED"}).get_json()
    assert forced["status"] == "STOPPED"
    assert api.show(nb["id"])["status"] == "STOPPED"
    api.client.post(f"/_emulator/notebooks/{nb['id']}/status", json={"status": "ERROR", "fail_reason": "boom"})
    assert api.show(nb["id"])["fail_reason"] == "boom"
    api.client.post(f"/_emulator/notebooks/{nb['id']}/status", json={"status": "STOPPING"})
    api.tick()
    assert api.show(nb["id"])["status"] == "STOPPED"
    assert api.client.post(f"/_emulator/notebooks/{nb['id']}/status", json={"status": "NAPPING"}).status_code == 400
    assert api.client.post("/_emulator/notebooks/nope/status", json={"status": "STOPPED"}).status_code == 404


def test_force_stop_via_lease(api: Api) -> None:
    nb = api.running()
    body = api.client.post(f"/_emulator/notebooks/{nb['id']}/status",
                           json={"status": "STOPPED", "via": "lease"}).get_json()
    assert body["status"] == "STOPPING" and body["history"][-1]["cause"] == "lease"
    api.tick()
    assert api.show(nb["id"])["status"] == "STOPPED"


def test_lease_expire(api: Api) -> None:
    nb = api.running()
    body = api.client.post(f"/_emulator/notebooks/{nb['id']}/lease-expire").get_json()
    assert body["status"] == "STOPPING"
    assert body["lease"]["create_at"] + body["lease"]["duration"] == api.clock.now * 1000
    api.tick()
    assert api.show(nb["id"])["status"] == "STOPPED"
    assert api.client.post(f"/_emulator/notebooks/{nb['id']}/lease-expire").status_code == 409


def test_config(client: FlaskClient) -> None:
    config = client.get("/_emulator/config").get_json()
    assert config["transition_seconds"] == 1.0 and config["not_found_style"] == "6309"
    assert "secret_key" not in config and "password" not in config
    changed = client.post("/_emulator/config", json={"transition_seconds": 0.25, "keep_deleted": True,
                                                     "not_found_style": "404", "max_notebooks": 3}).get_json()
    assert changed["transition_seconds"] == 0.25 and changed["keep_deleted"] is True
    assert changed["not_found_style"] == "404" and changed["max_notebooks"] == 3
    assert client.post("/_emulator/config", json={"not_found_style": "418"}).status_code == 400
    assert client.post("/_emulator/config", json={"transition_seconds": -1}).status_code == 400
    assert client.post("/_emulator/config", json={"password": "x"}).status_code == 400
    assert client.get("/_emulator/config").get_json()["transition_seconds"] == 0.25


def test_fault_answers_before_any_effect(api: Api) -> None:
    rules = {"rules": [{"method": "POST", "path_regex": r"/notebooks$", "status": 503,
                        "error_code": "ModelArts.6101", "retry_after": 1, "times": 2}]}
    assert api.client.post("/_emulator/faults", json=rules).status_code == 200
    for _ in range(2):
        response = api.post("/notebooks", json=create_body())
        assert_error(response, 503, "ModelArts.6101")
        assert response.headers["Retry-After"] == "1"
    assert api.client.get("/_emulator/notebooks").get_json()["notebooks"] == []
    assert api.get("/notebooks").status_code == 200  # GET not matched
    assert api.post("/notebooks", json=create_body()).status_code == 200
    assert api.client.get("/_emulator/faults").get_json()["rules"][0]["fired"] == 2


def test_fault_precedes_auth_and_can_be_cleared(client: FlaskClient) -> None:
    client.post("/_emulator/faults", json={"rules": [{"path_regex": "/notebooks", "status": 500,
                                                      "error_code": "ModelArts.6102"}]})
    assert_error(client.get(f"{BASE}/notebooks"), 500, "ModelArts.6102")
    assert client.delete("/_emulator/faults").get_json() == {"rules": []}
    assert_error(client.get(f"{BASE}/notebooks"), 401, "ModelArts.0201")


def test_fault_answers_a_body_of_its_own_or_none(api: Api) -> None:
    """A proxy in front of the service answers with no error code: a page, or nothing."""
    nb = api.create()
    rules = [
        {"method": "GET", "path_regex": rf"/notebooks/{nb['id']}$", "status": 404, "body": None, "times": 1},
        {"method": "GET", "path_regex": rf"/notebooks/{nb['id']}$", "status": 404, "body": "<h1>Not Found</h1>",
         "times": 1},
        {"method": "GET", "path_regex": rf"/notebooks/{nb['id']}$", "status": 404, "body": {"message": "no route"},
         "times": 1},
    ]
    listed = api.client.post("/_emulator/faults", json={"rules": rules}).get_json()["rules"]
    assert [r["body"] for r in listed] == [None, "<h1>Not Found</h1>", {"message": "no route"}]
    empty = api.get(f"/notebooks/{nb['id']}")
    assert (empty.status_code, empty.data) == (404, b"")
    page = api.get(f"/notebooks/{nb['id']}")
    assert (page.status_code, page.data, page.mimetype) == (404, b"<h1>Not Found</h1>", "text/html")
    other = api.get(f"/notebooks/{nb['id']}")
    assert (other.status_code, other.get_json()) == (404, {"message": "no route"})
    assert api.get(f"/notebooks/{nb['id']}").get_json()["id"] == nb["id"]  # every rule spent
    assert api.get("/notebooks").status_code == 200  # the list was never matched
    # Without `body`, the service's error body, as before; a body of another type is refused.
    api.client.post("/_emulator/faults", json={"rules": [{"status": 404, "error_code": "ModelArts.6309"}]})
    assert_error(api.get(f"/notebooks/{nb['id']}"), 404, "ModelArts.6309")
    assert "body" not in api.client.get("/_emulator/faults").get_json()["rules"][0]
    assert api.client.post("/_emulator/faults", json={"rules": [{"body": 404}]}).status_code == 400


def test_fault_probability_zero_and_bad_rules(client: FlaskClient) -> None:
    client.post("/_emulator/faults", json={"rules": [{"path_regex": ".*", "probability": 0.0}]})
    assert_error(client.get(f"{BASE}/notebooks"), 401, "ModelArts.0201")
    assert client.post("/_emulator/faults", json={"rules": [{"path_regex": "("}]}).status_code == 400
    assert client.post("/_emulator/faults", json={"rules": [{"colour": "red"}]}).status_code == 400
    assert client.post("/_emulator/faults", json={"rules": "x"}).status_code == 400



def test_fault_after_effect_loses_the_answer_but_keeps_the_effect(api: Api) -> None:
    rule = {"method": "POST", "path_regex": "/notebooks$", "status": 502, "times": 1, "after_effect": True}
    assert api.client.post("/_emulator/faults", json={"rules": [rule]}).status_code == 200
    response = api.post("/notebooks", json=create_body())
    assert response.status_code == 502
    assert len(api.client.get("/_emulator/notebooks").get_json()["notebooks"]) == 1
