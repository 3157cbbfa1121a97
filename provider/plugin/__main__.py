"""`python -m modelarts_notebooks.plugin <engine address>`: the `modelarts` provider plugin.

The engine starts it through the launcher `pulumi-resource-modelarts` (see
`tools/build-plugin.sh`), reads the port from the first line of its output and
ends it with SIGINT when the command is done.
"""

from __future__ import annotations

import sys

from .. import __version__
from .provider import NotebookPlugin
from .server import EngineLog, serve


def main(args: list[str]) -> None:
    serve(args, __version__, lambda engine: NotebookPlugin(__version__, EngineLog(engine)))


if __name__ == "__main__":
    main(sys.argv[1:])
