"""A stateful stand-in for Meta's WhatsApp Cloud API (Graph) endpoints, in plain Python.

Answers with Meta's JSON shapes and error codes, remembers customers' 24-hour windows, and
calls the configured webhook URL back with signed ``messages`` webhooks. No Django here.
"""

from .app import Simulator, make_app
from .config import SimNumber, SimulatorConfig
from .server import RunningServer, serve

__all__ = ["RunningServer", "SimNumber", "Simulator", "SimulatorConfig", "make_app", "serve"]
