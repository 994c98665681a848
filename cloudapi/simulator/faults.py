"""Fault injection: which Graph answers get delayed, replaced by an error, held or dropped.

Settings come from ``SimulatorConfig.faults``, from ``POST /_sim/faults`` at runtime, or per
request from the ``X-Sim-Fault`` header, whose value uses the same ``key=value; …`` grammar
as ``--faults`` on the command line, plus shorthands for a forced fault:

    X-Sim-Fault: lost                       the send is accepted, the answer never arrives
    X-Sim-Fault: 131016                     answer 503 with the 131016 envelope
    X-Sim-Fault: timeout; hold_seconds=0.5  hold 0.5 s, then close without answering
    X-Sim-Fault: error_rate=0.2; seed=7     a seeded 20 % of answers are errors

Draws come from one ``random.Random(seed)``, so a run with the same seed and the same request
order injects the same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping

FAULT_HEADER = "X-Sim-Fault"
# "500" is a bare HTTP 500 with an HTML body; the others are Meta's JSON envelopes.
ERROR_KINDS = ("500", "131000", "131016")
LOST_MODES = ("reset", "timeout")
# Shorthands accepted in the header and on the command line for "always this fault".
_SHORTHANDS: dict[str, dict[str, Any]] = {
    "none": {"latency_ms": 0.0, "answer_latency_ms": 0.0, "error_rate": 0.0, "timeout_rate": 0.0,
             "reset_rate": 0.0, "lost_rate": 0.0},
    "timeout": {"timeout_rate": 1.0},
    "reset": {"reset_rate": 1.0},
    "lost": {"lost_rate": 1.0},
    "lost-timeout": {"lost_rate": 1.0, "lost_mode": "timeout"},
    **{kind: {"error_rate": 1.0, "error_kinds": (kind,)} for kind in ERROR_KINDS},
}


@dataclass
class FaultSettings:
    """How often each fault happens (shares of Graph requests, 0–1, summing to at most 1).

    ``latency_ms`` delays every request before it is processed, ``answer_latency_ms`` every
    answer after (the webhooks of what it did may arrive first, as they can from Meta).
    ``error_rate`` answers with one of ``error_kinds`` without processing the request.
    ``timeout_rate`` holds the request ``hold_seconds`` and then closes the connection without
    processing it; ``reset_rate`` closes it at once.
    ``lost_rate`` processes the request (a send is accepted and its status webhooks queued)
    and then drops the answer: at once (``lost_mode="reset"``) or after ``hold_seconds``
    (``"timeout"``). Make ``hold_seconds`` longer than the client's read timeout.
    """

    latency_ms: float = 0.0
    answer_latency_ms: float = 0.0
    error_rate: float = 0.0
    error_kinds: tuple[str, ...] = ERROR_KINDS
    timeout_rate: float = 0.0
    reset_rate: float = 0.0
    lost_rate: float = 0.0
    lost_mode: str = "reset"
    hold_seconds: float = 30.0
    seed: int | None = None

    def validate(self) -> None:
        """Raise ``ValueError`` for settings that cannot be applied."""
        rates = (self.error_rate, self.timeout_rate, self.reset_rate, self.lost_rate)
        if any(not 0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError("fault rates must be between 0 and 1")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError("fault rates must add up to at most 1")
        if not self.error_kinds or any(kind not in ERROR_KINDS for kind in self.error_kinds):
            raise ValueError(f"error_kinds must be some of {', '.join(ERROR_KINDS)}")
        if self.lost_mode not in LOST_MODES:
            raise ValueError(f"lost_mode must be one of {', '.join(LOST_MODES)}")
        if min(self.latency_ms, self.answer_latency_ms, self.hold_seconds) < 0:
            raise ValueError("latency_ms, answer_latency_ms and hold_seconds must not be negative")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings."""
        values = asdict(self)
        values["error_kinds"] = list(self.error_kinds)
        return values

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], base: FaultSettings | None = None) -> FaultSettings:
        """Settings from JSON or parsed text (strings are converted); unknown keys raise ``ValueError``."""
        known = {f.name: f for f in fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown fault setting {key!r}; expected one of {', '.join(known)}")
            changes[key] = _convert(key, value)
        settings = replace(base or cls(), **changes)
        settings.validate()
        return settings


def parse_spec(text: str, base: FaultSettings | None = None) -> FaultSettings:
    """Settings from ``"lost"``, ``"error_rate=0.2; seed=7"`` and the like, applied over ``base``."""
    values: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            if key not in _SHORTHANDS:
                raise ValueError(f"unknown fault {key!r}; expected key=value or one of {', '.join(_SHORTHANDS)}")
            values.update(_SHORTHANDS[key])
            continue
        values[key] = value.strip()
    return FaultSettings.from_mapping(values, base or FaultSettings())


def _convert(key: str, value: Any) -> Any:
    try:
        if key == "error_kinds":
            kinds = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(kind).strip() for kind in kinds if str(kind).strip())
        if key == "lost_mode":
            return str(value)
        if key == "seed":
            return None if value in (None, "", "none") else int(value)
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"invalid value for {key}: {value!r}") from None


@dataclass(frozen=True)
class Fault:
    """What to do to one request: ``kind`` is none, error, timeout, reset or lost."""

    kind: str = "none"
    latency: float = 0.0
    answer_latency: float = 0.0
    error: str = ""
    hold: float = 0.0
    lost_mode: str = "reset"


class FaultInjector:
    """Draws a ``Fault`` per Graph request from the current settings with one seeded RNG."""

    def __init__(self, settings: FaultSettings) -> None:
        self._lock = threading.Lock()
        self._settings = settings
        self._rng = random.Random(settings.seed)

    @property
    def settings(self) -> FaultSettings:
        """The settings in force (without any per-request header)."""
        return self._settings

    def configure(self, settings: FaultSettings) -> None:
        """Replace the settings and restart the random sequence from their seed."""
        settings.validate()
        with self._lock:
            self._settings = settings
            self._rng = random.Random(settings.seed)

    def decide(self, header: str | None = None) -> Fault:
        """The fault for one request; ``header`` (an ``X-Sim-Fault`` value) overrides the settings.

        Raises ``ValueError`` for a malformed header.
        """
        with self._lock:
            settings = self._settings
            if header is not None and header.strip():
                settings = parse_spec(header, settings)
                if settings.seed is not None and settings.seed != self._settings.seed:
                    self._rng = random.Random(settings.seed)
                    self._settings = replace(self._settings, seed=settings.seed)
            draw = self._rng.random()
            error = self._rng.choice(settings.error_kinds)
        common = {"latency": settings.latency_ms / 1000.0, "answer_latency": settings.answer_latency_ms / 1000.0,
                  "hold": settings.hold_seconds, "lost_mode": settings.lost_mode}
        threshold = 0.0
        for kind, rate in (("error", settings.error_rate), ("timeout", settings.timeout_rate),
                           ("reset", settings.reset_rate), ("lost", settings.lost_rate)):
            threshold += rate
            if rate > 0 and draw < threshold:
                return Fault(kind=kind, error=error if kind == "error" else "", **common)
        return Fault(**common)
