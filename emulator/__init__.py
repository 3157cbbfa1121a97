"""A local stand-in for the OTC ModelArts notebook (DevEnviron v1) and IAM APIs.

It implements the documented contract independently of any client, so tests
exercise a client against the service as documented rather than against the
client's own assumptions.
"""

from .app import create_app
from .context import Emulator
from .server import EmulatorServer, run_in_thread
from .settings import ManualClock, Settings

__all__ = ["Emulator", "EmulatorServer", "ManualClock", "Settings", "create_app", "run_in_thread"]
