"""Pulumi dynamic provider for Open Telekom Cloud ModelArts notebook instances."""

# The one place the release number is written: the package metadata reads it.
__version__ = "0.1.0"

from .core import trace as _trace

_IMPORT_STARTED = _trace.now()

from .core.errors import (  # noqa: E402
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ModelArtsError,
    NotebookFailedError,
    NotFoundError,
    TransportError,
    WaitTimeoutError,
)
from .notebook import Notebook, NotebookArgs, NotebookProvider  # noqa: E402

_trace.since("import", _IMPORT_STARTED, module="provider")

__all__ = [
    "__version__",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "ModelArtsError",
    "Notebook",
    "NotebookArgs",
    "NotebookFailedError",
    "NotebookProvider",
    "NotFoundError",
    "TransportError",
    "WaitTimeoutError",
]
