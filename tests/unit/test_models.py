"""Requests enforce the documented constraints; responses keep what they do not declare.

The documented examples are checked field by field in test_model_examples.py.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from provider.core.models import (
    CreateNotebookRequest,
    EndpointRequest,
    FlavorPage,
    Lease,
    LeaseRequest,
    NotebookInfo,
    UpdateNotebookRequest,
    VolumeRequest,
)


def test_unknown_response_fields_are_kept() -> None:
    notebook = NotebookInfo.model_validate({"id": "x", "status": "running", "brand_new_field": 1})
    assert notebook.status == "RUNNING" and notebook.model_extra == {"brand_new_field": 1}


def test_lease_expiry_is_create_at_plus_duration() -> None:
    assert Lease(create_at=1_000, duration=500).expires_at_ms == 1_500
    assert Lease(duration=500).expires_at_ms is None


def test_switchable_flavors_fall_back_to_the_flavors_list() -> None:
    page = FlavorPage.model_validate({"flavors": [{"id": "modelarts.vm.cpu.2u"}]})
    assert [flavor.id for flavor in page.all_flavors()] == ["modelarts.vm.cpu.2u"]


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
    # Spellings outside the declared literals, which the validators normalise.
    request = CreateNotebookRequest(name="nb", flavor="f", image_id="i",
                                    volume=VolumeRequest(category="evs", ownership="managed", capacity=5),  # type: ignore[arg-type]
                                    lease=LeaseRequest(duration=3_600_000, type="TIMING"))  # type: ignore[arg-type]
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
