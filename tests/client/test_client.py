"""The HTTP client against the emulator over loopback: auth, not-found forms, error mapping, retries."""

from __future__ import annotations

import pytest
import requests
from pydantic import SecretStr

from provider.core.auth import AkSkAuth, IamTokenAuth
from provider.core.client import ModelArtsClient, RetryPolicy
from provider.core.errors import (OutcomeUnknown, ApiError, AuthenticationError, NotFoundError, UnexplainedNotFound,
                                  UnknownRoute)
from provider.core.models import CreateNotebookRequest, UpdateNotebookRequest, VolumeRequest
from testkit.emulators import (ACCESS_KEY, CPU_FLAVOR, DOMAIN, IMAGE_ID, PASSWORD, PROJECT_ID, SECRET_KEY, USERNAME,
                               Emulator)

MISSING = "00000000-0000-0000-0000-000000000000"


class NoWait:
    """Time stands still and sleeps return at once: retries run without waiting."""

    def now(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        pass


NO_WAIT = NoWait()


def aksk_client(emulator: Emulator, **kwargs) -> ModelArtsClient:
    return ModelArtsClient(emulator.url, PROJECT_ID, AkSkAuth(ACCESS_KEY, SecretStr(SECRET_KEY)), **kwargs)


def token_auth(emulator: Emulator, password: str = PASSWORD) -> IamTokenAuth:
    return IamTokenAuth(f"{emulator.url}/v3", USERNAME, SecretStr(password), DOMAIN, project_name="eu-de")


def create(client: ModelArtsClient, name: str = "nb-client"):
    return client.create_notebook(CreateNotebookRequest(
        name=name, flavor=CPU_FLAVOR, image_id=IMAGE_ID, volume=VolumeRequest(category="EVS", capacity=5)))


def test_aksk_signed_calls_are_accepted(emulator: Emulator) -> None:
    client = aksk_client(emulator)
    created = create(client)
    assert created.id and created.status in ("CREATING", "INIT", "RUNNING")
    assert client.get_notebook(created.id).name == "nb-client"
    assert [r["auth"] for r in emulator.requests()] == ["aksk", "aksk"]


def test_wrong_secret_key_is_an_auth_error(emulator: Emulator) -> None:
    client = ModelArtsClient(emulator.url, PROJECT_ID, AkSkAuth(ACCESS_KEY, SecretStr("not-the-key")))
    with pytest.raises(ApiError) as error:
        client.list_notebooks()
    assert error.value.http_status in (401, 403) and "not-the-key" not in str(error.value)


def test_iam_token_is_fetched_once_and_reused(emulator: Emulator) -> None:
    auth = token_auth(emulator)
    client = ModelArtsClient(emulator.url, PROJECT_ID, auth)
    for _ in range(3):
        client.list_notebooks()
    assert auth.issued == 1
    assert auth.resolved_project_id == PROJECT_ID


def test_expired_token_is_renewed_once_transparently(emulator: Emulator) -> None:
    auth = token_auth(emulator)
    client = ModelArtsClient(emulator.url, PROJECT_ID, auth)
    client.list_notebooks()
    emulator.session.post(f"{emulator.url}/_emulator/tokens/expire").raise_for_status()
    client.list_notebooks()
    assert auth.issued == 2


def test_wrong_password_is_a_clear_authentication_error(emulator: Emulator) -> None:
    client = ModelArtsClient(emulator.url, PROJECT_ID, token_auth(emulator, password="wrong-password-123"))
    with pytest.raises(AuthenticationError, match="IAM refused the password login for user 'emulator-user'") as error:
        client.list_notebooks()
    assert "wrong-password-123" not in str(error.value)


@pytest.mark.parametrize("style", ["6309", "404"])
def test_not_found_in_both_documented_forms(emulator: Emulator, style: str) -> None:
    emulator.configure(not_found_style=style)
    client = aksk_client(emulator)
    with pytest.raises(NotFoundError) as error:
        client.get_notebook(MISSING)
    assert error.value.notebook_id == MISSING
    assert error.value.http_status == (400 if style == "6309" else 404)
    assert client.find_notebook(MISSING) is None


@pytest.mark.parametrize("list_too", [False, True], ids=["own-path", "list-too"])
def test_a_proxys_404_page_is_gone_only_while_the_list_answers(emulator: Emulator, list_too: bool) -> None:
    client = aksk_client(emulator)
    notebook_id = create(client).id
    page = {"method": "GET", "status": 404, "body": "<html><body>404 Not Found</body></html>"}
    rules = [{**page, "path_regex": rf"/notebooks/{notebook_id}$"}] + ([{**page, "path_regex": "/notebooks$"}]
                                                                       if list_too else [])
    emulator.session.post(f"{emulator.url}/_emulator/faults", json={"rules": rules}).raise_for_status()
    with pytest.raises(UnexplainedNotFound) as unexplained:
        client.get_notebook(notebook_id)
    assert (unexplained.value.http_status, unexplained.value.error_code) == (404, "HTTP.404")
    if list_too:  # a wrong endpoint or project: nothing can be said about the notebook
        with pytest.raises(UnknownRoute, match="modelarts:endpoint"):
            client.find_notebook(notebook_id)
    else:
        assert client.find_notebook(notebook_id) is None


def test_a_deleted_record_counts_as_gone(emulator: Emulator) -> None:
    emulator.configure(keep_deleted=True, transition_seconds=0)
    client = aksk_client(emulator)
    notebook_id = create(client).id
    client.get_notebook(notebook_id)  # settles CREATING -> RUNNING
    client.stop_notebook(notebook_id)
    client.get_notebook(notebook_id)
    client.delete_notebook(notebook_id)
    assert client.get_notebook(notebook_id).status == "DELETED"
    assert client.find_notebook(notebook_id) is None


def test_state_conflicts_carry_code_message_and_id(emulator: Emulator) -> None:
    emulator.configure(transition_seconds=0)
    client = aksk_client(emulator)
    notebook_id = create(client).id
    client.get_notebook(notebook_id)
    with pytest.raises(ApiError) as error:
        client.start_notebook(notebook_id)
    assert (error.value.http_status, error.value.error_code) == (400, "ModelArts.6305")
    assert notebook_id in str(error.value) and error.value.error_msg
    with pytest.raises(ApiError) as error:
        client.update_notebook(notebook_id, UpdateNotebookRequest(flavor="modelarts.vm.cpu.8u"))
    assert error.value.error_code == "ModelArts.6347"


def test_pagination_walks_every_page(emulator: Emulator) -> None:
    # The service caps a page below what was asked: a short page is not the last one.
    emulator.configure(max_notebooks=30, max_page_size=4)
    client = aksk_client(emulator)
    ids = {create(client, f"page-{i}").id for i in range(12)}
    before = len(emulator.requests())
    seen = [n.id for n in client.iter_notebooks(limit=5)]
    assert len(seen) == 12 and set(seen) == ids
    pages = [r["query"] for r in emulator.requests()[before:]]
    assert [(p["limit"], p["offset"]) for p in pages] == [("5", "0"), ("5", "4"), ("5", "8"), ("5", "12")]


def test_catalogue_lookups(emulator: Emulator) -> None:
    client = aksk_client(emulator)
    assert CPU_FLAVOR in {f.id for f in client.list_flavors()}
    assert client.get_image(IMAGE_ID).id == IMAGE_ID
    assert client.list_images(limit=5).data


class FlakySession(requests.Session):
    """Answers the first `failures` calls with 503 before reaching the emulator."""

    def __init__(self, failures: int, status: int = 503, retry_after: str = "0") -> None:
        super().__init__()
        self.failures, self.status, self.retry_after, self.calls = failures, status, retry_after, 0

    def request(self, method, url, **kwargs):  # type: ignore[override]
        self.calls += 1
        if self.calls <= self.failures:
            response = requests.Response()
            response.status_code = self.status
            response._content = b'{"error_code": "ModelArts.6101", "error_msg": "System busy"}'
            response.headers["Retry-After"] = self.retry_after
            response.request = requests.Request(method, url).prepare()
            return response
        return super().request(method, url, **kwargs)


def test_reads_are_retried_on_transient_errors(emulator: Emulator) -> None:
    session = FlakySession(failures=2)
    client = aksk_client(emulator, clock=NO_WAIT, session=session)
    assert client.list_notebooks().data == []
    assert client.stats.retries == 2


def test_create_is_not_repeated_after_a_server_error(emulator: Emulator) -> None:
    session = FlakySession(failures=1, status=502)
    client = aksk_client(emulator, clock=NO_WAIT, session=session)
    with pytest.raises(OutcomeUnknown) as error:
        create(client)
    assert isinstance(error.value.__cause__, ApiError) and error.value.__cause__.http_status == 502
    assert session.calls == 1
    assert emulator.notebooks() == []


def test_create_is_repeated_after_throttling(emulator: Emulator) -> None:
    session = FlakySession(failures=1, status=429)
    client = aksk_client(emulator, clock=NO_WAIT, session=session)
    assert create(client).id
    assert len(emulator.notebooks()) == 1


def test_retries_stop_at_the_attempt_limit(emulator: Emulator) -> None:
    session = FlakySession(failures=10)
    client = aksk_client(emulator, clock=NO_WAIT, session=session, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(ApiError) as error:
        client.list_notebooks()
    assert error.value.http_status == 503 and session.calls == 3
