"""AK/SK: the signature is verified for real, over the headers the client chose."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from emulator import ManualClock, signing
from emulator_test_helpers import BASE, assert_error, create_body
from emulator_test_signer import AK, HOST, SK, sdk_date, sign_request, signed_call

VECTOR_URL = "https://service.endpoint.myhuaweicloud.com/resources?size=1"
VECTOR_HEADERS = {"Host": "service.endpoint.myhuaweicloud.com", "X-Sdk-Date": "20200608T023900Z"}
VECTOR_SIGNATURE = "6d5bc610d3d4475346aae5cd7ed8d99585e60c0430a1d3d6e2f54e2bdd633701"


def test_published_vector_server_algorithm() -> None:
    headers = {k.lower(): v for k, v in VECTOR_HEADERS.items()}
    got = signing.sign("my sk", "GET", "/resources", signing.parse_query("size=1"), headers,
                       ["host", "x-sdk-date"], b"")
    assert got == VECTOR_SIGNATURE


def test_published_vector_test_signer() -> None:
    signed = sign_request("GET", VECTOR_URL, VECTOR_HEADERS, b"", "my ak", "my sk")
    assert signed["Authorization"] == (
        f"SDK-HMAC-SHA256 Access=my ak, SignedHeaders=host;x-sdk-date, Signature={VECTOR_SIGNATURE}"
    )


def test_canonical_pieces() -> None:
    assert signing.canonical_uri("/v1/p/notebooks") == "/v1/p/notebooks/"
    assert signing.canonical_uri("/a%20b/") == "/a%20b/"
    assert signing.canonical_query({"b": ["2", "1"], "a b": ["x~y/z"]}) == "a%20b=x~y%2Fz&b=1&b=2"


def test_signed_get_with_host_and_date(client: FlaskClient, clock: ManualClock) -> None:
    response = signed_call(client, clock, "GET", f"{BASE}/notebooks?limit=5&name=nb_1")
    assert response.status_code == 200, response.get_json()
    log = client.get("/_emulator/requests").get_json()["requests"]
    assert log[-1]["auth"] == "aksk"


def test_signed_post_over_content_type_with_body(client: FlaskClient, clock: ManualClock) -> None:
    response = signed_call(client, clock, "POST", f"{BASE}/notebooks", body=create_body(),
                           signed=["host", "x-sdk-date", "content-type"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "CREATING"


def test_query_with_reserved_characters_and_repeats(client: FlaskClient, clock: ManualClock) -> None:
    response = signed_call(client, clock, "GET", f"{BASE}/images?name=py%20torch&offset=0&offset=0&type=build_in")
    assert response.status_code == 200, response.get_json()


def test_unsigned_payload(client: FlaskClient, clock: ManualClock) -> None:
    response = signed_call(client, clock, "POST", f"{BASE}/notebooks", body=create_body(),
                           signed=["host", "x-sdk-content-sha256", "x-sdk-date"],
                           extra={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"})
    assert response.status_code == 200, response.get_json()


def test_docs_credential_form_is_accepted(client: FlaskClient, clock: ManualClock) -> None:
    path = f"{BASE}/notebooks"
    headers = sign_request("GET", f"http://{HOST}{path}", {"Host": HOST, "X-Sdk-Date": sdk_date(clock.now)},
                           b"", AK, SK)
    sig = headers["Authorization"].rsplit("Signature=", 1)[1]
    headers["Authorization"] = (
        f"SDK-HMAC-SHA256 Credential={AK}/20150907//ec2/sdk_request, SignedHeaders=host;x-sdk-date, Signature={sig}"
    )
    assert client.get(path, headers=headers).status_code == 200


def test_tampered_signature_rejected(client: FlaskClient, clock: ManualClock) -> None:
    path = f"{BASE}/notebooks"
    headers = sign_request("GET", f"http://{HOST}{path}", {"Host": HOST, "X-Sdk-Date": sdk_date(clock.now)},
                           b"", AK, SK)
    sig = headers["Authorization"].rsplit("Signature=", 1)[1]
    bad = ("0" if sig[0] != "0" else "1") + sig[1:]
    headers["Authorization"] = headers["Authorization"].replace(sig, bad)
    response = client.get(path, headers=headers)
    body = assert_error(response, 403, "ModelArts.0206")
    assert bad not in json.dumps(body) and sig not in json.dumps(body)


def test_wrong_access_key_and_wrong_secret_rejected(client: FlaskClient, clock: ManualClock) -> None:
    assert_error(signed_call(client, clock, "GET", f"{BASE}/notebooks", ak="other-ak"), 403, "ModelArts.0206")
    response = signed_call(client, clock, "GET", f"{BASE}/notebooks", sk="other-sk")
    body = assert_error(response, 403, "ModelArts.0206")
    assert SK not in json.dumps(body)


def test_tampered_body_rejected(client: FlaskClient, clock: ManualClock) -> None:
    path = f"{BASE}/notebooks"
    raw = json.dumps(create_body()).encode()
    headers = sign_request("POST", f"http://{HOST}{path}", {"Host": HOST, "X-Sdk-Date": sdk_date(clock.now),
                                                             "Content-Type": "application/json"}, raw, AK, SK,
                           ["host", "x-sdk-date"])
    response = client.post(path, headers=headers, data=json.dumps(create_body(name="other")).encode())
    assert_error(response, 403, "ModelArts.0206")
    assert client.get("/_emulator/notebooks").get_json()["notebooks"] == []


def test_tampered_query_rejected(client: FlaskClient, clock: ManualClock) -> None:
    path = f"{BASE}/notebooks?limit=5"
    headers = sign_request("GET", f"http://{HOST}{path}", {"Host": HOST, "X-Sdk-Date": sdk_date(clock.now)},
                           b"", AK, SK)
    assert_error(client.get(f"{BASE}/notebooks?limit=6", headers=headers), 403, "ModelArts.0206")


@pytest.mark.parametrize("offset", [-901, 901, 3600])
def test_stale_or_future_date_rejected(client: FlaskClient, clock: ManualClock, offset: int) -> None:
    response = signed_call(client, clock, "GET", f"{BASE}/notebooks", date=sdk_date(clock.now + offset))
    body = assert_error(response, 401, "ModelArts.0208")
    assert "X-Sdk-Date" in body["error_msg"]


def test_date_within_skew_accepted(client: FlaskClient, clock: ManualClock) -> None:
    response = signed_call(client, clock, "GET", f"{BASE}/notebooks", date=sdk_date(clock.now - 899))
    assert response.status_code == 200


def test_missing_or_malformed_date_rejected(client: FlaskClient, clock: ManualClock) -> None:
    path = f"{BASE}/notebooks"
    headers = sign_request("GET", f"http://{HOST}{path}", {"Host": HOST, "X-Sdk-Date": sdk_date(clock.now)},
                           b"", AK, SK)
    no_date = {k: v for k, v in headers.items() if k != "X-Sdk-Date"}
    assert_error(client.get(path, headers=no_date), 401, "ModelArts.0208")
    assert_error(client.get(path, headers={**headers, "X-Sdk-Date": "2023-11-14T22:13:20Z"}), 401, "ModelArts.0208")


def test_malformed_authorization_header(client: FlaskClient, clock: ManualClock) -> None:
    path = f"{BASE}/notebooks"
    base = {"Host": HOST, "X-Sdk-Date": sdk_date(clock.now)}
    assert_error(client.get(path, headers={**base, "Authorization": "Basic abc"}), 401, "ModelArts.0206")
    assert_error(client.get(path, headers={**base, "Authorization": "SDK-HMAC-SHA256 Access=x"}),
                 401, "ModelArts.0206")


def test_signed_header_not_sent(client: FlaskClient, clock: ManualClock) -> None:
    path = f"{BASE}/notebooks"
    headers = sign_request("GET", f"http://{HOST}{path}", {"Host": HOST, "X-Sdk-Date": sdk_date(clock.now),
                                                           "X-Custom": "1"}, b"", AK, SK)
    del headers["X-Custom"]
    assert_error(client.get(path, headers=headers), 401, "ModelArts.0206")


def test_project_header_and_unknown_project(client: FlaskClient, clock: ManualClock) -> None:
    response = signed_call(client, clock, "GET", f"{BASE}/notebooks",
                           extra={"X-Project-Id": "f" * 32}, signed=["host", "x-project-id", "x-sdk-date"])
    assert_error(response, 403, "ModelArts.0210")
    response = signed_call(client, clock, "GET", f"/v1/{'f' * 32}/notebooks")
    assert_error(response, 404, "ModelArts.6650")
    response = signed_call(client, clock, "GET", f"{BASE}/notebooks",
                           extra={"X-Project-Id": BASE.split("/")[2]}, signed=["host", "x-project-id", "x-sdk-date"])
    assert response.status_code == 200
