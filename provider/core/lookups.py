"""Find an image or a flavor by what people call it, instead of by id.

`find_image` and `find_flavor` take a `ModelArtsClient` and return the one
matching catalogue entry, or fail with a `LookupFailedError` that lists what
there is to choose from: the candidates when several match, the nearest names
when none does. They only read (GET) and never guess between candidates.

A program asks the same questions through `image_id(...)` and `flavor_id(...)`
(the program-side helpers beside the resource); the provider asks them at
preview (`catalogue.py`).

Image names are not identities: the list API's `name` filter
is fuzzy unless `name_fuzzy_match=false` is accepted, and several images may
share a name with different tags. Matching is therefore always exact and done
here, on every page of the list (until an empty page).
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional, Sequence, Union

from .errors import ApiError, ModelArtsError, NotFoundError
from .models import Flavor, ImageInfo

if TYPE_CHECKING:  # the client, and `requests` with it, is imported when one is made
    from .client import ModelArtsClient

__all__ = ["GpuWish", "LookupFailedError", "find_flavor", "find_image", "iter_images"]

IMAGE_PAGE_LIMIT = 200  # the documented default page size of GET /images
# What the image list API's `name` filter accepts (its query parameter rules).
_API_IMAGE_NAME = re.compile(r"^[a-z0-9._-]{1,512}$")
_SHOWN = 12  # candidates listed in one message


class LookupFailedError(ModelArtsError):
    """No catalogue entry, or more than one, matches what was asked for.

    `candidates` holds the entries (or names) the message lists, to choose from.
    """

    def __init__(self, message: str, candidates: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


# ---- images ----------------------------------------------------------------------


def iter_images(client: ModelArtsClient, *, limit: int = IMAGE_PAGE_LIMIT, **filters: Any) -> Iterator[ImageInfo]:
    """Every image the list API returns for `filters`, page after page."""
    return client.iter_images(limit=limit, **filters)


def _image_label(image: ImageInfo) -> str:
    details = ", ".join(
        part for part in (
            f"tag {image.tag}" if image.tag else "no tag",
            image.type,
            image.arch,
            "/".join(image.resource_categories or []) or None,
        ) if part
    )
    return f"{image.id} ({details})"


def _same_text(a: Optional[str], b: str) -> bool:
    return a is not None and a.lower() == b.lower()


def _has_category(image: ImageInfo, category: str) -> bool:
    categories = [*(image.resource_categories or []), *(image.support_res_categories or [])]
    return any(_same_text(c, category) for c in categories)


def find_image(
    client: ModelArtsClient,
    name: str,
    tag: Optional[str] = None,
    image_type: Optional[str] = None,
    *,
    resource_category: Optional[str] = None,
    arch: Optional[str] = None,
    workspace_id: Optional[str] = None,
    page_limit: int = IMAGE_PAGE_LIMIT,
) -> ImageInfo:
    """The one image named exactly `name` (and, when given, with this tag, type
    BUILD_IN|DEDICATED, resource category CPU|GPU and arch).

    Raises LookupFailedError listing the candidates (id, tag, type, arch,
    categories) when several match, or the nearest names when none does.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty image name, got {name!r}")
    base_filters: dict[str, Any] = {}
    if image_type is not None:
        base_filters["type"] = image_type.upper()
    if workspace_id is not None:
        base_filters["workspace_id"] = workspace_id

    named = _images_named(client, name, base_filters, page_limit)
    if not named:
        raise _unknown_image(client, name, base_filters, page_limit)

    wanted = {"tag": tag, "type": image_type, "resource category": resource_category, "arch": arch}
    matches = [
        image for image in named
        if (tag is None or image.tag == tag)
        and (image_type is None or _same_text(image.type, image_type))
        and (resource_category is None or _has_category(image, resource_category))
        and (arch is None or _same_text(image.arch, arch))
    ]
    criteria = ", ".join(f"{k} {v!r}" for k, v in wanted.items() if v is not None)
    if not matches:
        raise LookupFailedError(
            f"no image named {name!r} has {criteria}; images with that name: "
            + "; ".join(_image_label(i) for i in named[:_SHOWN]),
            named,
        )
    if len(matches) > 1:
        same_tag = len({i.tag for i in matches}) == 1
        hint = (
            "they share the tag, so choose by resource_category=, arch= or the image id"
            if same_tag else "pass tag= (or image_type=, resource_category=, arch=) to choose one"
        )
        where = f" with {criteria}" if criteria else ""
        raise LookupFailedError(
            f"{len(matches)} images are named {name!r}{where}: "
            + "; ".join(_image_label(i) for i in matches[:_SHOWN]) + f"; {hint}",
            matches,
        )
    return matches[0]


