"""AK/SK signing, pinned by the public test vector of the SDK-HMAC-SHA256 scheme."""

from __future__ import annotations

from datetime import datetime, timezone

import requests
from pydantic import SecretStr

from provider.core.auth import AkSkAuth, IamTokenAuth, canonical_query, canonical_uri, encode_query, sign

VECTOR_DATE = datetime(2020, 6, 8, 2, 39, 0, tzinfo=timezone.utc)


def test_public_test_vector() -> None:
    headers = sign("GET", "https://service.endpoint.myhuaweicloud.com/resources?size=1", {}, b"", "my ak", "my sk",
                   now=VECTOR_DATE)
    assert headers["X-Sdk-Date"] == "20200608T023900Z"
    assert headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=my ak, SignedHeaders=host;x-sdk-date, "
        "Signature=6d5bc610d3d4475346aae5cd7ed8d99585e60c0430a1d3d6e2f54e2bdd633701"
    )


def test_content_type_is_signed_when_sent() -> None:
    headers = sign("POST", "https://h/v1/p/notebooks", {"Content-Type": "application/json"}, b"{}", "ak", "sk",
                   now=VECTOR_DATE)
    assert "SignedHeaders=content-type;host;x-sdk-date," in headers["Authorization"]


def test_signature_covers_body_and_query() -> None:
    base = sign("POST", "https://h/x?a=1", {}, b"{}", "ak", "sk", now=VECTOR_DATE)["Authorization"]
    assert sign("POST", "https://h/x?a=1", {}, b"{ }", "ak", "sk", now=VECTOR_DATE)["Authorization"] != base
    assert sign("POST", "https://h/x?a=2", {}, b"{}", "ak", "sk", now=VECTOR_DATE)["Authorization"] != base


def test_canonical_forms() -> None:
    assert canonical_uri("/v1/p/notebooks") == "/v1/p/notebooks/"
    assert canonical_uri("/a%20b/") == "/a%20b/"
    assert canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2"
    assert canonical_query("name=x y&z=%2F") == "name=x%20y&z=%2F"
    # What the client sends is already canonical, so the signed text is the wire text.
    query = encode_query({"name": "nb ä/1", "limit": 10, "skip": None, "flag": True})
    assert query == "flag=true&limit=10&name=nb%20%C3%A4%2F1"
    assert canonical_query(query) == query


def test_aksk_auth_signs_a_prepared_request_and_hides_the_secret() -> None:
    auth = AkSkAuth("my ak", SecretStr("my sk"), project_id="p1")
    request = requests.Request("GET", "https://h/v1/p1/notebooks?limit=10").prepare()
    auth(request)
    assert request.headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=my ak, SignedHeaders=")
    assert request.headers["X-Project-Id"] == "p1"
    assert "my sk" not in repr(auth)


def test_iam_auth_repr_hides_password() -> None:
    auth = IamTokenAuth("https://iam/v3", "user", SecretStr("hunter2-password"), "domain", project_name="eu-de")
    assert "hunter2" not in repr(auth)
