"""Contact import: a CSV into one business account's contacts, with the outcome of every row.

Numbers are normalised with ``phonenumbers``: with their country code (``+44…``, ``0044…``) as they
are, without it in the import's default region, and refused with the reason when neither works.
A number twice in the file, or already a contact, is merged (attributes updated, labels added);
columns other than the number, ``name``, ``tags`` and ``opted_out`` are kept as attributes. The
file is read as a stream, written in bulk and all at once (nothing half-written); a file that is
not a UTF-8 CSV, or too big (``CONTACT_IMPORT_MAX_BYTES`` / ``CONTACT_IMPORT_MAX_ROWS``), is
refused whole. Every import leaves a ``ContactImport`` with its report, and an audit entry.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from phonenumbers import geocoder

from accounts.models import BusinessAccount
from accounts.services.audit import record_audit
from messaging.models import Contact, ContactEvent
from messaging.services.contact_profile import ATTRIBUTE_VALUE_MAX, attribute_name
from messaging.services.labels import clean_label_name, label_named
from messaging.services.set_updates import update_from_values

from ..models import ContactImport

PHONE_COLUMNS = ("phone", "wa_id", "number", "phone_number", "mobile", "mobile_number", "msisdn", "whatsapp",
                 "whatsapp_number", "telephone", "tel", "cell")
NAME_COLUMNS = ("name", "full_name", "contact_name")
TAG_COLUMNS = ("tags", "labels", "tag")
OPT_OUT_COLUMNS = ("opted_out", "opt_out", "unsubscribed")
YES = frozenset({"1", "yes", "y", "true", "x", "opted out", "opted_out", "stop"})
NO = frozenset({"", "0", "no", "n", "false"})
NAME_MAX = Contact._meta.get_field("name").max_length
WRITE_BATCH = 500

IMPORTED, MERGED, REFUSED = "imported", "merged", "refused"


class FileRefused(Exception):
    """The whole file is refused (nothing written); the message says why, for the report."""


@dataclass
class _Row:
    line: int
    given: str
    wa_id: str = ""
    outcome: str = ""
    reason: str = ""
    name: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    opted_out: bool = False

    def report(self) -> dict:
        return {"line": self.line, "number": self.given[:40], "wa_id": self.wa_id, "outcome": self.outcome,
                "reason": self.reason}


@dataclass
class _Columns:
    phone: int
    name: int | None
    tags: int | None
    opted_out: int | None
    attributes: dict[int, str]  # column index → attribute name


# Regions the geocoder gives no name for (their example numbers come out nameless): a few small
# territories sharing a neighbour's country code, and Kosovo.
UNNAMED_REGIONS = {"AC": "Ascension Island", "BL": "Saint Barthélemy", "EH": "Western Sahara",
                   "MF": "Saint Martin", "TA": "Tristan da Cunha", "XK": "Kosovo"}


@lru_cache(maxsize=1)
def region_choices() -> list[tuple[str, str]]:
    """Every region ``phonenumbers`` knows, as (code, "United Kingdom (GB, +44)"), by name."""
    choices = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        name = (geocoder.country_name_for_number(example, "en") if example else "") or UNNAMED_REGIONS.get(region)
        code = phonenumbers.country_code_for_region(region)
        choices.append((region, f"{name or region} ({region}, +{code})"))
    return sorted(choices, key=lambda choice: choice[1])


def region_label(region: str) -> str:
    """How a default region is shown: “United Kingdom (GB, +44)”, or that there is none."""
    if not region:
        return "None: every number needs its country code"
    return dict(region_choices()).get(region, region)


def account_region(account: BusinessAccount) -> str:
    """The region of the account's first number, a sensible default for its imports ("" if unknown)."""
    number = account.phone_numbers.order_by("pk").values_list("display_phone_number", flat=True).first()
    digits = re.sub(r"\D", "", number or "")
    if not digits:
        return ""
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return ""
    # A test number (+1 555 …) is in no region; its country code's main region is the best guess.
    return phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code).replace("ZZ", "")


