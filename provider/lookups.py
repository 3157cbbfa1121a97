"""Find an image or a flavor by what people call it, instead of by id.

`find_image` and `find_flavor` take a `ModelArtsClient` and return the one
matching catalogue entry, or fail with a `LookupFailedError` that lists what
there is to choose from: the candidates when several match, the nearest names
when none does. They only read (GET) and never guess between candidates.

`image_id(...)` and `flavor_id(...)` do the same from inside a Pulumi program,
before any resource is declared: they build a client from the stack's
`modelarts:*` configuration (falling back to the OS_* environment, exactly as
the provider does) and remember each answer for the rest of the process.

Image names are not identities: the list API's `name` filter
is fuzzy unless `name_fuzzy_match=false` is accepted, and several images may
share a name with different tags. Matching is therefore always exact and done
here, on every page of the list (until an empty page).
"""

from __future__ import annotations

import difflib
import os
import re
import threading
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

from .client import ModelArtsClient
from .config import NAMESPACE, ProviderSettings, load_settings
from .errors import ApiError, ModelArtsError, NotFoundError
from .models import Flavor, ImageInfo
from .placement import placement_problems

__all__ = [
    "LookupFailedError",
    "client_from_config",
    "clear_cache",
    "find_flavor",
    "find_image",
    "flavor_id",
    "image_id",
    "iter_images",
]

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


# ---- inside a Pulumi program ----------------------------------------------------------

_lock = threading.RLock()
_clients: dict[tuple[Any, ...], ModelArtsClient] = {}
_answers: dict[tuple[Any, ...], str] = {}


def _settings_key(settings: ProviderSettings) -> tuple[Any, ...]:
    return (
        settings.endpoint, settings.project_id, settings.project_name, settings.auth_url,
        settings.access_key, settings.username, settings.domain_name,
    )


def _stack_config_get() -> Callable[[str], Optional[str]]:
    import pulumi  # only needed inside a program

    config = pulumi.Config(NAMESPACE)
    prefix = f"{NAMESPACE}:"
    return lambda key: config.get(key[len(prefix):] if key.startswith(prefix) else key)


def _resolve_settings(
    config_get: Optional[Callable[[str], Optional[str]]], environ: Optional[Mapping[str, str]],
    project_id: Optional[str] = None, region: Optional[str] = None,
) -> ProviderSettings:
    """The stack's settings, aimed at a notebook's own project and region when given."""
    settings = load_settings(config_get or _stack_config_get(), os.environ if environ is None else environ)
    problems = placement_problems(settings, project_id, region)
    if problems:
        raise LookupFailedError("; ".join(f"{key} {reason}" for key, reason in problems), [])
    return settings.placed(project_id, region)


def _client_for(settings: ProviderSettings) -> ModelArtsClient:
    key = _settings_key(settings)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = settings.make_client()
            _clients[key] = client
        return client


def client_from_config(
    config_get: Optional[Callable[[str], Optional[str]]] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> ModelArtsClient:
    """A client for the stack's `modelarts:*` configuration (OS_* environment as fallback).

    `config_get` takes full keys (`modelarts:region`); by default it reads the
    running program's stack configuration. One client per configuration and process.
    """
    return _client_for(_resolve_settings(config_get, environ))


def _remembered(kind: str, settings: ProviderSettings, query: tuple[Any, ...], compute: Callable[[], str]) -> str:
    key = (kind, _settings_key(settings), query)
    with _lock:
        if key not in _answers:
            _answers[key] = compute()
        return _answers[key]


def image_id(
    name: str,
    tag: Optional[str] = None,
    image_type: Optional[str] = None,
    *,
    resource_category: Optional[str] = None,
    arch: Optional[str] = None,
    workspace_id: Optional[str] = None,
    config_get: Optional[Callable[[str], Optional[str]]] = None,
    environ: Optional[Mapping[str, str]] = None,
    project_id: Optional[str] = None,
    region: Optional[str] = None,
) -> str:
    """The id of the one image matching (see `find_image`), for `Notebook(image_id=...)`.

    Reads the stack configuration (`project_id`, `region`: the notebook's own, default the
    stack's); the answer is cached for the process.
    """
    settings = _resolve_settings(config_get, environ, project_id, region)
    query = (name, tag, image_type, resource_category, arch, workspace_id)

    def compute() -> str:
        client = _client_for(settings)
        image = find_image(
            client, name, tag, image_type, resource_category=resource_category, arch=arch, workspace_id=workspace_id
        )
        return str(image.id)

    return _remembered("image", settings, query, compute)


def flavor_id(
    name: Optional[str] = None,
    category: Optional[str] = None,
    min_vcpus: Optional[int] = None,
    gpu: GpuWish = None,
    arch: Optional[str] = None,
    *,
    feature: Optional[str] = "NOTEBOOK",
    smallest: bool = False,
    allow_sold_out: bool = False,
    config_get: Optional[Callable[[str], Optional[str]]] = None,
    environ: Optional[Mapping[str, str]] = None,
    project_id: Optional[str] = None,
    region: Optional[str] = None,
) -> str:
    """The id of the one flavor matching (see `find_flavor`), for `Notebook(flavor=...)`.

    Reads the stack configuration (`project_id`, `region`: the notebook's own, default the
    stack's); the answer is cached for the process.
    """
    settings = _resolve_settings(config_get, environ, project_id, region)
    query = (name, category, min_vcpus, gpu, arch, feature, smallest, allow_sold_out)

    def compute() -> str:
        client = _client_for(settings)
        flavor = find_flavor(
            client, name, category, min_vcpus, gpu, arch,
            feature=feature, smallest=smallest, allow_sold_out=allow_sold_out,
        )
        return str(flavor.id)

    return _remembered("flavor", settings, query, compute)


def clear_cache() -> None:
    """Forget cached answers and clients (tests, or a long-lived process after a catalogue change)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
        _answers.clear()
