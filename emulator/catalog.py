"""Flavors and images: the seed catalogue shipped in `data/`, plus user images.

The seed data is copied from the documented examples (flavor and image
responses) so clients see the same shapes and IDs the docs show.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .errors import ApiError

Json = dict[str, Any]


def _load(name: str, key: str) -> list[Json]:
    text = resources.files(__package__ or "emulator").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return list(json.loads(text)[key])


class Catalog:
    """Seed flavors are read-only; images may be registered, saved or deleted.

    Callers hold the emulator lock.
    """

    def __init__(self) -> None:
        self._seed_flavors = _load("flavors.json", "flavors")
        self._seed_images = _load("images.json", "images")
        self.flavors: list[Json] = []
        self.images: dict[str, Json] = {}
        self.reset()

    def reset(self) -> None:
        self.flavors = copy.deepcopy(self._seed_flavors)
        self.images = {img["id"]: copy.deepcopy(img) for img in self._seed_images}

    # flavors -----------------------------------------------------------------

    def flavor(self, flavor_id: str) -> Json | None:
        for flavor in self.flavors:
            if flavor["id"] == flavor_id:
                return flavor
        return None

    def switchable_flavors(self, current_id: str) -> list[Json]:
        """Flavors an instance may move to.

        The docs give no rule; the chosen reading is: same processor category,
        same architecture and same feature as the current flavor, not sold
        out, and not the current flavor itself.
        """
        current = self.flavor(current_id)
        if current is None:
            return []
        return [
            f
            for f in self.flavors
            if f["id"] != current_id
            and f["category"] == current["category"]
            and f["arch"] == current["arch"]
            and f["feature"] == current["feature"]
            and not f.get("sold_out", False)
        ]

    # images ------------------------------------------------------------------

    def image(self, image_id: str) -> Json | None:
        image = self.images.get(image_id)
        if image is None or image.get("status") == "DELETED":
            return None
        return image

    def visible_images(self) -> list[Json]:
        return [img for img in self.images.values() if img.get("status") != "DELETED"]

    def add_image(self, spec: "NewImage", now_ms: int) -> Json:
        """Add a registered or saved image; a tag its name already has is 6737."""
        if self.find_tag(spec.namespace, spec.name, spec.tag) is not None:
            raise ApiError("ModelArts.6737", spec.tag, spec.name)
        image = spec.record(now_ms)
        self.images[image["id"]] = image
        return image

    def remove_image(self, image_id: str) -> None:
        self.images.pop(image_id, None)

    def find_tag(self, namespace: str, name: str, tag: str) -> Json | None:
        for img in self.visible_images():
            if (img.get("namespace"), img.get("name"), img.get("tag")) == (namespace, name, tag):
                return img
        return None


@dataclass(frozen=True)
class NewImage:
    """What a user image (registered, or saved from a notebook) is made of;
    `record` adds what the service fills in (id, times, type)."""

    name: str
    namespace: str
    tag: str
    swr_path: str
    arch: str
    origin: str
    resource_categories: list[str]
    dev_services: list[str] = field(default_factory=lambda: ["NOTEBOOK", "SSH"])
    description: str = ""
    service_type: str = "UNKNOWN"
    status: str = "ACTIVE"
    visibility: str = "PRIVATE"
    workspace_id: str = "0"
    size: int | None = None

    def record(self, now_ms: int) -> Json:
        image: Json = {
            "arch": self.arch,
            "create_at": now_ms,
            "description": self.description,
            "dev_services": list(self.dev_services),
            "id": str(uuid.uuid4()),
            "name": self.name,
            "namespace": self.namespace,
            "origin": self.origin,
            "resource_categories": list(self.resource_categories),
            "service_type": self.service_type,
            "size": self.size,
            "status": self.status,
            "swr_path": self.swr_path,
            "tag": self.tag,
            "type": "DEDICATED",
            "update_at": now_ms,
            "visibility": self.visibility,
            "workspace_id": self.workspace_id,
        }
        if self.size is None:
            del image["size"]
        return image


def notebook_image_view(image: Json) -> Json:
    """The Image object a notebook embeds (the subset the examples show)."""
    keys = ("description", "id", "name", "swr_path", "tag", "type")
    return {k: image[k] for k in keys if k in image}
