"""A number's health at a glance: can we send, and if not, why (docs/admin.md "Health").

Each check answers one question (the account's review, restrictions, the number's status, its
quality, the messaging limit, the token, the subscription …) with a state and a sentence. Apps
above accounts add their own checks with :func:`register_health_source` from their
``AppConfig.ready()`` — messaging adds "when did we last hear from Meta", since its webhook rows
may not be imported here.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from ..meta_terms import humanize, restriction_label, tier_label
from ..models import AccountEvent, BusinessAccount, PhoneNumber

OK, WARNING, BLOCKING, UNKNOWN = "ok", "warning", "blocking", "unknown"
ALERT_FIELDS = ("account_alerts",)


@dataclass(frozen=True)
class HealthCheck:
    topic: str
    state: str  # OK, WARNING, BLOCKING or UNKNOWN
    summary: str
    action: str = ""  # what to do about it, in plain words
    link: str = ""  # where to do it: the action is shown as a link to this URL


@dataclass(frozen=True)
class Health:
    checks: list[HealthCheck]

    @property
    def blocking(self) -> list[HealthCheck]:
        return [c for c in self.checks if c.state == BLOCKING]

    @property
    def warnings(self) -> list[HealthCheck]:
        return [c for c in self.checks if c.state == WARNING]

    @property
    def unknown(self) -> list[HealthCheck]:
        return [c for c in self.checks if c.state == UNKNOWN]

    @property
    def can_send(self) -> bool:
        return not self.blocking

    @property
    def verdict(self) -> str:
        if self.blocking:
            return "No — this number cannot send: " + "; ".join(c.summary for c in self.blocking)
        if self.warnings:
            return "Yes, but look at: " + "; ".join(c.topic for c in self.warnings)
        if self.unknown:
            # An unchecked token or subscription may still stop the number: say so, don't promise.
            return "Yes, as far as we know — not checked yet: " + "; ".join(c.topic for c in self.unknown)
        return "Yes — nothing stands in the way of sending."


HealthSource = Callable[[PhoneNumber], Iterable[HealthCheck]]
_sources: list[HealthSource] = []


def register_health_source(source: HealthSource) -> None:
    """Add a function returning checks for a number (idempotent)."""
    if source not in _sources:
        _sources.append(source)


def unregister_health_source(source: HealthSource) -> None:
    if source in _sources:
        _sources.remove(source)


def number_health(phone: PhoneNumber) -> Health:
    """Every check for ``phone``: the account's and the number's, then those of the apps above."""
    account = phone.account
    checks = [
        _connection(account),
        _review(account),
        _ban(account),
        _restrictions(account),
        _number_status(phone),
        _quality(phone),
        _limit(phone),
        token_check(account),
        subscription_check(account),
    ]
    for source in _sources:
        checks.extend(source(phone))
    return Health(checks=[c for c in checks if c is not None])


def recent_account_alerts(account: BusinessAccount, *, limit: int = 5) -> list[AccountEvent]:
    """The account's latest alerts from Meta (limit increases, OBA decisions, profile photo …)."""
    alerts = AccountEvent.objects.filter(account=account, field__in=ALERT_FIELDS).select_related("phone_number")
    return list(alerts[:limit])


# The checks -----------------------------------------------------------------------------------


def _review(account: BusinessAccount) -> HealthCheck:
    status = account.review_status
    if status in ("", "APPROVED"):
        summary = "Approved by Meta" if status else "No review news from Meta (an approved account sends none)"
        return HealthCheck("Account review", OK, summary)
    return HealthCheck("Account review", BLOCKING, f"Meta's account review is {humanize(status).lower()}",
                       "Wait for Meta's decision, or check the account in WhatsApp Manager.")


def _ban(account: BusinessAccount) -> HealthCheck | None:
    if account.ban_state == "DISABLE":
        return HealthCheck("Account ban", BLOCKING, "Meta disabled the account" + _on(account.ban_date),
                           "Appeal in WhatsApp Manager (Business Support Home).")
    if account.ban_state == "SCHEDULE_FOR_DISABLE":
        return HealthCheck("Account ban", WARNING, "Meta scheduled the account to be disabled" + _on(account.ban_date),
                           "Fix the policy problem or appeal before that date.")
    return None


def _on(date: str) -> str:
    return f" ({date})" if date else ""


