"""A campaign's audience from a CSV file (the command line's ``--csv``): the contacts go through the
audiences' CSV import (``contact_import``, the same rules and per-row report as the import page),
are tagged with a label of their own, and the campaign's segment is "tagged with it".
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import BusinessAccount
from messaging.models import Contact, Label

from ..models import ContactImport, Segment
from .contact_import import import_contacts


@dataclass
class ImportReport:
    contacts: list[Contact] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    region: str = ""


class ImportRefused(Exception):
    """The file as a whole can't be used (missing, not CSV, no phone column): nothing was written."""


def import_contacts_for_campaign(account: BusinessAccount, path: str | Path, region: str, *, user=None) -> ImportReport:
    """Import the CSV at ``path`` into ``account``'s contacts (numbers without a country code read in
    ``region``); the imported and merged rows' contacts, and each refused row with its reason."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            record = import_contacts(account=account, file=file, filename=path.name, region=region, user=user)
    except FileNotFoundError:
        raise ImportRefused(f"No file at {path}.") from None
    except OSError as exc:
        raise ImportRefused(f"{path} can't be read ({exc.__class__.__name__}).") from None
    except ValidationError as exc:
        raise ImportRefused(" ".join(exc.messages)) from None
    if record.state == ContactImport.State.REFUSED:
        raise ImportRefused(record.reason)
    kept = [row["wa_id"] for row in record.report if row.get("outcome") != "refused" and row.get("wa_id")]
    rejected = [(row["line"], row.get("reason", "")) for row in record.report if row.get("outcome") == "refused"]
    contacts = list(Contact.objects.filter(account=account, wa_id__in=set(kept)).order_by("pk"))
    return ImportReport(contacts=contacts, rejected=rejected, region=record.region)


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

