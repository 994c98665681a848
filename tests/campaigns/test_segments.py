"""Segments: each rule, validation in words, one query, and the pages (live count, sample)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry
from campaigns.models import Segment
from campaigns.services.segments import contacts_in, validate_rules
from messaging.models import Contact, Label

from .. import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(phone):
    vip = Label.objects.create(account=phone.account, name="VIP")
    ana = factories.conversation(phone, wa_id="447700900001", name="Ana", wrote_ago=timedelta(days=2)).contact
    ben = factories.conversation(phone, wa_id="447700900002", name="Ben", wrote_ago=timedelta(days=40)).contact
    cat = Contact.objects.create(account=phone.account, wa_id="447700900003", name="Cat", opted_out=True)
    ana.attributes = {"city": "Leeds", "plan": "gold"}
    ana.save()
    ben.attributes = {"city": "York", "plan": ""}
    ben.save()
    ana.labels.add(vip)
    cat.labels.add(vip)
    return {"vip": vip, "ana": ana, "ben": ben, "cat": cat}


def _names(account, rules) -> set[str]:
    segment = Segment(account=account, name="s", rules=validate_rules(account=account, rules=rules))
    return set(contacts_in(segment).values_list("name", flat=True))


def test_each_rule_selects_what_it_says(phone, people):
    account, vip = phone.account, people["vip"].pk
    assert _names(account, [{"type": "label", "label": vip}]) == {"Ana", "Cat"}
    assert _names(account, [{"type": "no_label", "label": vip}]) == {"Ben"}
    assert _names(account, [{"type": "attribute", "name": "city", "op": "equals", "value": "leeds"}]) == {"Ana"}
    assert _names(account, [{"type": "attribute", "name": "city", "op": "contains", "value": "OR"}]) == {"Ben"}
    assert _names(account, [{"type": "attribute", "name": "plan", "op": "is_set"}]) == {"Ana"}
    assert _names(account, [{"type": "attribute", "name": "plan", "op": "is_empty"}]) == {"Ben", "Cat"}
    assert _names(account, [{"type": "wrote_within", "days": 30}]) == {"Ana"}
    assert _names(account, [{"type": "opted_in"}]) == {"Ana", "Ben"}
    assert _names(account, [{"type": "label", "label": vip}, {"type": "opted_in"}]) == {"Ana"}
    assert _names(account, []) == {"Ana", "Ben", "Cat"}


def test_a_segment_is_one_query_whatever_its_rules(phone, people):
    rules = [{"type": "label", "label": people["vip"].pk}, {"type": "wrote_within", "days": 5},
             {"type": "attribute", "name": "city", "op": "equals", "value": "Leeds"}, {"type": "opted_in"}]
    segment = Segment.objects.create(account=phone.account, name="s", rules=rules)

    with CaptureQueriesContext(connection) as queries:
        assert [c.name for c in contacts_in(segment)] == ["Ana"]
    assert len(queries) == 1


def test_bad_rules_are_refused_rule_by_rule_in_words(phone, people):
    with pytest.raises(ValidationError) as refused:
        validate_rules(account=phone.account, rules=[
            {"type": "label"},
            {"type": "label", "label": 999999},
            {"type": "attribute", "name": "city", "op": "equals"},
            {"type": "attribute", "name": "1st", "op": "is_set"},
            {"type": "wrote_within", "days": 0},
            {"type": "anything"},
        ])
    assert refused.value.messages == [
        "Rule 1: choose a label.",
        "Rule 2: that label is not one of this account's (deleted?).",
        "Rule 3: give the value city equals.",
        "Rule 4: The attribute name “1st” may hold only letters, digits and _, and must start with a letter.",
        "Rule 5: the number of days must be between 1 and 3650.",
        "Rule 6: choose one of: has label, has not label, attribute, wrote in the last n days, opted in to marketing.",
    ]


def test_an_unknown_stored_rule_never_widens_a_segment(phone):
    with pytest.raises(ValueError):
        contacts_in(Segment(account=phone.account, name="s", rules=[{"type": "future"}])).count()


def _rule_post(**rows) -> dict:
    data = {"rule-TOTAL_FORMS": str(len(rows)), "rule-INITIAL_FORMS": "0"}
    for index, fields in rows.items():
        for key, value in fields.items():
            data[f"rule-{index[1:]}-{key}"] = value
    return data


def test_an_administrator_creates_edits_and_deletes_a_segment(client, administrator, phone, people):
    client.force_login(administrator)
    data = {"account": phone.account.pk, "name": "Leeds VIPs",
            **_rule_post(r0={"type": "label", "label": people["vip"].pk},
                         r1={"type": "attribute", "name": "city", "op": "equals", "value": "Leeds"},
                         r2={"type": ""})}

    response = client.post(reverse("audiences:segment-create"), data)

    segment = Segment.objects.get()
    assert response.status_code == 302 and response.url == reverse("audiences:segment-edit", args=[segment.pk])
    assert segment.rules == [{"type": "label", "label": people["vip"].pk},
                             {"type": "attribute", "name": "city", "op": "equals", "value": "Leeds"}]
    page = client.get(response.url).content.decode()
    assert 'id="segment-count">1<' in page and "Ana" in page
    listed = client.get(reverse("audiences:segment-list")).content.decode()
    assert "has label VIP; city equals “Leeds”" in listed

    client.post(reverse("audiences:segment-delete", args=[segment.pk]))
    assert not Segment.objects.exists()
    actions = AuditEntry.objects.filter(action__startswith="segment.").order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["segment.create", "segment.delete"]


def test_the_live_preview_counts_and_samples_without_saving(client, administrator, phone, people):
    client.force_login(administrator)

    response = client.post(reverse("audiences:segment-preview"),
                           {"account": phone.account.pk, **_rule_post(r0={"type": "opted_in"})})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="segment-count">2<' in body and "Ana" in body and "Cat" not in body
    assert not Segment.objects.exists()


def test_a_bad_rule_on_the_page_says_what_is_wrong(client, administrator, phone, people):
    client.force_login(administrator)

    response = client.post(reverse("audiences:segment-create"), {
        "account": phone.account.pk, "name": "Broken", **_rule_post(r0={"type": "wrote_within"})})

    assert response.status_code == 400
    assert "Rule 1: give a number of days." in response.content.decode()
    assert not Segment.objects.exists()


def test_a_duplicate_name_is_refused_in_words(client, administrator, phone):
    Segment.objects.create(account=phone.account, name="All")
    client.force_login(administrator)

    response = client.post(reverse("audiences:segment-create"), {"account": phone.account.pk, "name": "All",
                                                                 **_rule_post()})

    assert response.status_code == 400 and "already has a segment called “All”" in response.content.decode()