def _images_named(client: ModelArtsClient, name: str, filters: dict[str, Any], limit: int) -> list[ImageInfo]:
    """Images whose name is exactly `name`, asking the service to filter where it can."""
    if _API_IMAGE_NAME.match(name):
        try:
            found = iter_images(client, limit=limit, name=name, name_fuzzy_match=False, **filters)
            return [image for image in found if image.name == name]
        except ApiError as error:
            if error.http_status != 400 or isinstance(error, NotFoundError):
                raise
            # The filter was refused: list without it and match here.
    return [image for image in iter_images(client, limit=limit, **filters) if image.name == name]


def _unknown_image(client: ModelArtsClient, name: str, filters: dict[str, Any], limit: int) -> LookupFailedError:
    names = sorted({image.name for image in iter_images(client, limit=limit, **filters) if image.name})
    near = _near(name, names)
    kind = f" of type {filters['type']}" if "type" in filters else ""
    if near:
        return LookupFailedError(f"no image{kind} is named {name!r}; similar names: {', '.join(near)}", near)
    return LookupFailedError(
        f"no image{kind} is named {name!r} and none has a similar name ({len(names)} image names listed)", []
    )


def _near(wanted: str, names: Iterable[str]) -> list[str]:
    """Names close to `wanted`: containing it (or contained in it), then by similarity."""
    names = list(dict.fromkeys(names))
    lowered = wanted.lower()
    containing = [n for n in names if lowered in n.lower() or (len(n) > 3 and n.lower() in lowered)]
    similar = difflib.get_close_matches(wanted, names, n=_SHOWN, cutoff=0.6)
    return list(dict.fromkeys([*similar, *containing]))[:_SHOWN]


# ---- flavors ------------------------------------------------------------------------

GpuWish = Union[bool, int, str, None]


def _gpu_count(flavor: Flavor) -> int:
    return int(flavor.gpu.gpu or 0) if flavor.gpu is not None else 0


def _gpu_ok(flavor: Flavor, gpu: GpuWish) -> bool:
    if gpu is None:
        return True
    if isinstance(gpu, bool):
        return (_gpu_count(flavor) > 0) == gpu
    if isinstance(gpu, int):
        return _gpu_count(flavor) >= gpu
    gpu_type = (flavor.gpu.type or "") if flavor.gpu is not None else ""
    return _gpu_count(flavor) > 0 and gpu.lower() in gpu_type.lower()


def _flavor_label(flavor: Flavor) -> str:
    memory_gb = f"{flavor.memory / 1024 / 1024:g} GB" if flavor.memory else None
    gpu = None
    if _gpu_count(flavor):
        assert flavor.gpu is not None
        gpu = f"{flavor.gpu.gpu}x {flavor.gpu.type or 'GPU'}"
    details = ", ".join(
        part for part in (
            flavor.category,
            flavor.arch,
            f"{flavor.vcpus} vCPUs" if flavor.vcpus is not None else None,
            memory_gb,
            gpu,
            "sold out" if flavor.sold_out else None,
            f"feature {flavor.feature}" if flavor.feature and flavor.feature.upper() != "NOTEBOOK" else None,
        ) if part
    )
    return f"{flavor.id} ({details})"


def _size_key(flavor: Flavor) -> tuple[int, int, int]:
    return (flavor.vcpus or 0, flavor.memory or 0, _gpu_count(flavor))


def _check_flavor_wishes(category: Optional[str], min_vcpus: Optional[int], gpu: GpuWish) -> None:
    if category is not None and category.upper() not in ("CPU", "GPU"):
        raise ValueError(f"category must be CPU or GPU, got {category!r}")
    if min_vcpus is not None and (isinstance(min_vcpus, bool) or not isinstance(min_vcpus, int) or min_vcpus < 1):
        raise ValueError(f"min_vcpus must be a positive whole number, got {min_vcpus!r}")
    if gpu is not None and not isinstance(gpu, (bool, int, str)):
        raise ValueError(f"gpu must be True/False, a GPU count or a GPU type such as 'v100', got {gpu!r}")


