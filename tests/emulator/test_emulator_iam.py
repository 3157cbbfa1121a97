"""IAM tokens: issue, scope, expiry, and their use on ModelArts calls."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient

from emulator import ManualClock
from emulator_test_helpers import BASE, PROJECT, assert_error, token_request

ISO_US_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def issue(client: FlaskClient, **kwargs: Any) -> str:
    response = client.post("/v3/auth/tokens", json=token_request(**kwargs))
    assert response.status_code == 201, response.get_json()
    return response.headers["X-Subject-Token"]


def test_issue_token_shape(client: FlaskClient, clock: ManualClock) -> None:
    response = client.post("/v3/auth/tokens", json=token_request())
    assert response.status_code == 201
    token = response.headers["X-Subject-Token"]
    assert len(token) > 32
    body = response.get_json()["token"]
    assert token not in response.get_data(as_text=True)
    assert body["methods"] == ["password"]
    assert body["catalog"] == []
    assert body["project"]["id"] == PROJECT and body["project"]["name"] == "eu-de"
    assert body["project"]["domain"]["name"] == "emulator-domain"
    assert body["user"]["name"] == "emulator-user"
    assert ISO_US_Z.match(body["expires_at"]) and ISO_US_Z.match(body["issued_at"])
    expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    issued = datetime.strptime(body["issued_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert (expires - issued).total_seconds() == 86400


def test_tokens_are_random(client: FlaskClient) -> None:
    assert issue(client) != issue(client)


def test_scope_by_project_id(client: FlaskClient) -> None:
    token = issue(client, project={"id": PROJECT})
    assert client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": token}).status_code == 200


def test_wrong_credentials(client: FlaskClient) -> None:
    cases: list[dict[str, Any]] = [{"password": "nope"}, {"user": "someone"}, {"domain": "other"}]
    for kwargs in cases:
        response = client.post("/v3/auth/tokens", json=token_request(**kwargs))
        assert response.status_code == 401
        assert response.get_json() == {
            "error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}
        }
        assert "X-Subject-Token" not in response.headers
        assert "nope" not in response.get_data(as_text=True)


def test_unknown_project_scope(client: FlaskClient) -> None:
    for project in ({"name": "eu-nl"}, {"id": "f" * 32}):
        response = client.post("/v3/auth/tokens", json=token_request(project=project))
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == 401


def test_malformed_bodies(client: FlaskClient) -> None:
    assert client.post("/v3/auth/tokens", data="{not json", content_type="application/json").status_code == 400
    assert client.post("/v3/auth/tokens", json={"auth": {}}).status_code == 400
    body = token_request()
    body["auth"]["identity"]["methods"] = ["token"]
    assert client.post("/v3/auth/tokens", json=body).status_code == 400
    assert client.post("/v3/auth/tokens").status_code == 400


def test_token_expiry_by_lifetime(client: FlaskClient, clock: ManualClock) -> None:
    token = issue(client)
    clock.advance(86399)
    assert client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": token}).status_code == 200
    clock.advance(1)
    assert_error(client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": token}), 401, "ModelArts.0202")


def test_token_lifetime_setting(client: FlaskClient, clock: ManualClock) -> None:
    assert client.post("/_emulator/config", json={"token_lifetime_seconds": 60}).status_code == 200
    token = issue(client)
    clock.advance(61)
    assert_error(client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": token}), 401, "ModelArts.0202")


def test_expire_all_tokens(client: FlaskClient) -> None:
    token = issue(client)
    assert client.post("/_emulator/tokens/expire").get_json() == {"expired": 1}
    body = assert_error(client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": token}), 401, "ModelArts.0202")
    assert token not in str(body)
    fresh = issue(client)
    assert client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": fresh}).status_code == 200


def test_issued_tokens_are_listed_for_tests(client: FlaskClient) -> None:
    assert client.get("/_emulator/tokens").get_json() == {"tokens": []}
    first, second = issue(client), issue(client)
    client.post("/_emulator/tokens/expire")
    third = issue(client)
    listed = client.get("/_emulator/tokens").get_json()["tokens"]
    assert [t["token"] for t in listed] == [first, second, third]
    assert [t["expired"] for t in listed] == [True, True, False]
    assert {t["project_id"] for t in listed} == {"0123456789abcdef0123456789abcdef"}
    client.post("/_emulator/reset")
    assert client.get("/_emulator/tokens").get_json() == {"tokens": []}
    # Support calls are never logged, so the listing itself leaves no trace.
    assert client.get("/_emulator/requests").get_json() == {"requests": []}


def test_missing_and_unknown_token(client: FlaskClient) -> None:
    assert_error(client.get(f"{BASE}/notebooks"), 401, "ModelArts.0201")
    body = assert_error(client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": "forged-token"}),
                        401, "ModelArts.0203")
    assert "forged-token" not in str(body)


def test_header_name_is_case_insensitive(client: FlaskClient) -> None:
    token = issue(client)
    assert client.get(f"{BASE}/notebooks", headers={"x-auth-token": token}).status_code == 200
    assert client.get(f"{BASE}/notebooks", headers={"X-auth-Token": token}).status_code == 200


def test_project_mismatch(client: FlaskClient) -> None:
    token = issue(client)
    assert_error(client.get(f"/v1/{'a' * 32}/notebooks", headers={"X-Auth-Token": token}), 403, "ModelArts.0210")


def test_unscoped_token_is_refused_by_modelarts(client: FlaskClient) -> None:
    body = token_request()
    del body["auth"]["scope"]
    response = client.post("/v3/auth/tokens", json=body)
    assert response.status_code == 201
    assert "project" not in response.get_json()["token"]
    token = response.headers["X-Subject-Token"]
    assert_error(client.get(f"{BASE}/notebooks", headers={"X-Auth-Token": token}), 401, "ModelArts.0212")


def test_list_projects(client: FlaskClient) -> None:
    token = issue(client)
    response = client.get("/v3/projects", headers={"X-Auth-Token": token})
    assert response.status_code == 200
    body = response.get_json()
    assert [p["id"] for p in body["projects"]] == [PROJECT]
    project = body["projects"][0]
    assert project["name"] == "eu-de" and project["enabled"] is True and project["is_domain"] is False
    assert set(body["links"]) == {"next", "previous", "self"}
    assert client.get("/v3/projects?name=eu-de", headers={"X-Auth-Token": token}).get_json()["projects"]
    assert client.get("/v3/projects?name=eu-nl", headers={"X-Auth-Token": token}).get_json()["projects"] == []
    unauth = client.get("/v3/projects")
    assert unauth.status_code == 401 and unauth.get_json()["error"]["code"] == 401
