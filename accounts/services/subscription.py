"""Whether our Meta app receives a WABA's webhooks (``/{waba-id}/subscribed_apps``), and subscribing it."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cloudapi.client import CloudApiClient
from cloudapi.errors import CloudApiError

from ..graph import client_for
from ..models import BusinessAccount
from .audit import record_audit
from .connection_problems import MANAGEMENT_SCOPE, explain


class SubscriptionRefused(Exception):
    """Meta refused to subscribe our app; the message says why in plain words."""


@dataclass(frozen=True)
class SubscriptionState:
    """What Meta said: ``subscribed`` (None when it could not be read, then ``problem`` says why)."""

    subscribed: bool | None
    override_callback_uri: str = ""
    problem: str = ""


def read_subscription(client: CloudApiClient, account: BusinessAccount) -> SubscriptionState:
    """Ask Meta which apps get the WABA's webhooks: ours is the one with the account's app id (any
    app, when no app id is stored)."""
    try:
        apps = client.list_subscribed_apps(waba_id=account.waba_id)
    except CloudApiError as error:
        return SubscriptionState(None, problem=explain(error, doing="read the webhook subscription",
                                                       scope=MANAGEMENT_SCOPE, waba_id=account.waba_id))
    ours = [app for app in apps if not account.app_id or app.id == account.app_id]
    if not ours:
        return SubscriptionState(False)
    return SubscriptionState(True, override_callback_uri=ours[0].override_callback_uri or "")


def store_subscription(account: BusinessAccount, state: SubscriptionState, *, at: datetime) -> None:
    """Keep what Meta said on the account (nothing changes when it could not be read)."""
    if state.subscribed is None:
        return
    account.subscribed = state.subscribed
    account.subscription_callback_uri = state.override_callback_uri[:500]
    account.subscription_checked_at = at
    account.save(update_fields=["subscribed", "subscription_callback_uri", "subscription_checked_at", "updated_at"])


def subscribe_account(*, account: BusinessAccount, actor) -> SubscriptionState:
    """Subscribe our app to the WABA's webhooks (``POST subscribed_apps``), then read back what Meta
    holds. Audited as ``business_account.subscribe``; raises :class:`SubscriptionRefused` with the
    explanation when Meta says no (nothing is recorded then)."""
    client = client_for(account)
    try:
        client.subscribe_app(waba_id=account.waba_id)
    except CloudApiError as error:
        raise SubscriptionRefused(explain(error, doing="subscribe our app to the WABA's webhooks",
                                          scope=MANAGEMENT_SCOPE, waba_id=account.waba_id)) from None
    state = read_subscription(client, account)
    if state.subscribed is None:  # subscribed, but could not read it back: Meta said yes
        state = SubscriptionState(True)
    with transaction.atomic():  # after Meta's answers: no transaction waits on the network
        store_subscription(account, state, at=timezone.now())
        record_audit(actor=actor, action="business_account.subscribe", obj=account,
                     details={"waba_id": account.waba_id})
    return state
