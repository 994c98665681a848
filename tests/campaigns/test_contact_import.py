"""Contact import: every kind of row in the report, the default region, merges, attributes,
labels, opt-outs, and all-or-nothing writes."""

import io

import pytest
from django.db import connection

from accounts.models import AuditEntry
from campaigns.models import ContactImport
from campaigns.services.contact_import import import_contacts
from messaging.models import Contact, ContactEvent, Label

pytestmark = pytest.mark.django_db


def _import(account, text: str | bytes, *, region: str = "GB", user=None, check_only=False, name="people.csv"):
    raw = text.encode() if isinstance(text, str) else text
    return import_contacts(account=account, file=io.BytesIO(raw), filename=name, region=region, user=user,
                           check_only=check_only)


def _report(record) -> dict[int, tuple[str, str]]:
    return {row["line"]: (row["outcome"], row["reason"]) for row in record.report}


def test_it_imports_numbers_with_and_without_country_code_in_the_default_region(account):
    record = _import(account, "phone,name\n+44 7700 900123,Ana\n07700 900456,Ben\n0033 6 12 34 56 78,Chloé\n")

    assert (record.state, record.rows, record.imported, record.refused) == ("imported", 3, 3, 0)
    assert set(Contact.objects.filter(account=account).values_list("wa_id", "name")) == {
        ("447700900123", "Ana"), ("447700900456", "Ben"), ("33612345678", "Chloé")}


def test_without_a_default_region_a_national_number_is_refused_with_the_reason(account):
    record = _import(account, "phone\n07700 900456\n+447700900123\n", region="")

    report = _report(record)
    assert report[2] == ("refused", "“07700 900456” has no country code and the import has no default region.")
    assert report[3][0] == "imported"


def test_each_kind_of_bad_row_is_refused_with_its_reason(account):
    long_name = "x" * 201
    record = _import(account, (
        "phone,name,tags,opted_out,city\n"
        ",Nobody,,,\n"                      # 2 empty number
        "hello,Text,,,\n"                   # 3 not a number
        "0770,Short,,,\n"                   # 4 too few digits
        f"07700900001,{long_name},,,\n"     # 5 name too long
        "07700900002,Ok,,maybe,\n"          # 6 opted_out neither yes nor no
        "07700900003,Ok,,,Leeds,extra\n"    # 7 more values than columns
        f"07700900004,Ok,{'t' * 51},,\n"    # 8 tag too long
        f"07700900005,Ok,,,{'c' * 501}\n"   # 9 attribute too long
        "07700900006,Fine,,,\n"             # 10 fine
    ))

    report = _report(record)
    assert report[2] == ("refused", "No phone number.")
    assert report[3] == ("refused", "“hello” is not a phone number.")
    assert report[4] == ("refused", "“0770” has the wrong number of digits for GB (the default region).")
    assert report[5] == ("refused", "The name is longer than 200 characters.")
    assert report[6] == ("refused", "opted_out is “maybe”: write yes or no.")
    assert report[7][0] == "refused" and "6 values but the first line names 5 columns" in report[7][1]
    assert report[8][0] == "refused" and "longer than 50 characters" in report[8][1]
    assert report[9] == ("refused", "The value of city is longer than 500 characters.")
    assert report[10] == ("imported", "")
    assert (record.imported, record.refused) == (1, 8)
    assert list(Contact.objects.values_list("wa_id", flat=True)) == ["447700900006"]


def test_duplicates_in_the_file_and_existing_contacts_are_merged(account):
    Contact.objects.create(account=account, wa_id="447700900123", name="Old name", attributes={"city": "York", "plan": "gold"})
    record = _import(account, (
        "Phone Number,Name,City,Tags\n"
        "+447700900123,Ana,Leeds,vip\n"
        "07700900456,Ben,,new\n"
        "+44 7700 900456,,Bath,vip; new\n"
    ))

    report = _report(record)
    assert report[2] == ("merged", "Already a contact: attributes updated.")
    assert report[3] == ("imported", "")
    assert report[4] == ("merged", "Same number as line 3: merged into it.")
    assert (record.imported, record.merged) == (1, 2)
    ana = Contact.objects.get(wa_id="447700900123")
    assert (ana.name, ana.attributes) == ("Ana", {"city": "Leeds", "plan": "gold"})
    ben = Contact.objects.get(wa_id="447700900456")
    assert (ben.name, ben.attributes) == ("Ben", {"city": "Bath"})
    assert sorted(ben.labels.values_list("name", flat=True)) == ["new", "vip"]
    assert Label.objects.filter(account=account).count() == 2


