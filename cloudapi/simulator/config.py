"""What a simulator run is made of: the phone numbers it answers for, and how it behaves."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class SimNumber:
    """One business phone number the simulator answers for, with the credentials Meta would hold."""

    phone_number_id: str
    display_phone_number: str
    waba_id: str
    access_token: str
    app_secret: str
    verified_name: str = ""

    def __repr__(self) -> str:
        # A dataclass repr would print the token and secret into any traceback or log line.
        return f"SimNumber(phone_number_id={self.phone_number_id!r}, waba_id={self.waba_id!r})"


@dataclass
class SimulatorConfig:
    """Settings of one simulator.

    ``status_delays`` are the seconds after an accepted send at which the ``sent``, ``delivered``
    and ``read`` status webhooks fall due. ``db_path`` is ":memory:" or a file, which makes the
    state survive restarts. ``clock`` returns Unix seconds; tests pass a fake one to move time.
    """

    numbers: list[SimNumber]
    webhook_url: str = ""
    status_delays: tuple[float, float, float] = (0.3, 0.8, 1.5)
    auto_dispatch: bool = True
    db_path: str = ":memory:"
    clock: Callable[[], float] = field(default=time.time)