def import_contacts(*, account: BusinessAccount, file, filename: str, region: str, user,
                    check_only: bool = False) -> ContactImport:
    """Read the CSV ``file`` (a binary file object) into ``account``'s contacts; the returned
    ``ContactImport`` holds the report. ``check_only`` reports what would happen and writes no contact.

    A file refused whole (not a CSV, not UTF-8, too big, no number column) writes no contact and
    is reported with the reason; a database error rolls everything back and is raised.
    """
    region = (region or "").upper()
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError({"region": f"“{region}” is not a region phonenumbers knows."})
    record = ContactImport(account=account, created_by=user, filename=(filename or "upload.csv")[:255], region=region)
    try:
        rows = _read(file, region=region)
    except FileRefused as exc:
        record.state, record.reason = ContactImport.State.REFUSED, str(exc)[:500]
        record.save()
        _audit(record, user)
        return record
    plan = _merge(account, rows)
    _count(record, rows)
    if check_only:
        record.state = ContactImport.State.CHECKED
        record.save()
    else:
        with transaction.atomic():
            record.state = ContactImport.State.IMPORTED
            record.save()
            _write(account, record, plan)
    _audit(record, user)
    return record


def _audit(record: ContactImport, user) -> None:
    record_audit(actor=user, action=f"contact_import.{record.state}", obj=record, account=record.account_id,
                 details={"filename": record.filename, "region": record.region, "rows": record.rows,
                          "imported": record.imported, "merged": record.merged, "refused": record.refused},
                 reason=record.reason)


def _count(record: ContactImport, rows: list[_Row]) -> None:
    record.rows = len(rows)
    record.imported = sum(row.outcome == IMPORTED for row in rows)
    record.merged = sum(row.outcome == MERGED for row in rows)
    record.refused = sum(row.outcome == REFUSED for row in rows)
    record.report = [row.report() for row in rows]


# -- reading ---------------------------------------------------------------------------------------


def _read(file, *, region: str) -> list[_Row]:
    size = getattr(file, "size", None)
    if size is not None and size > settings.CONTACT_IMPORT_MAX_BYTES:
        raise FileRefused(f"The file is {size // 1024:,} KB; the most an import takes is "
                          f"{settings.CONTACT_IMPORT_MAX_BYTES // 1024:,} KB (CONTACT_IMPORT_MAX_BYTES). Split it.")
    reader = csv.reader(_lines(file))
    rows: list[_Row] = []
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise FileRefused("The file is empty: the first line must name the columns (e.g. phone,name,tags).")
        columns = _columns(header)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line is nobody
            if len(rows) >= settings.CONTACT_IMPORT_MAX_ROWS:
                raise FileRefused(f"More than {settings.CONTACT_IMPORT_MAX_ROWS:,} rows "
                                  "(CONTACT_IMPORT_MAX_ROWS): split the file.")
            rows.append(_row(reader.line_num, cells, columns, width=len(header), region=region))
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise FileRefused(f"A value near line {reader.line_num} is far too long for a contact.") from None
        raise FileRefused(f"Not a CSV file (line {reader.line_num}: {exc}).") from None
    except UnicodeDecodeError:
        raise FileRefused(f"Not UTF-8 text (near line {reader.line_num + 1}): save the file as “CSV UTF-8” "
                          "and upload it again.") from None
    if not rows:
        raise FileRefused("The file has a header line but no rows.")
    return rows


def _lines(file) -> Iterator[str]:
    """The file's text a line at a time (never read whole), UTF-8 with or without a byte-order mark."""
    raw = getattr(file, "file", file)
    start = raw.read(8192)
    if b"\x00" in start:
        raise FileRefused("Not a CSV file: it holds binary data (a spreadsheet? Export it as CSV UTF-8).")
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
    for line in text:
        if "\x00" in line:
            raise FileRefused("Not a CSV file: it holds binary data (a spreadsheet? Export it as CSV UTF-8).")
        yield line
    text.detach()


