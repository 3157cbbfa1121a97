"""Pulumi dynamic provider for Open Telekom Cloud ModelArts notebook instances."""

# The one place the release number is written: the package metadata reads it.
__version__ = "0.1.0"

from .core.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ModelArtsError,
    NotebookFailedError,
    NotFoundError,
    TransportError,
    WaitTimeoutError,
)
from .notebook import Notebook, NotebookArgs, NotebookProvider

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
