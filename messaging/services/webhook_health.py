"""The health page's "when did we last hear from Meta" (registered into accounts' health checks)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import PhoneNumber
from accounts.services.health import OK, WARNING, HealthCheck

from ..selectors.webhook_activity import last_number_webhook_at, last_webhook_at

# Meta sends a status for every message we send and every reply: a busy account is never quiet
# this long, so a silence this long usually means the subscription or the callback is broken.
QUIET_AFTER = timedelta(hours=3)
_CHECK = "Check the webhook subscription (Accounts page) and the callback URL in Meta's app dashboard."


def last_heard_checks(phone: PhoneNumber) -> list[HealthCheck]:
    """One check for the account's newest webhook; the number's newest is told beside it."""
    now = timezone.now()
    last = last_webhook_at(account_id=phone.account_id, waba_id=phone.account.waba_id)
    if last is None:
        return [HealthCheck("Last heard from Meta", WARNING, "No webhook received yet for this account", _CHECK)]
    number_last = last_number_webhook_at(phone_number_id=phone.phone_number_id)
    about_number = (f"; for this number {timesince(number_last, now)} ago" if number_last
                    else "; none yet for this number")
    silence = now - last
    if silence >= QUIET_AFTER:
        hours = int(silence.total_seconds() // 3600)
        return [HealthCheck("Last heard from Meta", WARNING,
                            f"No webhook for {hours} hours — check the subscription{about_number}", _CHECK)]
    return [HealthCheck("Last heard from Meta", OK, f"Last webhook {timesince(last, now)} ago{about_number}")]
