"""Every documented example round-trips through the wire models, field by field.

Responses: each example parses to typed values equal to the example's, and the
fields the model does not declare are exactly the ones listed here (all of them
undocumented), so a model that stops reading a field fails. Requests: each
example validates with its request model and is sent back as documented, up to
the listed normalisations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel, SecretStr

from provider.core.auth import IamTokenAuth
from provider.core.models import (
    CreateNotebookRequest,
    DataVolume,
    FlavorPage,
    ImageInfo,
    Lease,
    LeaseRequest,
    MountRequest,
    NotebookInfo,
    Page,
    UpdateNotebookRequest,
)
from tests.unit.roundtrip import compare_model, json_differences

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "examples"

# The use case's notebooks carry fields no parameter table documents.
USECASE_NOTEBOOK_EXTRAS = frozenset({"data_volumes", "tags", "user_id", "volume.read_only"})


class Example(NamedTuple):
    fixture: str  # file stem under tests/fixtures/examples
    page: str  # the API reference page (or the use case) the example comes from
    model: Any
    undeclared: frozenset[str] = frozenset()


RESPONSES = [
    Example("create_notebook", "creating_a_notebook_instance", NotebookInfo),
    Example("list_notebooks", "querying_notebook_instances", Page[NotebookInfo]),
    Example("list_all_notebooks", "querying_all_notebook_instances", Page[NotebookInfo]),
    Example("show_notebook", "querying_details_of_a_notebook_instance", NotebookInfo),
    Example("update_notebook", "updating_a_notebook_instance", NotebookInfo),
    Example("delete_notebook", "deleting_a_notebook_instance", NotebookInfo),
    Example("start_notebook", "starting_a_notebook_instance", NotebookInfo),
    Example("stop_notebook", "stopping_a_notebook_instance", NotebookInfo),
    Example("show_lease", "querying_the_available_duration_of_a_running_notebook_instance", Lease),
    Example("renew_lease", "prolonging_a_notebook_instance", Lease),
    Example("list_flavors", "querying_the_list_of_valid_specifications_supported_by_notebook_instances", FlavorPage),
    Example("show_switchable_flavors",
            "querying_the_list_of_switchable_specifications_supported_by_notebook_instances", FlavorPage),
    Example("list_attached_obs", "obtaining_the_notebook_instances_with_obs_storage_mounted", Page[DataVolume]),
    Example("attach_obs", "obs_storage_mounting", DataVolume),
    Example("show_attached_obs", "obtaining_details_about_a_notebook_instance_with_obs_storage_mounted", DataVolume),
    Example("detach_obs", "unmounting_obs_storage_from_a_notebook_instance", DataVolume),
    Example("list_images", "querying_supported_images", Page[ImageInfo]),
    Example("show_image", "obtaining_details_of_an_image", ImageInfo),
    Example("create_image", "saving_a_running_instance_as_a_container_image", ImageInfo),
    Example("register_image", "registering_a_custom_image", ImageInfo),
    Example("delete_image", "deleting_an_image", ImageInfo),
    Example("usecase_create_notebook", "use case", NotebookInfo, frozenset({"tags", "user_id"})),
    Example("usecase_show_notebook", "use case", NotebookInfo, USECASE_NOTEBOOK_EXTRAS),
    Example("usecase_start_notebook", "use case", NotebookInfo, USECASE_NOTEBOOK_EXTRAS),
    Example("usecase_stop_notebook", "use case", NotebookInfo, USECASE_NOTEBOOK_EXTRAS),
    Example("usecase_renew_lease", "use case", Lease),
    Example("usecase_list_images", "use case", Page[ImageInfo], frozenset({"data[].tags"})),
]

# Request examples and how the sent body may differ from them: the examples'
# lowercase enums go out in the parameter table's spelling.
REQUESTS = [
    Example("create_notebook", "creating_a_notebook_instance", CreateNotebookRequest,
            frozenset({"volume.category", "volume.ownership"})),
    Example("update_notebook", "updating_a_notebook_instance", UpdateNotebookRequest),
    Example("renew_lease", "prolonging_a_notebook_instance", LeaseRequest),
    Example("attach_obs", "obs_storage_mounting", MountRequest),
    Example("usecase_create_notebook", "use case", CreateNotebookRequest,
            frozenset({"volume.category", "volume.ownership"})),
    Example("usecase_renew_lease", "use case", LeaseRequest),
]

# Documented examples no wire model stands for, and why.
NOT_MODELLED = {
    "start_notebook.request": "start has no body parameters; its options are query parameters",
    "create_image.request": "the provider never saves a notebook as an image",
    "register_image.request": "the provider never registers images",
    "iam_list_projects.response": "the provider reads the project id from the token, not the project list",
    "iam_get_token.request": "built by IamTokenAuth, compared in its own test below",
    "list_image_groups.response": "the provider lists images, never image groups",
    "error.response": "error bodies become exception classes in the client (tests/client)",
}


def load(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def test_every_example_file_is_checked() -> None:
    checked = {f"{e.fixture}.response" for e in RESPONSES} | {f"{e.fixture}.request" for e in REQUESTS}
    on_disk = {path.name.removesuffix(".json") for path in EXAMPLES.glob("*.json")}
    assert on_disk - checked - NOT_MODELLED.keys() == set()
    assert (checked | NOT_MODELLED.keys()) - on_disk == set()


@pytest.mark.parametrize("example", RESPONSES, ids=lambda e: e.fixture)
def test_documented_response_parses_to_the_example_values(example: Example) -> None:
    document = load(f"{example.fixture}.response")
    parsed = example.model.model_validate(document)
    found = compare_model(parsed, document)
    assert found.mismatches == [], f"{example.page}: {found.mismatches}"
    assert found.undeclared == example.undeclared, f"{example.page}: fields the model does not declare"


@pytest.mark.parametrize("example", REQUESTS, ids=lambda e: e.fixture)
def test_documented_request_validates_and_is_sent_as_documented(example: Example) -> None:
    document = load(f"{example.fixture}.request")
    request = example.model.model_validate(document)
    assert json_differences(request.to_wire(), document) == example.undeclared, example.page


def test_token_request_is_the_documented_body() -> None:
    auth = IamTokenAuth("https://iam.example/v3", "user_name", SecretStr("user_password"), "domain_name",
                        project_name="project_name")
    assert json_differences(auth._request_body(), load("iam_get_token.request")) == set()


@pytest.mark.parametrize(
    "parsed, example, says",
    [
        (Lease(duration=5), {"duration": "5"}, "duration: parsed 5"),
        (Lease(enable=True), {"enable": 1}, "enable: parsed True"),
        (Lease(duration=5), {}, "duration: absent from the example"),
        (Page[Lease](data=[Lease(), Lease()]), {"data": [{}]}, "data: 2 items parsed"),
    ],
)
def test_the_comparer_sees_a_value_that_differs(parsed: BaseModel, example: dict, says: str) -> None:
    assert any(says in mismatch for mismatch in compare_model(parsed, example).mismatches)


def test_the_comparer_names_nested_undeclared_fields() -> None:
    document = {"data": [{"volume": {"read_only": False}}]}
    found = compare_model(Page[NotebookInfo].model_validate(document), document)
    assert found.undeclared == {"data[].volume.read_only"}
