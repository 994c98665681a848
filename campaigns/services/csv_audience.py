"""A campaign's audience from a CSV file (the command line's ``--csv``): its contacts are created or
updated, tagged with a label of their own, and the campaign's segment is "tagged with it".

``import_contacts_for_campaign`` is the one place the file is read. It is a minimal importer kept
until the audiences' CSV import (``campaigns/services/contact_import.py``, with its per-row report)
is merged; then it should call that importer instead, and nothing else changes.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from django.db import transaction

from accounts.models import BusinessAccount
from messaging.models import Contact, Label

from ..models import Segment

PHONE_COLUMNS = ("phone", "wa_id", "phone_number", "number", "mobile", "whatsapp")
MAX_ROWS = 200_000


@dataclass
class ImportReport:
    contacts: list[Contact] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    region: str = ""


class ImportRefused(Exception):
    """The file as a whole can't be used (missing, not CSV, no phone column): nothing was written."""


def import_contacts_for_campaign(account: BusinessAccount, path: str | Path, region: str) -> ImportReport:
    """Create or update ``account``'s contacts from the CSV at ``path``: numbers normalised with
    ``region`` as the default country (a number with ``+`` keeps its own), a ``name`` column as the
    name, every other column an attribute. Rows with a bad number are reported, not imported."""
    region = (region or "").upper()
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ImportRefused(f"{region!r} is not a country code (use an ISO code such as GB or IN).")
    rows = _read(Path(path))
    report, seen = ImportReport(region=region), {}
    for line, row in rows:
        try:
            wa_id = _wa_id(row.pop("_phone"), region)
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
            continue
        name = (row.pop("name", "") or "").strip()
        attributes = {key: value.strip() for key, value in row.items() if key and value and value.strip()}
        merged = seen.setdefault(wa_id, {"name": "", "attributes": {}})  # duplicates merge, later rows win
        merged["name"] = name or merged["name"]
        merged["attributes"].update(attributes)
    with transaction.atomic():
        for wa_id, data in seen.items():
            contact, created = Contact.objects.get_or_create(account=account, wa_id=wa_id,
                                                             defaults={"name": data["name"]})
            attributes = {**(contact.attributes or {}), **data["attributes"]}
            if not created and (attributes != contact.attributes or (data["name"] and not contact.name)):
                contact.attributes, contact.name = attributes, contact.name or data["name"]
                contact.save(update_fields=["attributes", "name", "updated_at"])
            elif created and attributes:
                contact.attributes = attributes
                contact.save(update_fields=["attributes"])
            report.contacts.append(contact)
    return report


def segment_for_import(*, account: BusinessAccount, name: str, contacts: list[Contact], user=None) -> Segment:
    """A label for the imported contacts and the segment of everyone carrying it."""
    base = f"Import: {name}"[:44]
    label_name, n = base, 1
    while Label.objects.filter(account=account, name=label_name).exists():
        n += 1
        label_name = f"{base} ({n})"
    with transaction.atomic():
        label = Label.objects.create(account=account, name=label_name)
        label.contacts.add(*contacts)
        segment_name, n = f"Campaign import: {name}"[:90], 1
        while Segment.objects.filter(account=account, name=segment_name).exists():
            n += 1
            segment_name = f"Campaign import: {name} ({n})"[:100]
        return Segment.objects.create(account=account, name=segment_name, rules=[{"type": "label", "label": label.pk}],
                                      created_by=user if getattr(user, "is_authenticated", False) else None)


def _read(path: Path) -> list[tuple[int, dict]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportRefused(f"No file at {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"{path} can't be read as UTF-8 text ({exc.__class__.__name__}).") from None
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    phone = next((c for c in PHONE_COLUMNS if c in columns), None)
    if phone is None:
        raise ImportRefused(f"The file needs a phone column (one of: {', '.join(PHONE_COLUMNS)}).")
    rows = []
    for index, raw in enumerate(reader, start=2):
        if index > MAX_ROWS + 1:
            raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows; split it.")
        row = {(k or "").strip().lower(): (v if isinstance(v, str) else "") for k, v in raw.items()}
        row["_phone"] = row.pop(phone, "")
        rows.append((index, row))
    return rows


def _wa_id(raw: str, region: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise ValueError("no phone number")
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"“{text}” is not a phone number" + ("" if region else " (no + and no --region)")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"“{text}” is not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
