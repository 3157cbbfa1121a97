"""The notebook resource these components are built on, under the name it has here.

Installed from the wheel, this folder is `modelarts_notebooks.components`, inside
the product's package `modelarts_notebooks`; in a checkout it is the top-level
`components` beside `provider` (the same source, under its checkout name).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_INSTALLED = __name__.startswith("modelarts_notebooks.")
_PRODUCT = "modelarts_notebooks" if _INSTALLED else "provider"

if TYPE_CHECKING:
    from provider import Notebook, NotebookArgs
    from provider.core.fields import NAME_PATTERN, NAME_RULE
else:
    _package = import_module(_PRODUCT)
    _fields = import_module(f"{_PRODUCT}.core.fields")
    Notebook, NotebookArgs = _package.Notebook, _package.NotebookArgs
    NAME_PATTERN, NAME_RULE = _fields.NAME_PATTERN, _fields.NAME_RULE

__all__ = ["NAME_PATTERN", "NAME_RULE", "Notebook", "NotebookArgs"]
