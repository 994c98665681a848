"""Meta's error codes in plain language, with what the operator can do about each."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    plain: str
    action: str = ""


_EXPLANATIONS: dict[int, Explanation] = {
    0: Explanation("WhatsApp could not authenticate our app.", "Ask an administrator to renew the access token."),
    3: Explanation("The app lacks the capability for this call.", "Ask an administrator to check the app's permissions."),
    4: Explanation("Our app sent too many requests to Meta.", "Nothing to do: it is retried automatically."),
    10: Explanation("The app's permission was not granted or was revoked.", "Ask an administrator to check permissions."),
    100: Explanation("WhatsApp refused a parameter of the message.", "Check the message content; the details say which part."),
    190: Explanation("The access token is invalid or expired.", "Ask an administrator to renew the access token."),
    368: Explanation("The account is temporarily blocked for policy violations.", "Ask an administrator to check WhatsApp Manager."),
    80007: Explanation("The business account hit Meta's rate limit.", "Nothing to do: it is retried automatically."),
    130429: Explanation("The number's throughput limit was reached.", "Nothing to do: it is retried automatically."),
    130472: Explanation("The customer is part of a Meta experiment and cannot receive this message.", "Try another channel."),
    131000: Explanation("Something went wrong at WhatsApp.", "It is retried automatically; if it keeps failing, resend later."),
    131008: Explanation("A required part of the message is missing.", "Check the message and send it again."),
    131009: Explanation("A part of the message has an invalid value.", "Check the message and send it again."),
    131016: Explanation("WhatsApp is temporarily unavailable.", "It is retried automatically."),
    131021: Explanation("You tried to message our own business number.", "Message the customer's number instead."),
    131026: Explanation(
        "The message could not be delivered: the number may not be on WhatsApp or uses an old app.",
        "Check the number, or reach the customer another way.",
    ),
    131030: Explanation("The number is not in the test number's allowed list.", "Add it in Meta's app dashboard."),
    131031: Explanation("The business account is locked.", "Ask an administrator to check WhatsApp Manager."),
    131042: Explanation("There is a payment problem on the business account.", "Ask an administrator to fix billing."),
    131045: Explanation("The phone number is not registered correctly.", "Ask an administrator to register the number."),
    131047: Explanation(
        "The customer has not written in 24 hours, so free-form messages are not allowed.",
        "Send an approved template instead.",
    ),
    131048: Explanation("Too many of our messages were blocked or reported as spam.", "Slow down and check message quality."),
    131049: Explanation(
        "Meta held this marketing message back to keep engagement healthy.", "Wait at least a day before trying again."
    ),
    131050: Explanation("The customer stopped marketing messages from us.", "Do not send marketing templates to them."),
    131051: Explanation("This message type is not supported.", "Send a different kind of message."),
    131052: Explanation("The customer's media could not be downloaded.", "Ask the customer to send it again."),
    131053: Explanation("The media could not be uploaded (wrong type or size).", "Use a supported file type and size."),
    131056: Explanation("Too many messages to this customer in a short time.", "Wait a little; it is retried automatically."),
    131057: Explanation("The number is in maintenance.", "It is retried automatically shortly."),
    132000: Explanation("The template's parameters do not match.", "Fill in every template variable."),
    132001: Explanation("The template does not exist in that language or is not approved.", "Choose an approved template."),
    132005: Explanation("The translated template text is too long.", "Shorten the parameters."),
    132007: Explanation("The template breaks a WhatsApp content policy.", "Edit the template."),
    132015: Explanation("The template is paused for low quality.", "Use another template or improve this one."),
    132016: Explanation("The template is disabled.", "Use another template."),
    132008: Explanation("A template parameter has a value WhatsApp refuses.", "Check the template's variables and send again."),
    132012: Explanation("A template parameter has the wrong format.", "Check the template's variables (text, currency, date …)."),
    132068: Explanation("The flow is blocked and cannot be sent.", "Fix the flow in WhatsApp Manager, or send something else."),
    132069: Explanation("The flow is throttled (at most 10 sends an hour).", "Wait an hour, or fix the flow's health."),
    131005: Explanation("Meta denied access to this request.", "Ask an administrator to check the app's permissions."),
    131037: Explanation("The number's display name is not approved yet.", "Ask an administrator to check the display name."),
    133016: Explanation("Too many register / deregister attempts for this number.", "Wait 72 hours before trying again."),
    135000: Explanation("WhatsApp refused the request (generic user error).", "Check the message; the details say more."),
    133010: Explanation("The phone number is not registered on the Cloud API.", "Ask an administrator to register it."),
}

UNKNOWN = Explanation("WhatsApp reported an error.", "See the details, or ask support to look up the code.")
NETWORK = Explanation("Meta could not be reached.", "It is retried automatically.")
# The error title of a message we refused to send ourselves (its details say why).
LOCAL_FAILURE_TITLE = "Not sent by Switchboard"
LOCAL = Explanation("Switchboard could not prepare this message for WhatsApp.", "Fix what the details say, then send it again.")


def explain(code: int | None) -> Explanation:
    """The plain-language explanation of a Meta error code (or of no code: a network failure)."""
    if code is None:
        return NETWORK
    if code not in _EXPLANATIONS and 200 <= code <= 299:
        return _EXPLANATIONS[10]  # 200–299: a permission not granted or revoked, like 10
    return _EXPLANATIONS.get(code, UNKNOWN)


ACCEPTED = Explanation("WhatsApp accepted it.")
NO_ANSWER = Explanation(
    "Meta's answer never came (a timeout or a broken connection): it may have been sent.",
    "Nothing to do: its status webhook, or the next try, settles it.",
)


def explain_attempt(*, outcome: str, code: int | None) -> Explanation:
    """One send attempt in plain words (``outcome`` as in ``MessageSendAttempt.Outcome``)."""
    if outcome == "accepted":
        return ACCEPTED
    if outcome == "unknown" and code is None:
        return NO_ANSWER
    return explain(code)


def explain_failure(*, code: int | None, title: str = "") -> Explanation:
    """Like :func:`explain`, for a failed message: one we refused ourselves says so."""
    if code is None and title == LOCAL_FAILURE_TITLE:
        return LOCAL
    return explain(code)