def test_unknown_columns_become_attributes_under_clean_names(account):
    _import(account, "wa_id,First Name,Loyalty-Tier,e-mail\n447700900123,Ana,Gold,ana@example.com\n")

    contact = Contact.objects.get()
    assert contact.attributes == {"first_name": "Ana", "loyalty_tier": "Gold", "e_mail": "ana@example.com"}


def test_opted_out_rows_are_opted_out_with_the_import_on_their_timeline(account):
    record = _import(account, "number,opted_out\n+447700900123,yes\n+447700900456,no\n")

    stopped = Contact.objects.get(wa_id="447700900123")
    assert stopped.opted_out and not Contact.objects.get(wa_id="447700900456").opted_out
    event = stopped.events.get()
    assert (event.kind, event.source, event.details) == ("marketing_stop", "import", {"contact_import": record.pk})


def test_an_import_never_opts_a_contact_back_in(account):
    Contact.objects.create(account=account, wa_id="447700900123", opted_out=True)

    _import(account, "phone,opted_out\n+447700900123,no\n")

    assert Contact.objects.get().opted_out


@pytest.mark.parametrize(("content", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "Not a CSV file: it holds binary data"),
    ("phone\n+447700900123,Caf\xe9\n".encode("latin-1"), "Not UTF-8 text"),
    (b"", "The file is empty"),
    (b"name,city\nAna,Leeds\n", "No phone number column"),
    (b"phone\n", "The file has a header line but no rows."),
    (b"phone,,city\n1,2,3\n", "Column 2 has no name"),
])
def test_a_file_that_cannot_be_read_is_refused_whole_with_the_reason(account, content, reason):
    record = _import(account, content)

    assert record.state == "refused" and reason in record.reason
    assert not Contact.objects.exists()


def test_too_many_rows_refuses_the_whole_file(account, settings):
    settings.CONTACT_IMPORT_MAX_ROWS = 2
    record = _import(account, "phone\n+447700900001\n+447700900002\n+447700900003\n")

    assert record.state == "refused" and "More than 2 rows" in record.reason
    assert not Contact.objects.exists()


def test_a_file_over_the_size_limit_is_refused(account, settings):
    settings.CONTACT_IMPORT_MAX_BYTES = 10

    class Upload(io.BytesIO):
        size = 11

    record = import_contacts(account=account, file=Upload(b"phone\n+447700900001\n"), filename="big.csv", region="",
                             user=None)
    assert record.state == "refused" and "CONTACT_IMPORT_MAX_BYTES" in record.reason


def test_check_only_reports_and_writes_no_contact(account):
    record = _import(account, "phone\n+447700900123\n", check_only=True)

    assert (record.state, record.imported) == ("checked", 1)
    assert not Contact.objects.exists()


def test_a_database_error_midway_writes_nothing(account):
    """All or nothing: the database refuses one label link, and no contact of the file stays."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION refuse_label() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'refused by the database'; END $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER refuse_label BEFORE INSERT ON messaging_contact_labels "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_label()")
        else:
            cursor.execute("CREATE TRIGGER refuse_label BEFORE INSERT ON messaging_contact_labels "
                           "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END")
    with pytest.raises(Exception, match="refused by the database"):
        _import(account, "phone,tags\n+447700900123,vip\n+447700900456,\n")

    assert not Contact.objects.exists()
    assert not ContactImport.objects.exists()


def test_an_import_is_audited_with_its_counts(account, django_user_model):
    user = django_user_model.objects.create_user(username="ada")
    record = _import(account, "phone\n+447700900123\nnope\n", user=user)

    entry = AuditEntry.objects.get(action="contact_import.imported")
    assert entry.actor_id == user.pk and entry.details["imported"] == 1 and entry.details["refused"] == 1
    assert record.created_by == user


def test_a_byte_order_mark_and_semicolon_tags_are_understood(account):
    _import(account, "\ufeffphone,tags\n+447700900123,\"a;b,c\"\n".encode())

    assert sorted(Contact.objects.get().labels.values_list("name", flat=True)) == ["a", "b", "c"]
    assert not ContactEvent.objects.exists()
