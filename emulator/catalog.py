"""Flavors and images: the seed catalogue shipped in `data/`, plus user images.

The seed data is copied from the documented examples (flavor and image
responses) so clients see the same shapes and IDs the docs show.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

Json = dict[str, Any]


def _load(name: str, key: str) -> list[Json]:
    text = resources.files("emulator").joinpath("data", name).read_text(encoding="utf-8")
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

    def add_image(self, image: Json) -> None:
        self.images[image["id"]] = image

    def remove_image(self, image_id: str) -> None:
        self.images.pop(image_id, None)

    def find_tag(self, namespace: str, name: str, tag: str) -> Json | None:
        for img in self.visible_images():
            if (img.get("namespace"), img.get("name"), img.get("tag")) == (namespace, name, tag):
                return img
        return None


def notebook_image_view(image: Json) -> Json:
    """The Image object a notebook embeds (the subset the examples show)."""
    keys = ("description", "id", "name", "swr_path", "tag", "type")
    return {k: image[k] for k in keys if k in image}
