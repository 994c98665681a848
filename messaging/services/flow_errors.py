"""What Meta (or the road to it) answered to a flow action, in plain words, and a local check of the JSON syntax."""

import json
from dataclasses import asdict, dataclass
from typing import Any

from cloudapi.client import FlowValidationError
from cloudapi.errors import CloudApiError

# Meta's answers worth a sentence of our own (docs/cloudapi.md §2 and §8).
_PLAIN = {
    0: "Meta could not authenticate the app. An administrator must check the access token.",
    4: "Meta is throttling our app's calls. Wait a minute and try again.",
    10: "The app lacks the whatsapp_business_management permission. An administrator must grant it.",
    190: "Meta no longer accepts the account's access token. An administrator must renew it.",
    200: "The app lacks the whatsapp_business_management permission. An administrator must grant it.",
    368: "The account is temporarily blocked for policy violations.",
    80007: "The business account hit Meta's hourly limit of management calls. Try again later.",
    132068: "The flow is blocked: it can't be sent or opened until Meta lifts the block.",
    132069: "The flow is throttled: at most 10 messages with it can be sent per hour.",
}


class FlowActionFailed(Exception):
    """A flow action Meta refused (or could not be asked); ``message`` says why in plain words."""

    def __init__(self, message: str, *, error: CloudApiError | None = None) -> None:
        super().__init__(message)
        self.message, self.error = message, error


def refused(error: CloudApiError, *, action: str) -> FlowActionFailed:
    """``Meta refused to publish the flow: <why>. (error 100)``."""
    return FlowActionFailed(explain_flow_error(error, action=action), error=error)


def explain_flow_error(error: CloudApiError, *, action: str) -> str:
    if error.code is None:
        if error.retryable:
            return f"Meta could not be reached to {action} ({error.message}). Nothing was changed; try again in a minute."
        return f"Meta gave an unexpected answer when asked to {action} ({error.message})."
    code = f"{error.code}/{error.error_subcode}" if error.error_subcode else str(error.code)
    said = _PLAIN.get(error.code) or _meaning_of_100(error) or error.details or _user_message(error) or error.message
    return f"Meta refused to {action}: {said.rstrip('.')}. (error {code})"


def _meaning_of_100(error: CloudApiError) -> str:
    if error.code != 100:
        return ""
    text = f"{error.details} {error.message}".lower()
    if "unique" in text or "already" in text:
        return "a flow with this name already exists in this business account; flow names must be unique"
    if error.object_missing:
        return "Meta does not know this flow, or the account's token may not use it (was it deleted in WhatsApp Manager?)"
    return ""


def _user_message(error: CloudApiError) -> str:
    return str(error.raw.get("error_user_msg") or "") if isinstance(error.raw, dict) else ""


def validation_error_dict(error: FlowValidationError) -> dict[str, Any]:
    """One of Meta's validation errors as stored (and shown by the editor): only the keys Meta gave."""
    found = asdict(error)
    found["pointers"] = [dict(pointer) for pointer in error.pointers]
    return {key: value for key, value in found.items() if value not in (None, [])}


@dataclass(frozen=True)
class SyntaxProblem:
    """Where the text stops being JSON (1-based line and column, as the editor counts them)."""

    message: str
    line: int
    column: int

    def as_validation_error(self) -> dict:
        """In the shape of Meta's ``validation_errors``, so the editor shows both alike."""
        return {"error": "INVALID_JSON", "error_type": "LOCAL_SYNTAX_CHECK", "message": self.message,
                "line_start": self.line, "line_end": self.line, "column_start": self.column,
                "column_end": self.column}


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def check_json_syntax(text: str) -> SyntaxProblem | None:
    """The first JSON syntax error in ``text`` (with its line and column), or None when it parses.

    Stricter than ``json.loads`` where Meta is: NaN and Infinity are refused.
    """
    if not text.strip():
        return SyntaxProblem("The Flow JSON is empty.", 1, 1)
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return SyntaxProblem(f"Not valid JSON: {exc.msg}.", exc.lineno, exc.colno)
    except (ValueError, RecursionError) as exc:
        return SyntaxProblem(f"Not valid JSON: {exc}.", 1, 1)
    return None
