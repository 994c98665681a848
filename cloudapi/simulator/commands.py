"""Commands a tester gives the simulator: seed templates, move them through review, pause, disable,
re-rate and re-categorise them, change a flow's status, and set the injected faults."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

from . import template_lifecycle
from .faults import FaultInjector, FaultSettings
from .graph import flows as flow_endpoints
from .graph import template_rules
from .state import Store

if TYPE_CHECKING:
    from .config import SimNumber, SimulatorConfig
    from .graph.context import Context
    from .webhooks import Dispatcher

FLOW_STATUSES = ("DRAFT", "PUBLISHED", "DEPRECATED", "THROTTLED", "BLOCKED")


class CommandsMixin:
    """``Simulator`` methods acting as Meta's reviewers and operators. Unknown ids raise ``KeyError``,
    changes a state does not allow raise ``ValueError``."""

    config: SimulatorConfig
    _numbers: dict[str, SimNumber]
    _store: Store
    _lock: threading.RLock
    _faults: FaultInjector
    _dispatcher: Dispatcher
    _next_review: float | None

    if TYPE_CHECKING:  # provided by Simulator
        def context(self, base_url: str | None = None) -> Context: ...

        def _number_for_waba(self, waba_id: str) -> SimNumber: ...

    # -- templates -----------------------------------------------------------------------

    def add_template(self, *, name: str, language: str = "en_US", category: str = "UTILITY",
                     components: list[dict[str, Any]] | None = None, status: str = "APPROVED",
                     parameter_format: str = "POSITIONAL", waba_id: str | None = None) -> dict[str, Any]:
        """Put a template straight into a WABA (no review, no webhook), e.g. an approved one a test sends.

        Components are checked by the same rules as ``POST /message_templates`` (media header
        handles excepted); the default is a body without parameters.
        """
        waba_id = waba_id or next(iter(self._numbers.values())).waba_id
        components = template_rules.validate_components(
            components or [{"type": "BODY", "text": f"Template {name}"}], category=category.upper(),
            parameter_format=parameter_format, handle_known=lambda _handle: True)
        fields = {"name": name, "language": language, "category": category.upper(), "components": components,
                  "parameter_format": parameter_format}
        with self._lock:
            due = template_lifecycle.review_due_at(self.config, self.config.clock()) if status == "PENDING" else None
            self._next_review = 0.0
            return template_lifecycle.new_template(self._store, waba_id=waba_id, fields=fields, status=status,
                                                   now=self.config.clock(), review_due=due)

    def templates(self, waba_id: str | None = None) -> list[dict[str, Any]]:
        """Every template (of one WABA if given), oldest first, with status, reason and quality."""
        return self._store.list_objects("template", waba_id)

    def approve_template(self, template_id: str) -> dict[str, Any]:
        """Finish the review of a PENDING template: APPROVED, with its webhook."""
        return self._change_template(template_id, lambda t, n, now: self._review(t, n, now, "APPROVED", "NONE"))

    def reject_template(self, template_id: str, reason: str = "INVALID_FORMAT") -> dict[str, Any]:
        """Finish the review of a PENDING template: REJECTED with ``reason`` (one of Meta's), with its webhook."""
        if reason not in template_lifecycle.REJECTION_REASONS:
            raise ValueError(f"reason must be one of {', '.join(template_lifecycle.REJECTION_REASONS)}")
        return self._change_template(template_id, lambda t, n, now: self._review(t, n, now, "REJECTED", reason))

    def pause_template(self, template_id: str) -> dict[str, Any]:
        """Pause an APPROVED template for low quality (FIRST_PAUSE, SECOND_PAUSE; the third disables it)."""
        return self._change_template(template_id, lambda t, n, now: template_lifecycle.pause(
            self._store, n, t, now=now))

    def unpause_template(self, template_id: str) -> dict[str, Any]:
        """Lift a pause (APPROVED again, ``other_info.title`` UNPAUSE)."""
        return self._change_template(template_id, lambda t, n, now: template_lifecycle.unpause(
            self._store, n, t, now=now))

    def disable_template(self, template_id: str) -> dict[str, Any]:
        """Disable a template for good (sends answer 132016)."""
        def disable(template: dict[str, Any], number: SimNumber, now: float) -> dict[str, Any]:
            if template["status"] == "DISABLED":
                raise ValueError("the template is already DISABLED")
            return template_lifecycle.set_status(self._store, number, template, "DISABLED", now=now)
        return self._change_template(template_id, disable)

    def set_template_quality(self, template_id: str, score: str) -> dict[str, Any]:
        """Change the quality score (GREEN, YELLOW, RED, UNKNOWN), with ``message_template_quality_update``."""
        return self._change_template(template_id, lambda t, n, now: template_lifecycle.set_quality(
            self._store, n, t, score, now=now))

    def recategorize_template(self, template_id: str, category: str) -> dict[str, Any]:
        """Meta moves the template to another category, with ``template_category_update``."""
        return self._change_template(template_id, lambda t, n, now: template_lifecycle.recategorize(
            self._store, n, t, category.upper(), now=now))

    def _review(self, template: dict[str, Any], number: SimNumber, now: float, status: str,
                reason: str) -> dict[str, Any]:
        if template["status"] != "PENDING":
            raise ValueError(f"only PENDING templates can be reviewed (this one is {template['status']})")
        return template_lifecycle.set_status(self._store, number, template, status, now=now, reason=reason)

    def _change_template(self, template_id: str,
                         change: Callable[[dict[str, Any], SimNumber, float], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            template = self._store.get("template", str(template_id))
            if template is None:
                raise KeyError(f"No template {template_id}")
            changed = change(template, self._number_for_waba(template["waba_id"]), self.config.clock())
        self._dispatcher.wake()
        return changed

    # -- flows ---------------------------------------------------------------------------

    def flows(self, waba_id: str | None = None) -> list[dict[str, Any]]:
        """Every flow (of one WABA if given) with its status and validation errors."""
        return self._store.list_objects("flow", waba_id)

    def set_flow_status(self, flow_id: str, status: str) -> dict[str, Any]:
        """Meta moves a flow (e.g. to THROTTLED or BLOCKED), with the ``flows`` FLOW_STATUS_CHANGE webhook."""
        if status not in FLOW_STATUSES:
            raise ValueError(f"status must be one of {', '.join(FLOW_STATUSES)}")
        with self._lock:
            flow = self._store.get("flow", str(flow_id))
            if flow is None:
                raise KeyError(f"No flow {flow_id}")
            changed = flow_endpoints.set_status(self.context(), flow, status)
        self._dispatcher.wake()
        return changed

    # -- faults --------------------------------------------------------------------------

    @property
    def faults(self) -> FaultSettings:
        """The fault settings in force."""
        return self._faults.settings

    def set_faults(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        """Replace the fault settings (``FaultSettings`` or keyword values, e.g. ``lost_rate=0.2, seed=7``).

        The random sequence restarts from the seed. Raises ``ValueError`` for bad settings.
        """
        new = FaultSettings.from_mapping(changes, settings or FaultSettings())
        self._faults.configure(new)
        return new

    def clear_faults(self) -> None:
        """No more faults."""
        self._faults.configure(FaultSettings())
