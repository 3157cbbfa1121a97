"""Where the core's messages to the user go.

The core never knows which front end called it: each front end hands it a
`Reporter` (the dynamic resource and the plugin forward to the engine's log);
without one, messages go to the standard `logging` module.
"""

from __future__ import annotations

import logging
from typing import Protocol


class Reporter(Protocol):
    def debug(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...


class LoggingReporter:
    """Messages to the `modelarts_notebooks` logger."""

    def __init__(self, logger: logging.Logger = logging.getLogger("modelarts_notebooks")) -> None:
        self._logger = logger

    def debug(self, message: str) -> None:
        self._logger.debug(message)

    def info(self, message: str) -> None:
        self._logger.info(message)

    def warn(self, message: str) -> None:
        self._logger.warning(message)


DEFAULT_REPORTER: Reporter = LoggingReporter()
