"""The RSA keys of the WhatsApp Flows data endpoint, one pair per number (docs/flows.md "Keys").

Generate a pair, give Meta the public half (``POST /{phone-number-id}/whatsapp_business_encryption``),
rotate (the new key becomes current, the old one keeps decrypting while Meta's clients still hold it),
retire the old one. Every step is audited, refusals too; the private key never leaves this module but
as a loaded key object for the endpoint.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone

from cloudapi import flow_crypto
from cloudapi.errors import CloudApiError

from ..graph import client_for
from ..models import FlowKey, PhoneNumber
from ..number_errors import explain_number_error
from .audit import record_audit

ACCEPTED_STATES = (FlowKey.State.CURRENT, FlowKey.State.RETIRING)


class FlowKeyError(Exception):
    """A key step was refused (by us or by Meta); ``message`` is for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FlowKeyStatus:
    """What Meta holds for the number, beside our current key."""

    meta_public_key: str | None
    signature_status: str | None  # VALID / MISMATCH, as Meta says
    matches_current: bool
    error: str = ""


def fingerprint(public_pem: str) -> str:
    """A short, safe-to-show id of a public key (SHA-256 of the PEM's key, first 16 hex digits)."""
    body = "".join(line for line in public_pem.strip().splitlines() if not line.startswith("-----"))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def current_flow_key(phone: PhoneNumber) -> FlowKey | None:
    return phone.flow_keys.filter(state=FlowKey.State.CURRENT).first()


def generate_flow_key(*, phone: PhoneNumber, actor) -> FlowKey:
    """A new 2048-bit pair for a number that has none (a number with one is rotated instead)."""
    with transaction.atomic():
        PhoneNumber.objects.select_for_update().filter(pk=phone.pk).first()
        if current_flow_key(phone) is not None:
            raise FlowKeyError("The number already has a flow key: rotate it to make a new one.")
        key = _new_key(phone)
        record_audit(actor=actor, action="flow_key.generate", obj=phone, details=_details(key))
    return key


def upload_flow_key(*, phone: PhoneNumber, actor) -> FlowKey:
    """Give Meta the current public key of the number; raises :class:`FlowKeyError` if Meta refuses."""
    key = current_flow_key(phone)
    if key is None:
        raise FlowKeyError("The number has no flow key yet: generate one first.")
    try:
        client_for(phone.account).set_business_public_key(phone_number_id=phone.phone_number_id, pem=key.public_key)
    except CloudApiError as error:
        record_audit(actor=actor, action="flow_key.upload", obj=phone,
                     details={**_details(key), "outcome": "failed", "code": error.code})
        raise FlowKeyError(f"Meta did not take the key. {explain_number_error(error)}") from error
    key.uploaded_at = timezone.now()
    key.save(update_fields=["uploaded_at"])
    record_audit(actor=actor, action="flow_key.upload", obj=phone, details={**_details(key), "outcome": "ok"})
    return key


def rotate_flow_key(*, phone: PhoneNumber, actor) -> FlowKey:
    """A new current key; the old one becomes ``retiring`` (still decrypts) until it is retired.

    A key already retiring from an earlier rotation is retired now: at most two keys decrypt. The new
    key is uploaded right away; if Meta refuses, it stays current (not uploaded) and the old one still works.
    """
    with transaction.atomic():
        PhoneNumber.objects.select_for_update().filter(pk=phone.pk).first()
        old = current_flow_key(phone)
        if old is None:
            raise FlowKeyError("The number has no flow key to rotate: generate one.")
        now = timezone.now()
        phone.flow_keys.filter(state=FlowKey.State.RETIRING).update(state=FlowKey.State.RETIRED, retired_at=now)
        old.state = FlowKey.State.RETIRING
        old.save(update_fields=["state"])
        key = _new_key(phone)
        record_audit(actor=actor, action="flow_key.rotate", obj=phone,
                     details={**_details(key), "retiring": _details(old)})
    upload_flow_key(phone=phone, actor=actor)
    key.refresh_from_db()
    return key


