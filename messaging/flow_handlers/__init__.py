"""Data-endpoint handlers of WhatsApp Flows, by name: a flow's ``endpoint_handler`` picks one.

A handler is a plain callable taking a :class:`FlowExchange` (an ``INIT``, ``data_exchange`` or ``BACK``
request whose token we checked) and returning Meta's answer: ``{"screen": …, "data": {…}}``, or the
``SUCCESS`` screen that ends the flow (see :func:`success`). It raises :class:`FlowHandlerError` to keep
the customer on the screen with an error message. Apps register theirs from ``AppConfig.ready()``;
messaging ships "static" and "appointment_booking".
"""

from .registry import (
    FlowExchange,
    FlowHandler,
    FlowHandlerError,
    handler_for,
    handler_choices,
    register_flow_handler,
    success,
)

__all__ = ["FlowExchange", "FlowHandler", "FlowHandlerError", "handler_for", "handler_choices",
           "register_flow_handler", "register_builtin_handlers", "success"]


def register_builtin_handlers() -> None:
    from . import appointments, static

    register_flow_handler("static", static.handle, label="Static: screen data configured on the flow's page",
                          check_config=static.config_errors)
    register_flow_handler("appointment_booking", appointments.handle,
                          label="Appointment booking (example): dates and times from the slots table",
                          check_config=appointments.config_errors)
