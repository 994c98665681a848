"""Meta's answers to number actions (sync, codes, register, PIN) in the words an administrator reads."""

from cloudapi.errors import CloudApiError

_PLAIN: dict[int, str] = {
    0: "Meta could not authenticate our app: renew the account's access token.",
    4: "Our app made too many calls to Meta: wait a few minutes and try again.",
    100: "Meta refused a value of the request",
    131045: "The number's registration has a problem at Meta: register it again.",
    131031: "The business account is locked at Meta (for example after wrong PINs): check WhatsApp Manager.",
    133005: "The PIN does not match the number's two-step verification PIN. Use the current PIN, or change it first.",
    133006: "The number must be verified before it can be registered: request a code and verify it.",
    133008: "Too many wrong PINs: Meta blocks PIN attempts for a while. Wait and try again later.",
    133009: "PIN attempts were too fast: wait a moment and try again.",
    133010: "The number is not registered on the Cloud API: register it.",
    133015: "The number was deleted recently: wait 5 minutes before registering it.",
    133016: "Too many register or deregister calls: Meta allows 10 of each per 72 hours and has locked this number "
    "for register and deregister for 72 hours.",
    136024: "Meta could not send the code (the number may not receive SMS or calls, or codes were asked too often). "
    "Try the other method, or wait and ask again.",
    136025: "The code is wrong or expired: request a new code and enter the one you receive.",
    80007: "The business account reached Meta's limit on management calls: wait an hour and try again.",
    368: "The account is temporarily blocked for policy violations: check WhatsApp Manager.",
}


def explain_number_error(error: CloudApiError) -> str:
    """One sentence for a failed number call, with Meta's own details where they say more."""
    if error.code is None:
        return ("Meta could not be reached (or answered strangely); nothing was changed there as far as we know. "
                "Try again.")
    if error.token_expired:
        return "The account's access token has expired: renew it on the Accounts page."
    if error.code == 190:
        return "The account's access token is invalid: renew it on the Accounts page."
    if error.object_missing:
        return "Meta does not know this number or WABA, or the token may not see it: check the account's WABA id."
    if error.code == 10 or 200 <= error.code < 300:
        return "The access token lacks a permission (whatsapp_business_management): grant it to the system user."
    plain = _PLAIN.get(error.code)
    details = error.details or error.message
    if plain is None:
        return f"Meta refused it (error {error.code}): {details}"
    if error.code == 100:
        return f"{plain}: {details}"
    return plain
