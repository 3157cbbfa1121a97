"""Read-only checks of the flavor and image a notebook declares, at preview.

Every lookup is made in the notebook's own project and region, and cached for
the provider process: a stack of 30 notebooks that share a flavor asks the
service once per project.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Optional

from .errors import ImageNotFound, ModelArtsError
from .fields import UNKNOWN
from .inputs import NotebookInputs, Problem
from .lookups import find_image
from .models import Flavor, ImageInfo
from .placement import Placement

if TYPE_CHECKING:  # the client, and `requests` with it, is imported when one is made
    from .client import ModelArtsClient


class Catalogue:
    """Flavors and images of each project, looked up once per provider process."""

    def __init__(self, client: Callable[[Placement], ModelArtsClient]) -> None:
        self._client = client
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _cached(self, where: Placement, key: str, load: Callable[[], Any]) -> Any:
        key = f"{where.key}:{key}"
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = load()
        with self._lock:
            self._cache[key] = value
        return value

    def resolve_image(
        self, where: Placement, name: str, tag: Optional[str]
    ) -> tuple[Optional[str], Optional[Problem]]:
        """`image_name` (and `image_tag`) to an image id; ambiguity lists the candidates."""
        try:
            image = self._cached(where, f"image-name:{name}:{tag}",
                                 lambda: find_image(self._client(where), name, tag=tag))
        except ModelArtsError as error:
            return None, Problem("image_name", str(error))
        return str(image.id), None

    def check(self, where: Placement, inputs: NotebookInputs) -> list[Problem]:
        """The flavor and image must exist, and the image must run on the flavor's category."""
        try:
            flavor = self._flavor(where, inputs) if inputs.flavor != UNKNOWN else None
            failures = [] if flavor is not None or inputs.flavor == UNKNOWN else [
                self._unknown_flavor(where, inputs.flavor)]
            image = self._image(where, inputs)
        except ModelArtsError as error:
            return [Problem("", f"could not check flavor and image against the service: {error}")]
        if image is None and inputs.image_id not in (None, UNKNOWN):
            failures.append(Problem(
                "image_id", f"no image with id {inputs.image_id!r} (list them with GET /v1/{{project_id}}/images)"
            ))
        if flavor is not None and image is not None:
            failures.extend(_category_mismatch(flavor, image))
        return failures

    def _flavors(self, where: Placement) -> dict[str, Flavor]:
        return self._cached(where, "flavors", lambda: {f.id: f for f in self._client(where).list_flavors() if f.id})

    def _flavor(self, where: Placement, inputs: NotebookInputs) -> Optional[Flavor]:
        flavors = self._flavors(where)
        if not flavors:
            return Flavor(id=inputs.flavor)  # an empty catalogue judges nothing
        return flavors.get(inputs.flavor)

    def _unknown_flavor(self, where: Placement, flavor: str) -> Problem:
        available = ", ".join(sorted(self._flavors(where)))
        return Problem("flavor", f"unknown flavor {flavor!r}; available: {available}")

    def _image(self, where: Placement, inputs: NotebookInputs) -> Optional[ImageInfo]:
        if inputs.image_id is None or inputs.image_id == UNKNOWN:
            return None
        image_id = str(inputs.image_id)
        try:
            return self._cached(where, f"image:{image_id}", lambda: self._client(where).get_image(image_id))
        except ImageNotFound:
            return None


def _category_mismatch(flavor: Flavor, image: ImageInfo) -> list[Problem]:
    """The service refuses an image whose resource categories lack the flavor's category."""
    categories = [c.upper() for c in (image.resource_categories or [])]
    if not flavor.category or not categories or flavor.category.upper() in categories:
        return []
    return [Problem(
        "image_id",
        f"image {image.name or image.id!r} runs on {', '.join(categories)} flavors, and flavor {flavor.id!r} is "
        f"{flavor.category.upper()}; choose an image for {flavor.category.upper()} or another flavor",
    )]