def retire_flow_key(*, phone: PhoneNumber, actor) -> FlowKey:
    """Stop accepting the retiring key. Refused while Meta has not taken the current one."""
    old = phone.flow_keys.filter(state=FlowKey.State.RETIRING).first()
    if old is None:
        raise FlowKeyError("No key is retiring: nothing to retire.")
    current = current_flow_key(phone)
    if current is None or current.uploaded_at is None:
        raise FlowKeyError("Upload the new key to Meta first: until then, requests still come with the old one.")
    old.state, old.retired_at = FlowKey.State.RETIRED, timezone.now()
    old.save(update_fields=["state", "retired_at"])
    record_audit(actor=actor, action="flow_key.retire", obj=phone, details=_details(old))
    return old


def ensure_flow_key_uploaded(*, phone: PhoneNumber, actor) -> FlowKey:
    """Generate the number's key if it has none, then upload it (``manage.py flow_keys``)."""
    if current_flow_key(phone) is None:
        generate_flow_key(phone=phone, actor=actor)
    return upload_flow_key(phone=phone, actor=actor)


def flow_key_status(*, phone: PhoneNumber) -> FlowKeyStatus:
    """Meta's key for the number and its signature status (``GET …/whatsapp_business_encryption``)."""
    current = current_flow_key(phone)
    try:
        held = client_for(phone.account).get_business_public_key(phone_number_id=phone.phone_number_id)
    except CloudApiError as error:
        return FlowKeyStatus(None, None, False, error=explain_number_error(error))
    matches = bool(current and held.business_public_key
                   and fingerprint(held.business_public_key) == fingerprint(current.public_key))
    return FlowKeyStatus(held.business_public_key, held.signature_status, matches)


# -- for the data endpoint ---------------------------------------------------------------------

# Parsed private keys by (FlowKey id, public key): parsing a PEM (and decrypting it at rest) costs more
# than the request itself. Which keys are accepted is read from the database on every request, so a
# retired key stops working at once; only the parsed object is reused (the public key is part of the
# cache key, so a reused id never brings back another key).
_loaded: dict[tuple[int, str], rsa.RSAPrivateKey] = {}
_loaded_lock = threading.Lock()
_MAX_LOADED = 512


@dataclass(frozen=True)
class EndpointKey:
    key_id: int
    phone_number_id: int  # our PhoneNumber pk
    state: str
    private_key: rsa.RSAPrivateKey


def endpoint_keys(*, account_ids: list[int]) -> list[EndpointKey]:
    """The accepted private keys of these accounts' numbers, current ones first."""
    rows = list(
        FlowKey.objects.filter(phone_number__account_id__in=account_ids, state__in=ACCEPTED_STATES)
        .order_by("state", "-id")  # "current" sorts before "retiring"
        .values_list("pk", "phone_number_id", "state", "public_key")
    )
    missing = [pk for pk, _, _, public in rows if (pk, public) not in _loaded]
    parsed: dict[tuple[int, str], rsa.RSAPrivateKey] = {}
    if missing:
        parsed = {(pk, public): flow_crypto.load_private_key(pem) for pk, public, pem in
                  FlowKey.objects.filter(pk__in=missing).values_list("pk", "public_key", "private_key")}
        with _loaded_lock:
            if len(_loaded) + len(parsed) > _MAX_LOADED:
                _loaded.clear()
            _loaded.update(parsed)
    keys = [(pk, phone_pk, state, parsed.get((pk, public)) or _loaded.get((pk, public)))
            for pk, phone_pk, state, public in rows]
    return [EndpointKey(pk, phone_pk, state, key) for pk, phone_pk, state, key in keys if key is not None]


def _new_key(phone: PhoneNumber) -> FlowKey:
    private = flow_crypto.generate_private_key()
    return FlowKey.objects.create(phone_number=phone, private_key=flow_crypto.private_key_pem(private),
                                  public_key=flow_crypto.public_key_pem(private))


def _details(key: FlowKey) -> dict:
    return {"key": key.pk, "fingerprint": fingerprint(key.public_key)}
