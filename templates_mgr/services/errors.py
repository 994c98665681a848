"""The two ways a template action fails: our own rules (field-keyed, from ``rules``) or Meta's answer."""

from cloudapi.errors import CloudApiError

from ..rules import Errors, describe_errors

# Meta's template answers worth a plain sentence of our own (docs/cloudapi.md §2 and §3).
_PLAIN = {
    4: "Meta is throttling our app's calls. Wait a minute and try again.",
    80007: "The business account hit Meta's rate limit (at most 100 new templates per hour). Try again later.",
    190: "Meta no longer accepts the account's access token. An administrator must renew it.",
    0: "Meta could not authenticate the app. An administrator must check the access token.",
    10: "The app lacks the whatsapp_business_management permission. An administrator must grant it.",
    200: "The app lacks the whatsapp_business_management permission. An administrator must grant it.",
    368: "The account is temporarily blocked for policy violations.",
}
_FIELD_FOR_SUBCODE = {2388024: "language", 2388023: "language", 2388299: "body_text"}


class TemplateInvalid(Exception):
    """The template (or the action) breaks a rule; ``errors`` is keyed by the builder's fields."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        super().__init__("; ".join(describe_errors(errors)))

    @classmethod
    def on(cls, field: str, message: str) -> "TemplateInvalid":
        return cls({field: [message]})


class MetaRefused(Exception):
    """Meta (or the road to it) refused the call; ``message`` says so in plain words."""

    def __init__(self, error: CloudApiError, *, action: str) -> None:
        self.error = error
        self.field = _FIELD_FOR_SUBCODE.get(error.error_subcode or 0, "__all__")
        self.message = explain_meta_error(error, action=action)
        super().__init__(self.message)


def explain_meta_error(error: CloudApiError, *, action: str) -> str:
    """``Meta refused the template: <what Meta said> (error 100/2388024).``"""
    if error.code is None:
        if error.retryable:
            return f"Meta could not be reached to {action} ({error.message}). Nothing was changed; try again in a minute."
        return f"Meta gave an unexpected answer when asked to {action} ({error.message})."
    code = f"{error.code}/{error.error_subcode}" if error.error_subcode else str(error.code)
    said = _PLAIN.get(error.code) or error.details or _user_message(error) or error.message
    return f"Meta refused to {action}: {said.rstrip('.')}. (error {code})"


def _user_message(error: CloudApiError) -> str:
    return str(error.raw.get("error_user_msg") or "") if isinstance(error.raw, dict) else ""
