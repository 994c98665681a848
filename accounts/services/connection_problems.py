"""Meta's refusals during a connection test, in the plain words an administrator can act on.

Branches on Meta's ``code`` / ``error_subcode`` (never on titles, docs/cloudapi.md §2): 190 and 463
(token), 10 and 200–299 (a permission: which one), 100 and 33 (a wrong or foreign WABA id), rate
limits, and the road to Meta itself.
"""

from cloudapi.errors import (
    AUTH_CODES,
    PERMISSION_CODES,
    CloudApiError,
    RateLimitedError,
    ServerError,
)

MANAGEMENT_SCOPE = "whatsapp_business_management"
MESSAGING_SCOPE = "whatsapp_business_messaging"
# What each permission lets us do, said where it is missing.
SCOPE_USES = {
    MANAGEMENT_SCOPE: "read the WhatsApp Business Account, its phone numbers and templates, and subscribe to its webhooks",
    MESSAGING_SCOPE: "send messages and upload media",
}
NEW_TOKEN_HINT = (
    "In Meta Business Settings → Users → System users, generate a new token for this app with both "
    "whatsapp_business_management and whatsapp_business_messaging ticked, then rotate it here."
)


def explain(error: CloudApiError, *, doing: str, scope: str, waba_id: str) -> str:
    """One sentence or two on why ``doing`` failed and what to do about it."""
    if error.token_expired:
        return f"Meta refused to {doing}: the access token has expired (error 190, subcode 463). {NEW_TOKEN_HINT}"
    if error.code in AUTH_CODES:
        return (f"Meta refused to {doing}: the access token is invalid (error {error.code}) — revoked, "
                f"mistyped or made for another app. {NEW_TOKEN_HINT}")
    if error.code in PERMISSION_CODES:
        named = scope_named_in(error) or scope
        return missing_scope(named, code=error.code, doing=doing)
    if error.object_missing:
        return (f"Meta refused to {doing}: no WhatsApp Business Account with id {waba_id} is visible to this token "
                "(error 100, subcode 33). The WABA id is wrong, or the system user is not assigned to that account "
                "in Business Settings → WhatsApp accounts.")
    if error.code == 100:
        return f"Meta refused to {doing}: invalid parameter (error 100): {_meta_words(error)}"
    if isinstance(error, RateLimitedError):
        return (f"Meta refused to {doing} for now: too many calls (error {error.code}). "
                "Run the test again in a few minutes.")
    if isinstance(error, ServerError) or error.code is None:
        return f"Could not {doing}: Meta could not be reached or answered oddly ({error.message}). Try again shortly."
    return f"Meta refused to {doing} (error {error.code}): {_meta_words(error)}"


def missing_scope(scope: str, *, code: int | None = None, doing: str = "") -> str:
    """The token lacks ``scope``: what it is for and how to grant it."""
    uses = SCOPE_USES.get(scope, "this call")
    because = f"Meta refused to {doing} (error {code}): the" if doing and code is not None else "The"
    return (f"{because} token lacks the {scope} permission, which Switchboard needs to {uses}. "
            "Grant it to the system user's token (Business Settings → System users → Generate token) and rotate it here.")


def scope_named_in(error: CloudApiError) -> str:
    """The permission Meta's message names (``(#200) Requires whatsapp_business_messaging …``), if any."""
    words = f"{error.message} {error.details}"
    for scope in (MESSAGING_SCOPE, MANAGEMENT_SCOPE):
        if scope in words:
            return scope
    return ""


def _meta_words(error: CloudApiError) -> str:
    return (error.details or error.message)[:300]