def _columns(header: list[str]) -> _Columns:
    names: list[str] = []
    for number, cell in enumerate(header, start=1):
        text = re.sub(r"[^0-9A-Za-z]+", "_", cell.strip()).strip("_").lower()
        if not text:
            raise FileRefused(f"Column {number} has no name: every column of the first line needs one.")
        if text in names:
            raise FileRefused(f"Two columns are called “{cell.strip()}”.")
        names.append(text)
    phone = next((names.index(name) for name in PHONE_COLUMNS if name in names), None)
    if phone is None:
        raise FileRefused("No phone number column: name one of the columns phone, wa_id or number. "
                          f"Columns found: {', '.join(header)[:200]}.")
    special = {phone}
    found = {}
    for key, candidates in (("name", NAME_COLUMNS), ("tags", TAG_COLUMNS), ("opted_out", OPT_OUT_COLUMNS)):
        found[key] = next((names.index(name) for name in candidates if name in names), None)
        special.add(found[key])
    attributes = {}
    for index, name in enumerate(names):
        if index in special:
            continue
        try:
            attributes[index] = attribute_name(name)
        except ValidationError as exc:
            raise FileRefused(f"Column “{header[index].strip()}” cannot be an attribute: {exc.messages[0]}") from None
    return _Columns(phone=phone, attributes=attributes, **found)


def _row(line: int, cells: list[str], columns: _Columns, *, width: int, region: str) -> _Row:
    cell = lambda index: cells[index].strip() if index is not None and index < len(cells) else ""  # noqa: E731
    row = _Row(line=line, given=cell(columns.phone))
    try:
        if len(cells) > width:
            raise ValidationError(f"{len(cells)} values but the first line names {width} columns "
                                  "(a comma inside a value needs quotes).")
        row.wa_id = _wa_id(row.given, region)
        row.name = cell(columns.name)
        if len(row.name) > NAME_MAX:
            raise ValidationError(f"The name is longer than {NAME_MAX} characters.")
        row.tags = [clean_label_name(tag) for tag in re.split(r"[;,]", cell(columns.tags)) if tag.strip()]
        row.opted_out = _yes_no(cell(columns.opted_out))
        for index, name in columns.attributes.items():
            value = cell(index)
            if len(value) > ATTRIBUTE_VALUE_MAX:
                raise ValidationError(f"The value of {name} is longer than {ATTRIBUTE_VALUE_MAX} characters.")
            if value:
                row.attributes[name] = value
    except ValidationError as exc:
        row.outcome, row.reason = REFUSED, exc.messages[0]
    return row


