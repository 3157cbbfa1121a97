"""Authentication edge cases against the emulator over loopback: clock skew, awkward
query strings and bodies under AK/SK signing, header-name case, and many threads
sharing one IAM token while the service expires it.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest
import requests
from pydantic import SecretStr

from provider.core.auth import AkSkAuth, IamTokenAuth, sign
from provider.core.client import ModelArtsClient
from provider.core.models import CreateNotebookRequest, UpdateNotebookRequest, VolumeRequest
from testkit.emulators import (ACCESS_KEY, CPU_FLAVOR, DOMAIN, IMAGE_ID, PASSWORD, PROJECT_ID, SECRET_KEY, USERNAME,
                               Emulator)

IMAGE_NAME = "pytorch1.8-cuda10.2-cudnn7-ubuntu18.04"


def api_url(emulator: Emulator, path: str) -> str:
    return f"{emulator.url}/v1/{PROJECT_ID}{path}"


def signed_headers(method: str, url: str, body: bytes = b"", headers: Optional[dict[str, str]] = None,
                   now: Optional[datetime] = None) -> dict[str, str]:
    headers = dict(headers or {})
    return {**headers, **sign(method, url, headers, body, ACCESS_KEY, SECRET_KEY, now=now)}


def aksk_client(emulator: Emulator) -> ModelArtsClient:
    return ModelArtsClient(emulator.url, PROJECT_ID, AkSkAuth(ACCESS_KEY, SecretStr(SECRET_KEY), PROJECT_ID))


def settled(client: ModelArtsClient, notebook_id: str) -> None:
    deadline = time.monotonic() + 10
    while client.get_notebook(notebook_id).status not in ("RUNNING", "STOPPED"):
        assert time.monotonic() < deadline, "the notebook did not settle"
        time.sleep(0.05)


def last_logged(emulator: Emulator) -> dict:
    return emulator.requests()[-1]


# ---- clock skew ----------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [-10, 10])
def test_a_signature_dated_ten_minutes_off_is_accepted(emulator: Emulator, minutes: int) -> None:
    url = api_url(emulator, "/notebooks")
    moment = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    response = requests.get(url, headers=signed_headers("GET", url, now=moment), timeout=10)
    assert response.status_code == 200, response.text
    assert last_logged(emulator)["auth"] == "aksk"


@pytest.mark.parametrize("minutes", [-20, 20])
def test_a_signature_dated_twenty_minutes_off_is_rejected_with_the_documented_error(
    emulator: Emulator, minutes: int
) -> None:
    url = api_url(emulator, "/notebooks")
    moment = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    headers = signed_headers("GET", url, now=moment)
    response = requests.get(url, headers=headers, timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert body["error_code"] == "ModelArts.0208"
    assert "X-Sdk-Date" in body["error_msg"]
    signature = headers["Authorization"].rsplit("=", 1)[1]
    assert signature not in response.text and SECRET_KEY not in response.text


# ---- query strings and bodies under signing -------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "cuda10.2+cudnn7",        # '+' must not turn into a space on either side
        "py 3.7 ubuntu",          # a space
        "100% cpu",               # '%' that is not an escape
        "a,b;c=d&e?f/g#h",        # separators of URLs and queries
        "~tilde_under-dash.dot",  # unreserved characters stay as they are
        "Übung-数据",              # non-ASCII
    ],
)
def test_reserved_characters_in_a_query_are_signed_and_accepted(emulator: Emulator, name: str) -> None:
    page = aksk_client(emulator).list_images(name=name, sort_key="create_at,name", sort_dir="ASC", limit=5)
    assert page.data == []
    logged = last_logged(emulator)
    assert logged["status"] == 200 and logged["auth"] == "aksk"
    # The service decoded exactly the values that were signed.
    assert logged["query"]["name"] == name
    assert logged["query"]["sort_key"] == "create_at,name"


def test_an_exact_name_with_dots_and_a_comma_separated_sort_key_finds_the_image(emulator: Emulator) -> None:
    page = aksk_client(emulator).list_images(name=IMAGE_NAME, name_fuzzy_match=False, sort_key="name,create_at")
    assert [image.name for image in page.data] == [IMAGE_NAME]


def test_a_query_encoded_by_requests_itself_is_signed_as_sent(emulator: Emulator) -> None:
    """`AkSkAuth` used as a plain `requests` auth hook: requests writes a space as '+'
    and leaves ',' alone; the signature must cover the query exactly as sent."""
    auth = AkSkAuth(ACCESS_KEY, SecretStr(SECRET_KEY), PROJECT_ID)
    params = {"name": "cuda10.2 cudnn7", "sort_key": "create_at,name"}
    response = requests.get(api_url(emulator, "/images"), params=params, auth=auth, timeout=10)
    assert response.status_code == 200, response.text


def test_non_ascii_description_in_a_utf8_body_is_signed_and_accepted(emulator: Emulator) -> None:
    description = "Übungen für Schüler – 数据分析 ✓ naïve café"
    body = json.dumps({
        "name": "nb-utf8", "flavor": CPU_FLAVOR, "image_id": IMAGE_ID, "description": description,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
    }, ensure_ascii=False).encode("utf-8")
    assert not body.isascii()
    url = api_url(emulator, "/notebooks")
    headers = signed_headers("POST", url, body, {"Content-Type": "application/json;charset=UTF-8"})
    response = requests.post(url, data=body, headers=headers, timeout=10)
    assert response.status_code in (200, 201), response.text
    notebook_id = response.json()["id"]

    client = aksk_client(emulator)
    assert client.get_notebook(notebook_id).description == description

    # The client's own path (JSON with escapes) round-trips the same text, on create and update.
    created = client.create_notebook(CreateNotebookRequest(
        name="nb-utf8-client", flavor=CPU_FLAVOR, image_id=IMAGE_ID, description=description,
        volume=VolumeRequest(category="EVS", capacity=5)))
    assert created.id
    assert client.get_notebook(created.id).description == description
    settled(client, notebook_id)
    client.update_notebook(notebook_id, UpdateNotebookRequest(description="Ärger – 変更"))
    assert client.get_notebook(notebook_id).description == "Ärger – 変更"


# ---- header-name case ------------------------------------------------------------------------------


def _recase(headers: dict[str, str], how: str) -> dict[str, str]:
    if how == "lower":
        return {k.lower(): v for k, v in headers.items()}
    if how == "upper":
        return {k.upper(): v for k, v in headers.items()}
    return {"".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(k)): v for k, v in headers.items()}


@pytest.mark.parametrize("how", ["lower", "upper", "mixed"])
def test_header_names_in_any_case_are_accepted_for_aksk(emulator: Emulator, how: str) -> None:
    url = api_url(emulator, "/notebooks")
    body = json.dumps({"name": f"nb-case-{how}", "flavor": CPU_FLAVOR, "image_id": IMAGE_ID,
                       "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}}).encode()
    # Signed from headers already spelled in that case, and sent spelled that way.
    given = _recase({"Content-Type": "application/json", "X-Project-Id": PROJECT_ID}, how)
    headers = _recase(signed_headers("POST", url, body, given), how)
    response = requests.post(url, data=body, headers=headers, timeout=10)
    assert response.status_code in (200, 201), response.text
    assert last_logged(emulator)["auth"] == "aksk"


@pytest.mark.parametrize("name", ["x-auth-token", "X-AUTH-TOKEN", "X-auth-Token"])
def test_token_header_name_in_any_case_is_accepted(emulator: Emulator, name: str) -> None:
    auth = IamTokenAuth(f"{emulator.url}/v3", USERNAME, SecretStr(PASSWORD), DOMAIN, project_name="eu-de")
    response = requests.get(api_url(emulator, "/notebooks"), headers={name: auth.token()}, timeout=10)
    assert response.status_code == 200, response.text
    assert last_logged(emulator)["auth"] == "token"


# ---- token renewal under concurrency ----------------------------------------------------------------


def test_sixteen_threads_share_one_token_and_renew_it_once_after_it_expires(emulator: Emulator) -> None:
    auth = IamTokenAuth(f"{emulator.url}/v3", USERNAME, SecretStr(PASSWORD), DOMAIN, project_name="eu-de")
    client = ModelArtsClient(emulator.url, PROJECT_ID, auth)
    threads, calls_each = 16, 12
    done = threading.Semaphore(0)
    expired = threading.Event()
    errors: list[BaseException] = []

    def work(index: int) -> int:
        ok = 0
        for call in range(calls_each):
            try:
                if call % 2:
                    client.list_notebooks(limit=1)
                else:
                    client.list_flavors()
                ok += 1
            except BaseException as error:  # every failure is the finding
                errors.append(error)
            done.release()
            if call == calls_each // 2 and not expired.is_set():
                expired.wait(10)  # the second half runs on the expired token
        return ok

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(work, i) for i in range(threads)]
        for _ in range(threads * 3):  # a few calls in, every token expires
            assert done.acquire(timeout=30)
        emulator.session.post(f"{emulator.url}/_emulator/tokens/expire", timeout=10).raise_for_status()
        expired.set()
        succeeded = sum(f.result(timeout=60) for f in futures)

    assert errors == []
    assert succeeded == threads * calls_each
    log = emulator.requests()
    rejected = [r for r in log if r["path"].startswith("/v1/") and r["status"] == 401]
    logins = [r for r in log if r["path"] == "/v3/auth/tokens"]
    assert rejected, "the expiry did not hit any call: the test proved nothing"
    # One login at the start and one renewal: the threads that saw the expired
    # token all waited for the same new one.
    assert auth.issued == 2, f"IAM was asked for {auth.issued} tokens"
    assert len(logins) == 2
    assert len(rejected) <= threads  # each thread retries its call once at most
    tokens = emulator.session.get(f"{emulator.url}/_emulator/tokens", timeout=10).json()["tokens"]
    assert [t["expired"] for t in tokens] == [True, False]
