"""Image and flavor lookups against the emulator's catalogue, over loopback.

The seed catalogue has real name clashes: `mindspore1.7.0-ubuntu18.04-default`
twice with different tags, `pytorch_1_8` three times (tags
`pytorch_1.8.2-cuda_11.1-...`, `v2`, `train-pytorch_1.8.0-...`),
`notebook2.0-mul-kernel-cpu-cp36` twice with the same tag (one CPU, one GPU),
and `spark`, a name that is also a part of three other names.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from provider.core.auth import AkSkAuth
from provider.core.client import ModelArtsClient
from provider.core.errors import ApiError
from provider.lookups import (
    LookupFailedError,
    clear_cache,
    client_from_config,
    find_flavor,
    find_image,
    flavor_id,
    image_id,
)
from provider.core.models import Page, ImageInfo
from testkit.emulators import ACCESS_KEY, PROJECT_ID, SECRET_KEY, Emulator

CONDA = "27542a4a-3b37-404d-add9-a7d2d2ce6893"
SPARK = "df78b3f7-98a4-4616-aef0-71cfff4195c9"
MINDSPORE_DEFAULT = "mindspore1.7.0-ubuntu18.04-default"
MINDSPORE_CPU = ("9d63f4d1-dc09-4873-b669-3483cea777c0",
                 "mindspore_1.7.0-cpu-py_3.7-ubuntu_18.04-x86_64-20220625205423-5a13f29")
MINDSPORE_GPU = ("e1a07296-22a8-4f05-8bc8-e936c8e54203",
                 "mindspore_1.7.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64-20220625205423-5a13f29")
PYTORCH_1_8_V2 = "a5a43175-30a6-43d2-9596-38bee562f8c0"
NOTEBOOK2 = "notebook2.0-mul-kernel-cpu-cp36"
NOTEBOOK2_CPU = "e1a07296-22a8-4f05-8bc8-e936c8e54090"
NOTEBOOK2_GPU = "e1a07296-22a8-4f05-8bc8-e936c8e54092"


def make_client(emulator: Emulator) -> ModelArtsClient:
    return ModelArtsClient(emulator.url, PROJECT_ID, AkSkAuth(ACCESS_KEY, SecretStr(SECRET_KEY)))


def image_queries(emulator: Emulator) -> list[dict[str, Any]]:
    return [r["query"] for r in emulator.requests() if r["path"].endswith("/images")]


# ---- images ---------------------------------------------------------------------


def test_exact_name_asks_the_service_for_exact_matching(emulator: Emulator) -> None:
    image = find_image(make_client(emulator), "conda3-ubuntu18.04")
    assert image.id == CONDA and image.name == "conda3-ubuntu18.04"
    # The first page holds the image; only an empty page ends a listing.
    first, last = image_queries(emulator)
    assert first["name"] == "conda3-ubuntu18.04" and first["name_fuzzy_match"] == "false"
    assert last["offset"] == "1" and last["name"] == first["name"]
    assert emulator.mutating() == []


def test_a_name_that_is_part_of_other_names_matches_only_itself(emulator: Emulator) -> None:
    assert find_image(make_client(emulator), "spark").id == SPARK


class FuzzyOnlyClient(ModelArtsClient):
    """A service that ignores `name_fuzzy_match` (the documented default is fuzzy)."""

    def list_images(self, **filters: Any) -> Page[ImageInfo]:
        filters.pop("name_fuzzy_match", None)
        return super().list_images(**filters)


class NoExactFilterClient(ModelArtsClient):
    """A service that refuses `name_fuzzy_match` as a bad parameter."""

    def list_images(self, **filters: Any) -> Page[ImageInfo]:
        if "name_fuzzy_match" in filters:
            raise ApiError(400, "ModelArts.0104", "Parameter error", method="GET", path="/images")
        return super().list_images(**filters)


@pytest.mark.parametrize("client_class", [FuzzyOnlyClient, NoExactFilterClient])
def test_exact_match_is_done_on_the_client_when_the_filter_is_fuzzy_or_refused(
    emulator: Emulator, client_class: type
) -> None:
    client = client_class(emulator.url, PROJECT_ID, AkSkAuth(ACCESS_KEY, SecretStr(SECRET_KEY)))
    # Fuzzily, "spark" also matches spark2.4.5-ubuntu18.04 and two mlstudio-pyspark images.
    assert find_image(client, "spark").id == SPARK
    assert find_image(client, "pytorch_1_8", tag="v2").id == PYTORCH_1_8_V2


def test_the_same_name_with_different_tags_is_ambiguous_and_lists_id_and_tag(emulator: Emulator) -> None:
    with pytest.raises(LookupFailedError) as error:
        find_image(make_client(emulator), MINDSPORE_DEFAULT)
    message = str(error.value)
    assert f"2 images are named {MINDSPORE_DEFAULT!r}" in message
    for image_id_, tag in (MINDSPORE_CPU, MINDSPORE_GPU):
        assert image_id_ in message and f"tag {tag}" in message
    assert "pass tag=" in message
    assert {c.id for c in error.value.candidates} == {MINDSPORE_CPU[0], MINDSPORE_GPU[0]}


def test_a_tag_picks_one_of_several_images_with_the_same_name(emulator: Emulator) -> None:
    client = make_client(emulator)
    assert find_image(client, MINDSPORE_DEFAULT, tag=MINDSPORE_CPU[1]).id == MINDSPORE_CPU[0]
    assert find_image(client, MINDSPORE_DEFAULT, tag=MINDSPORE_GPU[1]).id == MINDSPORE_GPU[0]
    assert find_image(client, "pytorch_1_8", tag="v2", image_type="DEDICATED").id == PYTORCH_1_8_V2


def test_images_sharing_name_and_tag_need_another_criterion(emulator: Emulator) -> None:
    client = make_client(emulator)
    with pytest.raises(LookupFailedError, match="they share the tag") as error:
        find_image(client, NOTEBOOK2, tag="5.0.1-release-v2-20220505")
    assert NOTEBOOK2_CPU in str(error.value) and NOTEBOOK2_GPU in str(error.value)
    assert find_image(client, NOTEBOOK2, resource_category="CPU").id == NOTEBOOK2_CPU
    assert find_image(client, NOTEBOOK2, resource_category="gpu").id == NOTEBOOK2_GPU


def test_an_unknown_tag_lists_the_tags_there_are(emulator: Emulator) -> None:
    with pytest.raises(LookupFailedError) as error:
        find_image(make_client(emulator), "pytorch_1_8", tag="v3")
    message = str(error.value)
    assert "no image named 'pytorch_1_8' has tag 'v3'" in message
    assert "tag v2" in message and "tag train-pytorch_1.8.0-cuda_10.2-py_3.7" in message


@pytest.mark.parametrize(
    "wanted, near",
    [
        ("conda3-ubuntu18.4", "conda3-ubuntu18.04"),  # a typo
        ("pytorch1.8", "pytorch1.8-cuda10.2-cudnn7-ubuntu18.04"),  # only a prefix
        ("Conda3-Ubuntu18.04", "conda3-ubuntu18.04"),  # wrong case (names are lowercase)
    ],
)
def test_an_unknown_name_lists_near_names(emulator: Emulator, wanted: str, near: str) -> None:
    with pytest.raises(LookupFailedError) as error:
        find_image(make_client(emulator), wanted)
    assert f"no image is named {wanted!r}; similar names:" in str(error.value)
    assert near in error.value.candidates


def test_an_unknown_name_without_anything_close_says_so(emulator: Emulator) -> None:
    with pytest.raises(LookupFailedError, match="none has a similar name"):
        find_image(make_client(emulator), "zzzzqqqq")


def test_the_image_type_is_a_filter(emulator: Emulator) -> None:
    with pytest.raises(LookupFailedError, match="no image of type BUILD_IN is named 'pytorch_1_8'"):
        find_image(make_client(emulator), "pytorch_1_8", image_type="BUILD_IN")
    assert all(q.get("type") == "BUILD_IN" for q in image_queries(emulator))


def test_pagination_follows_offset_until_an_empty_page(emulator: Emulator) -> None:
    client = make_client(emulator)
    # Three images are named pytorch_1_8: a full page of 2, a short page of 1, then the empty
    # page that ends the listing (a service may cap pages below the limit, so short proves nothing).
    with pytest.raises(LookupFailedError, match="3 images are named 'pytorch_1_8'"):
        find_image(client, "pytorch_1_8", page_limit=2)
    assert [(q["offset"], q["limit"]) for q in image_queries(emulator)] == [("0", "2"), ("2", "2"), ("3", "2")]

    # An unknown name reads the whole catalogue to find near names, 5 at a time: 40 images
    # are eight full pages, and only the empty ninth page ends the listing.
    before = len(image_queries(emulator))
    with pytest.raises(LookupFailedError) as error:
        find_image(client, "mindspore1.7.0-py3.7-ubuntu18", page_limit=5)
    offsets = [int(q["offset"]) for q in image_queries(emulator)[before:] if "name" not in q]
    assert offsets == list(range(0, 45, 5))
    assert "mindspore1.7.0-py3.7-ubuntu18.04" in error.value.candidates


# ---- flavors ------------------------------------------------------------------------


def test_flavor_by_id_and_by_display_name(emulator: Emulator) -> None:
    client = make_client(emulator)
    assert find_flavor(client, "modelarts.vm.cpu.8u").id == "modelarts.vm.cpu.8u"
    assert find_flavor(client, "CPU: 2 vCPUs 8 GB").id == "modelarts.vm.cpu.2u"


def test_flavor_by_category_and_vcpus(emulator: Emulator) -> None:
    client = make_client(emulator)
    assert find_flavor(client, category="CPU", min_vcpus=4, arch="x86_64").id == "modelarts.vm.cpu.8u"
    queries = [r["query"] for r in emulator.requests() if r["path"].endswith("/notebooks/flavors")]
    assert queries == [{"category": "CPU"}]
    # Several fit: an error listing them, or the smallest when asked for.
    with pytest.raises(LookupFailedError) as error:
        find_flavor(client, category="CPU", min_vcpus=2)
    for flavor in ("modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u", "modelarts.bm.snt9.xlarge.2"):
        assert flavor in str(error.value)
    assert "modelarts.vm.cpu.free" not in str(error.value)  # CodeLab flavors are left out by default
    assert "smallest=True" in str(error.value)
    assert find_flavor(client, category="CPU", min_vcpus=2, smallest=True).id == "modelarts.vm.cpu.2u"
    assert find_flavor(client, category="CPU", feature=None, smallest=True).id == "modelarts.vm.cpu.free"


def test_flavor_by_gpu(emulator: Emulator) -> None:
    client = make_client(emulator)
    assert find_flavor(client, gpu="v100").id == "modelarts.vm.gpu.v100"
    assert find_flavor(client, category="GPU", gpu="p100").id == "modelarts.vm.gpu.p100"
    # The T4 is sold out: it is never the answer unless allowed, and then only if nothing else fits.
    with pytest.raises(LookupFailedError, match="every flavor matching gpu='t4', feature='NOTEBOOK' is sold out"):
        find_flavor(client, gpu="t4")
    assert find_flavor(client, gpu="t4", allow_sold_out=True).id == "modelarts.vm.gpu.t4"
    with pytest.raises(LookupFailedError) as error:
        find_flavor(client, gpu=True)
    assert "modelarts.vm.gpu.p100" in str(error.value) and "modelarts.vm.gpu.v100" in str(error.value)
    assert "modelarts.vm.gpu.t4" not in str(error.value)  # sold out: not a candidate
    assert find_flavor(client, gpu=False, min_vcpus=100).id == "modelarts.bm.snt9.xlarge.8"


def test_unknown_flavor_lists_candidates(emulator: Emulator) -> None:
    client = make_client(emulator)
    with pytest.raises(LookupFailedError) as error:
        find_flavor(client, "modelarts.vm.cpu.4u")
    assert "no flavor is called 'modelarts.vm.cpu.4u'" in str(error.value)
    assert "modelarts.vm.cpu.2u" in error.value.candidates
    with pytest.raises(LookupFailedError, match="no flavor matches category='GPU', min_vcpus=64") as error:
        find_flavor(client, category="GPU", min_vcpus=64)
    assert "modelarts.vm.gpu.v100 (GPU, x86_64, 8 vCPUs, 64 GB, 1x nvidia-v100)" in str(error.value)


def test_bad_flavor_criteria_are_argument_errors(emulator: Emulator) -> None:
    client = make_client(emulator)
    with pytest.raises(ValueError, match="category must be CPU or GPU"):
        find_flavor(client, category="TPU")
    with pytest.raises(ValueError, match="min_vcpus must be a positive whole number"):
        find_flavor(client, min_vcpus=0)
    assert emulator.requests() == []


# ---- program-side helpers --------------------------------------------------------------


def stack_config(emulator: Emulator, **extra: str) -> dict[str, str]:
    return {"modelarts:endpoint": emulator.url, "modelarts:region": "eu-de", "modelarts:projectId": PROJECT_ID,
            "modelarts:accessKey": ACCESS_KEY, "modelarts:secretKey": SECRET_KEY, **extra}


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    clear_cache()
    yield
    clear_cache()


def test_program_helpers_read_the_configuration_and_cache_answers(emulator: Emulator) -> None:
    config = stack_config(emulator)
    get = config.get
    assert image_id("conda3-ubuntu18.04", config_get=get, environ={}) == CONDA
    assert image_id("conda3-ubuntu18.04", config_get=get, environ={}) == CONDA
    assert flavor_id(category="GPU", gpu="v100", config_get=get, environ={}) == "modelarts.vm.gpu.v100"
    assert flavor_id(category="GPU", gpu="v100", config_get=get, environ={}) == "modelarts.vm.gpu.v100"
    paths = [r["path"].rsplit("/", 2)[-2:] for r in emulator.requests()]
    project_images = ["0123456789abcdef0123456789abcdef", "images"]
    assert paths == [project_images, project_images, ["notebooks", "flavors"]]
    assert client_from_config(get, {}) is client_from_config(get, {})


def test_program_helpers_fall_back_to_the_os_environment(emulator: Emulator) -> None:
    config = {"modelarts:endpoint": emulator.url}
    environ = {"OS_REGION_NAME": "eu-de", "OS_PROJECT_ID": PROJECT_ID,
               "OS_ACCESS_KEY": ACCESS_KEY, "OS_SECRET_KEY": SECRET_KEY}
    assert image_id("spark", config_get=config.get, environ=environ) == SPARK
    assert all(r["auth"] == "aksk" for r in emulator.requests())


def test_program_helpers_read_pulumi_stack_configuration(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # How the engine hands a program its stack configuration.
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(stack_config(emulator)))
    assert flavor_id("CPU: 8 vCPUs 32 GB") == "modelarts.vm.cpu.8u"
    assert image_id("pytorch_1_8", tag="v2") == PYTORCH_1_8_V2


def test_program_helpers_report_bad_configuration(emulator: Emulator) -> None:
    from provider.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="no credentials"):
        image_id("spark", config_get={"modelarts:endpoint": emulator.url}.get, environ={})


def test_program_helpers_pass_lookup_errors_through(emulator: Emulator) -> None:
    get = stack_config(emulator).get
    with pytest.raises(LookupFailedError, match="2 images are named"):
        image_id(MINDSPORE_DEFAULT, config_get=get, environ={})
