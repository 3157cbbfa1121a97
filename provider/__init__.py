"""Pulumi dynamic provider for Open Telekom Cloud ModelArts notebook instances."""

from .errors import (
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
