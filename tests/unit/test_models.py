"""Every documented notebook example parses; requests enforce the documented constraints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from provider.models import (
    CreateNotebookRequest,
    DataVolume,
    EndpointRequest,
    FlavorPage,
    ImageInfo,
    Lease,
    LeaseRequest,
    Notebook,
    NotebookStatus,
    Page,
    UpdateNotebookRequest,
    VolumeRequest,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "examples"
NOTEBOOK_RESPONSES = [
    "create_notebook", "show_notebook", "start_notebook", "stop_notebook", "delete_notebook", "update_notebook",
    "usecase_create_notebook", "usecase_show_notebook", "usecase_start_notebook", "usecase_stop_notebook",
]


def load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


@pytest.mark.parametrize("name", NOTEBOOK_RESPONSES)
def test_notebook_examples_parse(name: str) -> None:
    notebook = Notebook.model_validate(load(f"{name}.response.json"))
    assert notebook.name
    if notebook.status is not None:
        assert notebook.status in {s.value for s in NotebookStatus}


@pytest.mark.parametrize("name", ["list_notebooks", "list_all_notebooks"])
def test_notebook_pages_parse(name: str) -> None:
    page = Page[Notebook].model_validate(load(f"{name}.response.json"))
    assert page.data and all(n.id for n in page.data)


@pytest.mark.parametrize("name", ["show_lease", "renew_lease", "usecase_renew_lease"])
def test_lease_examples_parse(name: str) -> None:
    lease = Lease.model_validate(load(f"{name}.response.json"))
    assert lease.duration and lease.expires_at_ms == lease.create_at + lease.duration


@pytest.mark.parametrize("name", ["list_flavors", "show_switchable_flavors"])
def test_flavor_examples_parse(name: str) -> None:
    assert FlavorPage.model_validate(load(f"{name}.response.json")).all_flavors()


@pytest.mark.parametrize("name", ["list_images", "usecase_list_images"])
def test_image_pages_parse(name: str) -> None:
    assert Page[ImageInfo].model_validate(load(f"{name}.response.json")).data


@pytest.mark.parametrize("name", ["attach_obs", "show_attached_obs", "detach_obs"])
def test_obs_examples_parse(name: str) -> None:
    assert DataVolume.model_validate(load(f"{name}.response.json")).status


def test_unknown_response_fields_are_kept() -> None:
    notebook = Notebook.model_validate({"id": "x", "status": "running", "brand_new_field": 1})
    assert notebook.status == "RUNNING" and notebook.model_extra == {"brand_new_field": 1}


@pytest.mark.parametrize("name", ["create_notebook", "usecase_create_notebook"])
def test_documented_create_requests_are_valid(name: str) -> None:
    request = CreateNotebookRequest.model_validate(load(f"{name}.request.json"))
    assert request.volume.category in ("EVS", "EFS")  # the examples' lowercase is accepted


def test_documented_update_and_lease_requests_are_valid() -> None:
    UpdateNotebookRequest.model_validate(load("update_notebook.request.json"))
    LeaseRequest.model_validate(load("renew_lease.request.json"))


@pytest.mark.parametrize(
    "volume, says",
    [
        ({"category": "EVS", "capacity": 4}, "5..4096"),
        ({"category": "EVS", "capacity": 4097}, "5..4096"),
        ({"category": "EVS", "capacity": "10"}, "valid integer"),
        ({"category": "NAS"}, "'EVS', 'EFS' or 'SFS'"),
        ({"category": "EVS", "ownership": "DEDICATED"}, "only allowed with category EFS"),
        ({"category": "EFS", "ownership": "DEDICATED"}, "uri and id"),
        ({"category": "EVS", "ownership": "SHARED"}, "'MANAGED' or 'DEDICATED'"),
    ],
)
def test_volume_constraints(volume: dict, says: str) -> None:
    with pytest.raises(ValidationError, match=says.replace("(", r"\(")):
        VolumeRequest.model_validate(volume)


@pytest.mark.parametrize("name", ["", "a" * 129, "has space", "ümlaut", "semi;colon"])
def test_bad_names_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError, match="A-Z a-z 0-9 _ -"):
        CreateNotebookRequest(name=name, flavor="f", image_id="i", volume=VolumeRequest(category="EVS"))


@pytest.mark.parametrize("description", ["a&b", "<x>", 'say "hi"', "it's", "a/b", "x" * 513])
def test_bad_descriptions_are_rejected(description: str) -> None:
    with pytest.raises(ValidationError):
        CreateNotebookRequest(name="ok", flavor="f", image_id="i", volume=VolumeRequest(category="EVS"),
                              description=description)


def test_requests_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        UpdateNotebookRequest.model_validate({"flavour": "x"})


def test_wire_form_uses_the_parameter_table_spelling() -> None:
    request = CreateNotebookRequest(name="nb", flavor="f", image_id="i",
                                    volume=VolumeRequest(category="evs", ownership="managed", capacity=5),
                                    lease=LeaseRequest(duration=3_600_000, type="TIMING"))
    wire = request.to_wire()
    assert wire["volume"] == {"category": "EVS", "ownership": "MANAGED", "capacity": 5}
    assert wire["lease"] == {"duration": 3_600_000, "type": "timing"}
    assert "description" not in wire


@pytest.mark.parametrize("ips", [["0.0.0.0/0"], ["10.0.0.0/7"], ["224.0.0.1"], ["80.158.1.10", "192.168.1.0/24"]])
def test_allowed_ips_must_be_public_addresses_or_blocks_of_them(ips: list[str]) -> None:
    with pytest.raises(ValidationError, match="is not a public address"):
        EndpointRequest(service="SSH", allowed_access_ips=ips)


def test_public_addresses_and_blocks_are_allowed() -> None:
    ips = ["80.158.1.10", "80.158.1.0/24", "2a00:1450::1"]
    assert EndpointRequest(service="SSH", allowed_access_ips=ips).allowed_access_ips == ips
