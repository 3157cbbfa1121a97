"""Image and flavor ids by name, from inside a Pulumi program.

`image_id(...)` and `flavor_id(...)` answer before any resource is declared:
they build a client from the stack's `modelarts:*` configuration (falling back
to the OS_* environment, exactly as the provider does), match exactly with
`find_image` / `find_flavor`, and remember each answer for the rest of the
process.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Mapping, Optional

from .core.client import ModelArtsClient
from .core.config import NAMESPACE, ProviderSettings, load_settings
from .core.lookups import GpuWish, LookupFailedError, find_flavor, find_image, iter_images
from .core.placement import placement_problems

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