def _restrictions(account: BusinessAccount) -> HealthCheck:
    active = account.restricted_until is None or account.restricted_until > timezone.now()
    if not account.restrictions or not active:
        return HealthCheck("Restrictions", OK, "None")
    what = ", ".join(restriction_label(r.get("restriction_type", "")) for r in account.restrictions)
    until = f" until {account.restricted_until:%Y-%m-%d %H:%M} UTC" if account.restricted_until else ""
    return HealthCheck("Restrictions", BLOCKING, f"Restricted{until}: {what}",
                       "Wait for the restriction to end; improve quality so it does not come back.")


def _number_status(phone: PhoneNumber) -> HealthCheck:
    status = phone.status
    if not status:
        return HealthCheck("Number status", UNKNOWN, "Not read from Meta yet", "Sync the account's numbers.")
    if status == "CONNECTED":
        return HealthCheck("Number status", OK, "Connected (registered on the Cloud API)")
    if status in ("FLAGGED", "RATE_LIMITED"):
        return HealthCheck("Number status", WARNING, f"{humanize(status)} by Meta",
                           "Improve message quality; Meta may lower the number's limits.")
    # The summary follows "this number cannot send:" in the verdict, so it names the check itself.
    summary = f"Number status is {humanize(status)}"
    if status in ("DISCONNECTED", "PENDING", "UNVERIFIED"):
        return HealthCheck("Number status", BLOCKING, summary, "Register the number on its page.",
                           link=reverse("settings:number-detail", args=[phone.phone_number_id]))
    return HealthCheck("Number status", BLOCKING, summary, "Check the number in WhatsApp Manager.")


def _quality(phone: PhoneNumber) -> HealthCheck:
    rating = phone.quality_rating
    label = PhoneNumber.Quality(rating).label if rating in PhoneNumber.Quality.values else rating
    if rating == PhoneNumber.Quality.GREEN:
        return HealthCheck("Quality", OK, "High")
    if rating == PhoneNumber.Quality.YELLOW:
        return HealthCheck("Quality", WARNING, "Medium", "Fewer customers blocking or reporting you keeps it up.")
    if rating == PhoneNumber.Quality.RED:
        return HealthCheck("Quality", WARNING, "Low: the messaging limit may be lowered",
                           "Send fewer, more relevant messages; pause campaigns with many blocks.")
    return HealthCheck("Quality", UNKNOWN, label or "Unknown", "Sync the numbers to read the rating.")


def _limit(phone: PhoneNumber) -> HealthCheck:
    tier = phone.account.messaging_limit_tier or phone.messaging_limit_tier
    if not tier:
        return HealthCheck("Messaging limit", UNKNOWN, "Not known yet", "Sync the account's numbers.")
    return HealthCheck("Messaging limit", OK, f"{tier_label(tier)} (shared by every number of the business portfolio)")


def _connection(account: BusinessAccount) -> HealthCheck | None:
    if account.disconnected_at is None:
        return None
    return HealthCheck("Connection", BLOCKING, account.sending_blocked_reason(), "Reconnect it in Settings → Accounts.")


def token_check(account: BusinessAccount) -> HealthCheck:
    """The access token's expiry, as the last connection test (Settings → Accounts) read it."""
    if account.connection_tested_at is None:
        return HealthCheck("Access token", UNKNOWN, "Not tested yet",
                           "Run the connection test on the Accounts page.")
    expires_at = account.token_expires_at
    if expires_at is None:
        return HealthCheck("Access token", OK, "Never expires (a system user's token)")
    left = expires_at - timezone.now()
    if left.total_seconds() <= 0:
        return HealthCheck("Access token", BLOCKING, f"The access token expired on {expires_at:%Y-%m-%d}",
                           "Renew the token.")
    if left.days < 7:
        return HealthCheck("Access token", WARNING, f"Expires on {expires_at:%Y-%m-%d}", "Renew the token soon.")
    return HealthCheck("Access token", OK, f"Valid until {expires_at:%Y-%m-%d}")


def subscription_check(account: BusinessAccount) -> HealthCheck:
    """Whether our app is subscribed to the WABA's webhooks, as the Accounts page last read it."""
    if account.subscribed is None:
        return HealthCheck("Webhook subscription", UNKNOWN, "Not checked yet",
                           "Check it on the Accounts page (subscribed_apps).")
    if account.subscribed:
        return HealthCheck("Webhook subscription", OK, "Our app is subscribed to the WABA")
    # Sending still works, but no status or reply would come back.
    return HealthCheck("Webhook subscription", WARNING, "Our app is not subscribed: no webhook will arrive",
                       "Subscribe on the Accounts page.")
