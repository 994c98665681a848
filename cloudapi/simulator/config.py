"""What a simulator run is made of: the phone numbers it answers for, and how it behaves."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from . import demo
from .faults import FaultSettings

DAY = 24 * 60 * 60


@dataclass
class SimNumber:
    """One business phone number the simulator answers for, with the credentials Meta would hold.

    ``mps`` is the number's throughput: accepted sends per second before Meta answers 130429
    (80 by default, docs/cloudapi.md §9).
    """

    phone_number_id: str
    display_phone_number: str
    waba_id: str
    access_token: str
    app_secret: str
    verified_name: str = ""
    mps: int = 80
    # The business portfolio owning the WABA (``owner_business_info``); derived from the WABA id if blank.
    business_id: str = ""
    business_name: str = ""

    def __repr__(self) -> str:
        # A dataclass repr would print the token and secret into any traceback or log line.
        return f"SimNumber(phone_number_id={self.phone_number_id!r}, waba_id={self.waba_id!r})"


MANAGEMENT_SCOPE = "whatsapp_business_management"
MESSAGING_SCOPE = "whatsapp_business_messaging"


@dataclass
class SimToken:
    """An access token beside the numbers' own: one that expires, or lacks a scope (``debug_token``).

    It acts for the numbers of ``waba_ids`` (its granular-scope targets). ``expires_at`` is Unix
    seconds by the simulator's clock (0 = never); once passed, every call answers 190 / 463.
    A call that needs a scope the token lacks answers 200 (docs/simulator.md).
    """

    token: str
    waba_ids: tuple[str, ...] = ()
    scopes: tuple[str, ...] = (MANAGEMENT_SCOPE, MESSAGING_SCOPE)
    expires_at: int = 0
    data_access_expires_at: int = 0
    type: str = "SYSTEM_USER"

    def __repr__(self) -> str:
        return f"SimToken(waba_ids={self.waba_ids!r}, scopes={self.scopes!r}, expires_at={self.expires_at!r})"

    def expired(self, now: float) -> bool:
        """Whether the token's lifetime is over at ``now``."""
        return self.expires_at != 0 and self.expires_at <= now


# Template review outcomes: "auto" rejects names containing "reject" and approves the rest.
REVIEW_OUTCOMES = ("auto", "approve", "reject", "manual")


@dataclass
class SimulatorConfig:
    """Settings of one simulator.

    ``status_delays`` are the seconds after an accepted send at which the ``sent``, ``delivered``
    and ``read`` status webhooks fall due. ``db_path`` is ":memory:" or a file, which makes the
    state survive restarts. ``clock`` returns Unix seconds; tests pass a fake one to move time.

    Limits (Meta's defaults, lower them in tests): to one customer, a burst of ``pair_rate_limit``
    sends, then one per ``pair_rate_window`` seconds (131056); each number's ``mps`` in any
    ``throughput_window`` (130429); ``management_rate_limit`` WABA management calls per hour and
    ``template_create_limit`` template creations per hour (80007).

    Template review: a created or edited template leaves PENDING ``template_review_delay``
    seconds later, as ``template_review_outcome`` says ("auto": names containing "reject" are
    REJECTED with ``template_rejection_reason``, others APPROVED; "approve"; "reject";
    "manual": only the ``approve_template``/``reject_template`` commands move it).
    ``seed_templates`` gives every WABA Meta's ``hello_world`` template, as Meta does.

    ``faults`` are injected into HTTP answers (see ``faults.FaultSettings``). ``public_url`` is
    the base of media download and flow preview links when no request tells it (``serve`` sets it).
    ``tokens`` are extra access tokens (expired, missing a scope) besides each number's own.

    Marketing: ``marketing_per_user_limit`` marketing templates delivered to one customer per 24 h
    (any business) before the next fails with 131049 (None: no cap; customers can also be marked
    limited one by one). ``enforce_messaging_limit``: the portfolio's tier caps the unique customers
    reached outside a service window per moving 24 h (docs/simulator.md "Limits").

    Status webhooks are batched: up to ``webhook_batch_size`` statuses per POST, a due status waiting
    at most ``webhook_batch_interval`` seconds for others.
    """

    numbers: list[SimNumber]
    webhook_url: str = ""
    status_delays: tuple[float, float, float] = (0.3, 0.8, 1.5)
    auto_dispatch: bool = True
    db_path: str = ":memory:"
    clock: Callable[[], float] = field(default=time.time)
    app_id: str = demo.APP_ID
    public_url: str = ""
    pair_rate_limit: int = 45
    pair_rate_window: float = 6.0
    throughput_window: float = 1.0
    management_rate_limit: int = 5000
    template_create_limit: int = 100
    template_review_delay: float = 3.0
    template_review_outcome: str = "auto"
    template_rejection_reason: str = "INVALID_FORMAT"
    seed_templates: bool = True
    media_url_ttl: float = 300.0
    media_ttl: float = 30 * DAY
    inbound_media_ttl: float = 7 * DAY
    faults: FaultSettings = field(default_factory=FaultSettings)
    tokens: list[SimToken] = field(default_factory=list)
    marketing_per_user_limit: int | None = None
    enforce_messaging_limit: bool = True
    webhook_batch_size: int = 100
    webhook_batch_interval: float = 0.1

    def __post_init__(self) -> None:
        if self.template_review_outcome not in REVIEW_OUTCOMES:
            raise ValueError(f"template_review_outcome must be one of {', '.join(REVIEW_OUTCOMES)}")
        self.faults.validate()
