"""Which accounts a webhook event may change: the ones whose app secret signed it.

Several accounts may share one Meta app, and so one secret: an event verified with that secret
may change any of them (its "signer accounts") and nothing of any other account. Processing
builds one :class:`SignerScope` per event and hands it to every handler; handlers find what the
event names through it, or pass what they found to :meth:`SignerScope.claim`. Another account's
object raises ``ForeignObject`` (the event is rejected, nothing of it applied); an object nobody
has connected raises ``UnknownAccount`` (unroutable, replayable once it is connected).
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.crypto import constant_time_compare

from cloudapi.webhook_payloads import ForeignObject, UnknownAccount, text_of

from .models import BusinessAccount, PhoneNumber
from .selectors import account_for_entry, digits_of, phone_for_display_number


@dataclass(frozen=True)
class SignerScope:
    """The signer accounts of one event. ``account_ids=None`` is a caller that is not a webhook
    (a test, a command): every account is its own."""

    account_ids: frozenset[int] | None
    # Numbers and WABAs looked up for this scope: the drain keeps one scope per signer for a whole
    # batch (one transaction), so each is read once per batch, not once per event.
    _seen: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of_signer(cls, account_id: int | None) -> "SignerScope":
        """Every account whose app secret equals the one of ``account_id`` (the receiver's match).

        No signer (its account was deleted since) owns nothing: the event can change no row.
        """
        if account_id is None:
            return cls(account_ids=frozenset())
        # Secrets are encrypted at rest, so they are compared here, not in SQL.
        secrets = dict(BusinessAccount.objects.values_list("pk", "app_secret"))
        secret = secrets.get(account_id)
        if not secret:
            return cls(account_ids=frozenset())
        return cls(account_ids=frozenset(pk for pk, other in secrets.items() if constant_time_compare(other, secret)))

    def claim(self, *, owner_id: int | None, what: str) -> None:
        """Raise ``ForeignObject`` unless ``owner_id`` (the account owning ``what``) signed the event.

        ``None`` (nobody owns it yet) passes: the handler creates it or finds it unknown.
        """
        if owner_id is None or self.account_ids is None or owner_id in self.account_ids:
            return
        raise ForeignObject(f"{what} belongs to another account than the signer")

    def entry_account(self, entry: dict[str, Any]) -> BusinessAccount | None:
        """The connected account of ``entry[].id``, checked to be a signer's; ``None`` when no
        account has that WABA (a handler that needs one raises ``UnknownAccount``)."""
        waba_id = text_of(entry.get("id"), max_length=64)
        account = self._remember(("waba", waba_id), lambda: BusinessAccount.objects.filter(waba_id=waba_id).first())
        if account is not None:
            self.claim(owner_id=account.pk, what=f"WABA {account.waba_id}")
            _refuse_disconnected(account.waba_id, account.disconnected_at)
        return account

    def account_for_entry(self, entry: dict[str, Any]) -> BusinessAccount:
        """The signer account ``entry[].id`` names; ``UnknownAccount`` when none is connected."""
        account = account_for_entry(entry)
        self.claim(owner_id=account.pk, what=f"WABA {account.waba_id}")
        _refuse_disconnected(account.waba_id, account.disconnected_at)
        return account

    def phone_by_id(self, phone_number_id: str) -> PhoneNumber:
        """The signer's number with Meta's ``phone_number_id``; ``UnknownAccount`` when none is connected."""
        phone = self._phone(phone_number_id)
        if phone is None:
            raise UnknownAccount(f"No phone number with id {phone_number_id!r} is connected.")
        self.claim(owner_id=phone.account_id, what=f"phone number {phone_number_id}")
        _refuse_disconnected(phone.account.waba_id, phone.account.disconnected_at)
        return phone

    def phone_for_display_number(self, entry: dict[str, Any], display_phone_number: str) -> PhoneNumber:
        """The number of the entry's (signer) account that Meta names by its display number.

        Not the entry's, but another account's: ``ForeignObject``; nobody's: ``UnknownAccount``.
        """
        account = self.account_for_entry(entry)
        try:
            return phone_for_display_number(account, display_phone_number)
        except UnknownAccount:
            wanted = digits_of(display_phone_number)
            for owner_id, display in PhoneNumber.objects.exclude(account=account).values_list(
                "account_id", "display_phone_number"
            ):
                if digits_of(display) == wanted:
                    self.claim(owner_id=owner_id, what=f"phone number +{wanted}")
            raise

    def check_change(self, value: dict[str, Any]) -> None:
        """A change's ``metadata.phone_number_id``, when that number is connected, is a signer's."""
        metadata = value.get("metadata")
        phone_number_id = text_of(metadata.get("phone_number_id"), max_length=64) if isinstance(metadata, dict) else ""
        phone = self._phone(phone_number_id)
        if phone is not None:
            self.claim(owner_id=phone.account_id, what=f"phone number {phone_number_id}")
            _refuse_disconnected(phone.account.waba_id, phone.account.disconnected_at)

    def _phone(self, phone_number_id: str) -> PhoneNumber | None:
        if not phone_number_id:
            return None
        return self._remember(
            ("phone", phone_number_id),
            lambda: PhoneNumber.objects.select_related("account").filter(phone_number_id=phone_number_id).first(),
        )

    def _remember(self, key: tuple[str, str], load):
        if not key[1]:
            return None
        if self.account_ids is None:  # ANY_ACCOUNT lives as long as the process: it keeps nothing
            return load()
        if key not in self._seen:
            self._seen[key] = load()
        return self._seen[key]


def _refuse_disconnected(waba_id: str, disconnected_at) -> None:
    """A disconnected account's events are kept but applied to nothing (``unroutable``, replayable
    once an administrator reconnects it)."""
    if disconnected_at is not None:
        raise UnknownAccount(f"WABA {waba_id} is disconnected: reconnect it in Settings → Accounts, then replay.")


# Handlers called directly (tests, commands) act for every account; processing always passes a scope.
ANY_ACCOUNT = SignerScope(account_ids=None)
