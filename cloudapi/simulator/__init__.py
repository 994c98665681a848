"""A stateful stand-in for Meta's WhatsApp Cloud API (Graph) endpoints, in plain Python.

Answers with Meta's JSON shapes and error codes; keeps messages, templates, media, flows, phone
numbers and profiles; moves templates through review; calls the configured webhook URL back
with signed webhooks; injects faults on request. No Django here. See docs/simulator.md.
"""

from .app import Simulator, make_app
from .config import SimNumber, SimulatorConfig
from .faults import FaultSettings
from .server import RunningServer, serve

__all__ = ["FaultSettings", "RunningServer", "SimNumber", "Simulator", "SimulatorConfig", "make_app", "serve"]