def _wa_id(text: str, region: str) -> str:
    """Digits with country code, or ``ValidationError`` saying what is wrong with the number."""
    if not text:
        raise ValidationError("No phone number.")
    international = text.startswith(("+", "00"))
    if not international and not region:
        raise ValidationError(f"“{text}” has no country code and the import has no default region.")
    candidate = "+" + text[2:] if text.startswith("00") else text
    try:
        number = phonenumbers.parse(candidate, None if international else region)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"“{text[:40]}” is not a phone number.") from None
    # "Local only" (no area code) cannot be dialled from abroad: not a WhatsApp number either.
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        where = "its country" if international else f"{region} (the default region)"
        raise ValidationError(f"“{text[:40]}” has the wrong number of digits for {where}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValidationError(f"opted_out is “{text[:20]}”: write yes or no.")


# -- merging and writing ---------------------------------------------------------------------------


@dataclass
class _Plan:
    new: dict[str, _Row]  # wa_id → the merged row of a new contact
    existing: dict[str, tuple[Contact, _Row]]  # wa_id → (the contact, the merged row)


def _merge(account: BusinessAccount, rows: list[_Row]) -> _Plan:
    """Fold duplicates into their first row and find the contacts that exist; sets each row's outcome."""
    first: dict[str, _Row] = {}
    for row in rows:
        if row.outcome == REFUSED:
            continue
        earlier = first.get(row.wa_id)
        if earlier is None:
            first[row.wa_id] = row
            continue
        row.outcome, row.reason = MERGED, f"Same number as line {earlier.line}: merged into it."
        earlier.name = row.name or earlier.name
        earlier.attributes.update(row.attributes)
        earlier.tags += [tag for tag in row.tags if tag not in earlier.tags]
        earlier.opted_out = earlier.opted_out or row.opted_out
    wa_ids = list(first)
    existing: dict[str, tuple[Contact, _Row]] = {}
    for start in range(0, len(wa_ids), WRITE_BATCH):
        for contact in Contact.objects.filter(account=account, wa_id__in=wa_ids[start:start + WRITE_BATCH]):
            existing[contact.wa_id] = (contact, first[contact.wa_id])
    for wa_id, row in first.items():
        if wa_id in existing:
            row.outcome, row.reason = MERGED, "Already a contact: attributes updated."
        else:
            row.outcome = IMPORTED
    return _Plan(new={wa_id: row for wa_id, row in first.items() if wa_id not in existing}, existing=existing)


def _write(account: BusinessAccount, record: ContactImport, plan: _Plan) -> None:
    now = timezone.now()
    Contact.objects.bulk_create(
        [Contact(account=account, wa_id=wa_id, name=row.name, attributes=row.attributes) for wa_id, row in plan.new.items()],
        batch_size=WRITE_BATCH,
    )
    updates = []
    for contact, row in plan.existing.values():
        attributes = {**(contact.attributes or {}), **row.attributes}
        name = row.name or contact.name
        if attributes != contact.attributes or name != contact.name:
            updates.append((contact.pk, name, attributes, now))
    for start in range(0, len(updates), WRITE_BATCH):
        update_from_values(Contact, columns={"id": "id", "name": "name", "attributes": "attributes", "now": "updated_at"},
                           rows=updates[start:start + WRITE_BATCH],
                           assignments={"name": "v.name", "attributes": "v.attributes", "updated_at": "v.now"})
    rows = {**plan.new, **{wa_id: row for wa_id, (_, row) in plan.existing.items()}}
    ids = _ids(account, list(rows))
    _tag(account, rows, ids)
    _opt_out(record, rows, ids, now)


def _ids(account: BusinessAccount, wa_ids: list[str]) -> dict[str, tuple[int, bool]]:
    """wa_id → (contact id, already opted out), read back after the writes."""
    ids = {}
    for start in range(0, len(wa_ids), WRITE_BATCH):
        chunk = Contact.objects.filter(account=account, wa_id__in=wa_ids[start:start + WRITE_BATCH])
        ids.update((wa_id, (pk, opted)) for wa_id, pk, opted in chunk.values_list("wa_id", "pk", "opted_out"))
    return ids


def _tag(account: BusinessAccount, rows: dict[str, _Row], ids: dict[str, tuple[int, bool]]) -> None:
    labels = {}
    for row in rows.values():
        for name in row.tags:
            if name.lower() not in labels:
                labels[name.lower()] = label_named(account, name)
    # Plain rows, not model instances: building 100,000 through-model objects costs more than the insert.
    links = list({(ids[wa_id][0], labels[name.lower()].pk) for wa_id, row in rows.items() for name in row.tags})
    through = Contact.labels.through._meta
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(through.db_table)} ({quote('contact_id')}, {quote('label_id')}) "
           "VALUES (%s, %s) ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        for start in range(0, len(links), 5000):
            cursor.executemany(sql, links[start:start + 5000])


def _opt_out(record: ContactImport, rows: dict[str, _Row], ids: dict[str, tuple[int, bool]], now) -> None:
    """The file's ``opted_out`` says yes: opt out (an import never opts anybody back in)."""
    stop = [ids[wa_id][0] for wa_id, row in rows.items() if row.opted_out and not ids[wa_id][1]]
    detail = f"Import {record.filename}"[:255]
    ContactEvent.objects.bulk_create(
        [ContactEvent(contact_id=pk, kind=ContactEvent.Kind.MARKETING_STOP, source=ContactEvent.Source.IMPORT,
                      detail=detail, details={"contact_import": record.pk}, occurred_at=now) for pk in stop],
        batch_size=WRITE_BATCH,
    )
    for start in range(0, len(stop), WRITE_BATCH):
        Contact.objects.filter(pk__in=stop[start:start + WRITE_BATCH], opted_out=False).update(
            opted_out=True, opted_out_at=now, updated_at=now)
