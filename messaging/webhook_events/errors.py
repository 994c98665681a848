"""Why an event could not be routed (kept as ``unroutable``, replayable once the account exists).

``cloudapi.webhook_payloads.UnknownAccount`` is what every app's handlers raise for it.
"""

from cloudapi.webhook_payloads import UnknownAccount


class UnknownPhoneNumber(UnknownAccount):
    """The event is for a phone number id no account here has."""