def _flavors_named(flavors: list[Flavor], name: str) -> list[Flavor]:
    """The flavor whose id is `name`, else those whose display name is; none fails naming near ids."""
    named = [f for f in flavors if f.id == name] or [f for f in flavors if _same_text(f.name, name)]
    if not named:
        ids = [f.id for f in flavors if f.id]
        near = _near(name, ids) or ids
        raise LookupFailedError(f"no flavor is called {name!r}; flavors: {', '.join(near[:_SHOWN])}", near)
    return named


def find_flavor(
    client: ModelArtsClient,
    name: Optional[str] = None,
    category: Optional[str] = None,
    min_vcpus: Optional[int] = None,
    gpu: GpuWish = None,
    arch: Optional[str] = None,
    *,
    feature: Optional[str] = "NOTEBOOK",
    smallest: bool = False,
    allow_sold_out: bool = False,
) -> Flavor:
    """The one flavor of `GET /notebooks/flavors` matching every criterion given.

    Args:
        name: a flavor id (`modelarts.vm.cpu.2u`) or its display name, exactly.
        category: CPU or GPU.
        min_vcpus: at least this many vCPUs.
        gpu: True (has a GPU), False (has none), a count (at least that many GPUs)
            or a GPU type fragment such as 'v100'.
        arch: x86_64 or aarch64 (any case).
        feature: NOTEBOOK (default) leaves out the free CodeLab (DEFAULT) flavors;
            None keeps every flavor.
        smallest: when several match, take the one with the fewest vCPUs (then memory,
            then GPUs) instead of failing; a tie still fails.
        allow_sold_out: return a sold-out flavor when no available one matches
            (creating a notebook with it will fail until it is back).

    Flavors that are not sold out are preferred. Raises LookupFailedError naming
    the candidates when none or several match.
    """
    _check_flavor_wishes(category, min_vcpus, gpu)
    flavors = client.list_flavors(**({"category": category.upper()} if category else {}))
    wanted = {
        "name": name, "category": category, "min_vcpus": min_vcpus, "gpu": gpu, "arch": arch, "feature": feature,
    }
    criteria = ", ".join(f"{k}={v!r}" for k, v in wanted.items() if v is not None) or "no criteria"

    if name is not None:
        flavors = _flavors_named(flavors, name)

    matches = [
        f for f in flavors
        if (category is None or _same_text(f.category, category))
        and (min_vcpus is None or (f.vcpus or 0) >= min_vcpus)
        and _gpu_ok(f, gpu)
        and (arch is None or _same_text(f.arch, arch))
        and (feature is None or f.feature is None or _same_text(f.feature, feature))
    ]
    return _the_one_flavor(flavors, matches, criteria, smallest=smallest, allow_sold_out=allow_sold_out)


def _the_one_flavor(flavors: list[Flavor], matches: list[Flavor], criteria: str, *, smallest: bool,
                    allow_sold_out: bool) -> Flavor:
    """One of the matching flavors (available ones first, the smallest if asked), or an error naming them."""
    if not matches:
        raise LookupFailedError(
            f"no flavor matches {criteria}; flavors: " + "; ".join(_flavor_label(f) for f in flavors[:_SHOWN]),
            flavors,
        )
    available = [f for f in matches if not f.sold_out]
    if not available and not allow_sold_out:
        raise LookupFailedError(
            f"every flavor matching {criteria} is sold out: " + "; ".join(_flavor_label(f) for f in matches[:_SHOWN])
            + " (pass allow_sold_out=True to take one anyway)",
            matches,
        )
    matches = available or matches
    if len(matches) > 1 and smallest:
        least = min(_size_key(f) for f in matches)
        matches = [f for f in matches if _size_key(f) == least]
    if len(matches) > 1:
        raise LookupFailedError(
            f"{len(matches)} flavors match {criteria}: " + "; ".join(_flavor_label(f) for f in matches[:_SHOWN])
            + "; narrow it down (category=, arch=, gpu=, min_vcpus=, name=) or pass smallest=True",
            matches,
        )
    return matches[0]
