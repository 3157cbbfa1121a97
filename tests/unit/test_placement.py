"""A notebook's project and region: endpoints per region, credentials per project,
checks at preview, one client per place, and a move that replaces."""

from __future__ import annotations

import threading
from typing import Any, Optional

import pytest
import requests

from provider.core.auth import AkSkAuth, IamTokenAuth
from provider.core.config import ProviderSettings, load_settings
from provider.core.errors import ConfigurationError
from provider.core.placement import ClientPool, placement_problems, with_placement
from provider.core.plan import plan

MAIN, OTHER = "a" * 32, "b" * 32
AKSK = {"modelarts:region": "eu-de", "modelarts:projectId": MAIN, "modelarts:accessKey": "AK",
        "modelarts:secretKey": "SK-very-secret"}
PASSWORD = {"modelarts:region": "eu-de", "modelarts:username": "u", "modelarts:password": "pw-secret",
            "modelarts:domainName": "d"}


def settings(**config: str) -> ProviderSettings:
    values = {**AKSK, **config}
    return load_settings(lambda key: values.get(key), {})


def test_each_region_gets_its_documented_endpoints() -> None:
    placed = settings().placed(OTHER, "eu-nl")
    assert (placed.endpoint, placed.auth_url, placed.project_id) == (
        "https://modelarts.eu-nl.otc.t-systems.com", "https://iam.eu-nl.otc.t-systems.com/v3", OTHER)
    assert settings().placed(None, None) == settings()


def test_a_region_placeholder_or_one_fixed_endpoint() -> None:
    templated = settings(**{"modelarts:endpoint": "http://127.0.0.1:9/{region}"})
    assert templated.endpoint == "http://127.0.0.1:9/eu-de"
    assert templated.placed(OTHER, "eu-nl").endpoint == "http://127.0.0.1:9/eu-nl"
    fixed = settings(**{"modelarts:endpoint": "http://127.0.0.1:9"})
    assert fixed.placed(OTHER, "eu-nl").endpoint == "http://127.0.0.1:9"


def test_a_placeholder_needs_a_stack_region() -> None:
    values = {k: v for k, v in AKSK.items() if k != "modelarts:region"}
    values["modelarts:endpoint"] = "https://modelarts.{region}.example.com"
    with pytest.raises(ConfigurationError, match=r"holds \{region\}: set modelarts:region"):
        load_settings(lambda key: values.get(key), {})


def test_aksk_signs_for_the_notebooks_project() -> None:
    auth = settings().placed(OTHER, "eu-nl").make_auth()
    assert isinstance(auth, AkSkAuth)
    prepared = requests.Request("GET", "https://modelarts.eu-nl.otc.t-systems.com/v1/x/notebooks").prepare()
    assert auth(prepared).headers["X-Project-Id"] == OTHER


def test_a_password_login_is_scoped_to_the_notebooks_project() -> None:
    values = dict(PASSWORD)
    base = load_settings(lambda key: values.get(key), {})
    auth = base.placed(OTHER, "eu-nl").make_auth()
    assert isinstance(auth, IamTokenAuth)
    assert auth._request_body()["auth"]["scope"] == {"project": {"id": OTHER}}
    assert auth.auth_url == "https://iam.eu-nl.otc.t-systems.com/v3"
    assert base.make_auth()._request_body()["auth"]["scope"] == {"project": {"name": "eu-de"}}  # type: ignore[attr-defined]


@pytest.mark.parametrize("project_id, region, fields", [
    (OTHER, "eu-nl", []),
    (OTHER, None, []),
    (None, "eu-de", []),
    ("not-an-id", None, ["project_id"]),
    (OTHER, "mars-1", ["region"]),
    (OTHER, "EU DE", ["region"]),
    (None, "eu-nl", ["project_id"]),
])
def test_placement_is_checked_at_preview(project_id: Optional[str], region: Optional[str], fields: list[str]) -> None:
    problems = placement_problems(settings(), project_id, region)
    assert [field for field, _ in problems] == fields
    assert all(str(region) in reason for field, reason in problems if field == "region")


def test_a_move_to_another_project_or_region_replaces() -> None:
    base = settings()
    state = {"name": "nb", "status": "RUNNING", "running": True}
    for change in ({"project_id": OTHER}, {"region": "eu-nl"}):
        planned = plan(with_placement(base, state), with_placement(base, {**state, **change}))
        assert planned.replaces == tuple(change) and planned.steps == ()
    # Writing the stack's own project or region is no change.
    same = plan(with_placement(base, state), with_placement(base, {**state, "project_id": MAIN, "region": "eu-de"}))
    assert not same.changes


def test_one_client_per_place_shared_by_threads() -> None:
    made: list[ProviderSettings] = []

    def make(placed: ProviderSettings) -> Any:
        made.append(placed)
        return object()

    pool = ClientPool(settings(), make)
    clients: list[Any] = []
    threads = [threading.Thread(target=lambda: clients.append(pool.client(pool.place(OTHER, "eu-nl"))))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in clients}) == 1
    assert pool.client(pool.place(None, None)) is pool.client(pool.place(MAIN, "eu-de"))
    assert [(s.project_id, s.region) for s in made] == [(OTHER, "eu-nl"), (MAIN, "eu-de")]
