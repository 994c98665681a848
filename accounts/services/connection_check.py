"""The connection test of a business account: ask Meta whether the token, the WABA, its numbers
and the webhook subscription work, explain each failure in plain words, and keep the outcome.

Four checks, in order: the token (``GET /debug_token`` with the app id and secret: validity,
expiry, both WhatsApp permissions and whether this WABA is among their targets), the WABA
(``GET /{waba-id}``: its business portfolio, ``owner_business_info``), its phone numbers, and
whether our app is subscribed to its webhooks. A token that does not work stops the test: every
later call would fail the same way. The outcome is stored on the account (the Settings pages show
it) and the token's expiry becomes console banners: administrators are warned 7 days ahead,
everybody sees it once sending is blocked.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cloudapi.client import CloudApiClient, TokenInfo
from cloudapi.errors import AUTH_CODES, CloudApiError

from ..graph import client_for
from ..models import AccountEvent, BusinessAccount
from .account_events import record_account_event, resolve_topic
from .connection_problems import MANAGEMENT_SCOPE, MESSAGING_SCOPE, NEW_TOKEN_HINT, explain, missing_scope
from .subscription import SubscriptionState, read_subscription, store_subscription

# Administrators are warned this long before the token expires.
EXPIRY_WARNING = timedelta(days=7)
EXPIRING_TOPIC = "access_token.expiring"
EXPIRED_TOPIC = "access_token.expired"
INVALID_TOPIC = "access_token.invalid"
_FIELD = "connection_test"


@dataclass(frozen=True)
class ConnectionCheck:
    """One line of the test: ``ok`` True (passed), False (failed) or None (works, but look at it);
    ``skipped`` when it was not run at all (``ok`` is then None)."""

    check: str
    ok: bool | None
    text: str
    skipped: bool = False


def check_connection(*, account: BusinessAccount) -> list[ConnectionCheck]:
    """Run the connection test against Meta and store its outcome on ``account`` (never raises for
    Meta's answers: each failure is a check with its explanation)."""
    client = client_for(account)
    now = timezone.now()
    token_check, token = _check_token(client, account, now=now)
    checks = [token_check]
    subscription = None
    if token is not None and not token.is_valid:
        checks.append(ConnectionCheck("waba", None, "Not checked: the access token does not work.", skipped=True))
    else:
        checks += [_check_waba(client, account), _check_numbers(client, account)]
        subscription = read_subscription(client, account)
        checks.append(_subscription_check(subscription))
    # Written once Meta has answered everything: no transaction stays open across a network call.
    with transaction.atomic():
        if subscription is not None:
            store_subscription(account, subscription, at=now)
        _store(account, checks, token, now=now)
        _record_token_banners(account, token, now=now)
    return checks


def check_connected_accounts() -> list[tuple[str, bool]]:
    """Test every connected account, one after another: ``(waba_id, passed)`` each."""
    outcomes = []
    for account in BusinessAccount.objects.filter(disconnected_at__isnull=True).order_by("pk"):
        checks = check_connection(account=account)
        outcomes.append((account.waba_id, all(check.ok is not False for check in checks)))
    return outcomes


def _check_token(client: CloudApiClient, account: BusinessAccount, *, now: datetime):
    if not account.app_id:
        return ConnectionCheck("token", None, (
            "No Meta app id is stored, so the token's validity, expiry and permissions cannot be read "
            "(Meta's debug_token needs the app id with the app secret). Connect the account again with its app id."
        )), None
    try:
        info = client.debug_token(app_id=account.app_id, app_secret=account.app_secret)
    except CloudApiError as error:
        if error.code in AUTH_CODES or error.code == 100:
            text = (f"Meta refused the app id and app secret together (error {error.code}), so the token could not "
                    "be checked: compare both with the app's Settings → Basic page in the Meta developer dashboard "
                    "and rotate the app secret here if it changed.")
        else:
            text = explain(error, doing="check the access token", scope=MANAGEMENT_SCOPE, waba_id=account.waba_id)
        return ConnectionCheck("token", False, text), None
    return _token_verdict(info, account, now=now), info


def _token_verdict(info: TokenInfo, account: BusinessAccount, *, now: datetime) -> ConnectionCheck:
    if not info.is_valid:
        if info.expired or _expiry(info) is not None and _expiry(info) <= now:
            when = f" on {_day(_expiry(info))}" if _expiry(info) else ""
            return ConnectionCheck("token", False, f"The access token expired{when} (error 190, subcode 463): "
                                                   f"nothing can be sent. {NEW_TOKEN_HINT}")
        said = f" ({info.error_message})" if info.error_message else ""
        return ConnectionCheck("token", False, f"Meta says the access token is invalid{said}: revoked, mistyped or "
                                               f"made for another app. {NEW_TOKEN_HINT}")
    problems = []
    if info.app_id and info.app_id != account.app_id:
        problems.append(f"The token was made for app {info.app_id}, not for app {account.app_id}.")
    for scope in (MANAGEMENT_SCOPE, MESSAGING_SCOPE):
        if scope not in info.scopes:
            problems.append(missing_scope(scope))
        elif not info.grants(scope, account.waba_id):
            problems.append(
                f"The token's {scope} permission is not granted on WABA {account.waba_id}: assign the system user "
                "to this WhatsApp account (Business Settings → WhatsApp accounts → People), or check the WABA id."
            )
    if problems:
        return ConnectionCheck("token", False, " ".join(problems))
    expires = _expiry(info)
    if expires is None:
        return ConnectionCheck("token", True, "The access token is valid, never expires, and holds both WhatsApp "
                                              "permissions on this WABA.")
    text = f"The access token is valid until {_day(expires)} and holds both WhatsApp permissions on this WABA."
    if expires - now <= EXPIRY_WARNING:
        return ConnectionCheck("token", None, f"{text} It expires in less than 7 days: rotate it before then.")
    return ConnectionCheck("token", True, text)


def _check_waba(client: CloudApiClient, account: BusinessAccount) -> ConnectionCheck:
    try:
        waba = client.get_business_account(waba_id=account.waba_id)
    except CloudApiError as error:
        return ConnectionCheck("waba", False, explain(error, doing="read the WhatsApp Business Account",
                                                      scope=MANAGEMENT_SCOPE, waba_id=account.waba_id))
    account.owner_business_id = (waba.owner_business_id or "")[:64]
    account.owner_business_name = (waba.owner_business_name or "")[:200]
    name = f" “{waba.name}”" if waba.name else ""
    if not waba.owner_business_id:
        return ConnectionCheck("waba", True, f"Found the WhatsApp Business Account{name}.")
    return ConnectionCheck("waba", True, (
        f"Found the WhatsApp Business Account{name}, owned by the business portfolio "
        f"“{account.owner_business_name or account.owner_business_id}” (id {account.owner_business_id}). "
        "Messaging limits are shared by every number of that portfolio."
    ))


def _check_numbers(client: CloudApiClient, account: BusinessAccount) -> ConnectionCheck:
    try:
        numbers = client.list_phone_numbers(waba_id=account.waba_id, fields=("id", "display_phone_number"))
    except CloudApiError as error:
        return ConnectionCheck("numbers", False, "The phone numbers cannot be listed. " + explain(
            error, doing="list the phone numbers", scope=MANAGEMENT_SCOPE, waba_id=account.waba_id))
    if not numbers:
        return ConnectionCheck("numbers", None, "The WABA has no phone number yet: add one in WhatsApp Manager.")
    return ConnectionCheck("numbers", True, f"Meta lists {len(numbers)} phone number{'s' * (len(numbers) != 1)} "
                                            "on this WABA.")


def _subscription_check(subscription: SubscriptionState) -> ConnectionCheck:
    if subscription.problem:
        return ConnectionCheck("subscription", False, subscription.problem)
    if not subscription.subscribed:
        return ConnectionCheck("subscription", None, (
            "Our app is not subscribed to this WABA's webhooks: no message or status will arrive. Press Subscribe."))
    where = (f" Meta sends them to {subscription.override_callback_uri} (this WABA's override)."
             if subscription.override_callback_uri else "")
    return ConnectionCheck("subscription", True, f"Our app is subscribed to this WABA's webhooks.{where}")


def _store(account: BusinessAccount, checks: list[ConnectionCheck], token: TokenInfo | None, *, now: datetime):
    account.connection_tested_at = now
    account.connection_ok = all(check.ok is not False for check in checks)
    account.connection_checks = [asdict(check) for check in checks]
    fields = ["connection_tested_at", "connection_ok", "connection_checks", "owner_business_id",
              "owner_business_name", "updated_at"]
    if token is not None:
        expired_now = not token.is_valid and token.expired and _expiry(token) is None
        account.token_expires_at = now if expired_now else _expiry(token)
        account.token_scopes = list(token.scopes)
        fields += ["token_expires_at", "token_scopes"]
    account.save(update_fields=fields)


def _record_token_banners(account: BusinessAccount, token: TokenInfo | None, *, now: datetime) -> None:
    """Administrators are warned 7 days before the token expires; everybody once sending is blocked."""
    if token is None:
        return
    expires = account.token_expires_at
    invalid = not token.is_valid and expires is None
    if invalid:
        record_account_event(
            account=account, field=_FIELD, event="token_invalid", topic=INVALID_TOPIC, occurred_at=now, active=True,
            severity=AccountEvent.Severity.CRITICAL, audience=AccountEvent.Audience.ADMINISTRATORS,
            title="The access token is invalid: open Settings → Accounts and rotate it.",
        )
    else:
        resolve_topic(account=account, topic=INVALID_TOPIC, resolved_at=now)
    if expires is None:
        for topic in (EXPIRING_TOPIC, EXPIRED_TOPIC):
            resolve_topic(account=account, topic=topic, resolved_at=now)
        return
    if expires > now:
        record_account_event(
            account=account, field=_FIELD, event="token_expiring", topic=EXPIRING_TOPIC, occurred_at=now, active=True,
            severity=AccountEvent.Severity.WARNING, audience=AccountEvent.Audience.ADMINISTRATORS,
            shown_from=expires - EXPIRY_WARNING, expires_at=expires,
            title=f"The access token expires on {_day(expires)}: rotate it in Settings → Accounts before sending stops.",
        )
    else:
        resolve_topic(account=account, topic=EXPIRING_TOPIC, resolved_at=now)
    record_account_event(
        account=account, field=_FIELD, event="token_expired", topic=EXPIRED_TOPIC, occurred_at=now, active=True,
        severity=AccountEvent.Severity.CRITICAL, shown_from=expires,
        title=f"The access token expired on {_day(expires)}: sending is blocked until an administrator renews it.",
    )


def _expiry(info: TokenInfo) -> datetime | None:
    """``expires_at`` as a time; ``None`` when it never expires (0) or Meta did not say."""
    if not info.expires_at:
        return None
    return datetime.fromtimestamp(info.expires_at, tz=UTC)


def _day(moment: datetime) -> str:
    return f"{moment:%d %b %Y %H:%M} UTC"
