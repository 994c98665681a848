"""The data migration that splits contacts shared by several business accounts (issue #12, part B).

Each test migrates the database back to just before the contact-account migrations, builds
rows the old schema allowed (one contact for a customer of several businesses), migrates
forward and checks where every row, note and timeline event went, and what it printed.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.migrations]

T0 = timezone.now() - timedelta(days=30)


def _named(executor, suffix: str) -> tuple[str, str]:
    # By suffix, so the test survives the integrator renumbering the migrations.
    return next(key for key in executor.loader.graph.nodes if key[0] == "messaging" and key[1].endswith(suffix))


def _before(executor) -> list[tuple[str, str]]:
    first = _named(executor, "_contact_account_add")
    return [parent for parent in executor.loader.graph.node_map[first].parents if parent[0] == "messaging"]


@pytest.fixture
def old_schema():
    """Migrates to the state before the split; afterwards back to the newest schema."""
    executor = MigrationExecutor(connection)
    before = _before(executor)
    executor.migrate(before)
    yield MigrationExecutor(connection).loader.project_state(before[0]).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _forward() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _account(apps, name: str, waba_id: str):
    # Only messaging goes back: the accounts tables keep their newest columns (some have no database
    # default), so the rows are made with today's models and read back through the old ones.
    from accounts.models import BusinessAccount, PhoneNumber

    account = BusinessAccount.objects.create(
        name=name, waba_id=waba_id, access_token="t", app_secret=f"{name}-secret", verify_token="v"
    )
    phone = PhoneNumber.objects.create(account=account, phone_number_id=f"{waba_id}01", display_phone_number="1555")
    return (apps.get_model("accounts", "BusinessAccount").objects.get(pk=account.pk),
            apps.get_model("accounts", "PhoneNumber").objects.get(pk=phone.pk))


def _event(apps, contact, *, kind: str, account=None, days: int):
    WebhookEvent = apps.get_model("messaging", "WebhookEvent")
    ContactEvent = apps.get_model("messaging", "ContactEvent")
    webhook = None
    if account is not None:
        webhook = WebhookEvent.objects.create(
            account=account, body="{}", body_sha256=f"{contact.pk:032d}{days:032d}", field="user_preferences"
        )
    return ContactEvent.objects.create(
        contact=contact, kind=kind, source="user_preferences", occurred_at=T0 + timedelta(days=days),
        webhook_event=webhook,
    )


def test_it_splits_a_shared_contact_by_account_and_keeps_the_notes_with_the_oldest_one(old_schema, capsys):
    apps = old_schema
    Contact = apps.get_model("messaging", "Contact")
    Conversation = apps.get_model("messaging", "Conversation")
    first, _ = _account(apps, "First", "100")
    acme, acme_phone = _account(apps, "Acme", "200")
    beta, beta_phone = _account(apps, "Beta", "300")
    shared = Contact.objects.create(wa_id="16505551234", name="Sheena", notes="Prefers mornings", opted_out=True)
    at_acme = Conversation.objects.create(contact=shared, phone_number=acme_phone)
    at_beta = Conversation.objects.create(contact=shared, phone_number=beta_phone)
    Conversation.objects.filter(pk=at_beta.pk).update(created_at=T0)  # Beta's is the oldest
    Conversation.objects.filter(pk=at_acme.pk).update(created_at=T0 + timedelta(days=2))
    acme_stop = _event(apps, shared, kind="marketing_stop", account=acme, days=5)
    unsigned = _event(apps, shared, kind="preference", days=6)
    lonely = Contact.objects.create(wa_id="16505550002")
    _event(apps, lonely, kind="marketing_resume", account=beta, days=1)
    bare = Contact.objects.create(wa_id="16505550003")

    _forward()

    from messaging.models import Contact as Now, ContactEvent, Conversation as NowConversation

    home, copy = Now.objects.get(pk=shared.pk), Now.objects.get(wa_id="16505551234", account_id=acme.pk)
    assert (home.account_id, home.notes, home.opted_out) == (beta.pk, "Prefers mornings", False)
    assert (copy.name, copy.notes, copy.opted_out) == ("Sheena", "", True)
    assert NowConversation.objects.get(pk=at_acme.pk).contact_id == copy.pk
    assert NowConversation.objects.get(pk=at_beta.pk).contact_id == home.pk
    assert ContactEvent.objects.get(pk=acme_stop.pk).contact_id == copy.pk
    assert ContactEvent.objects.get(pk=unsigned.pk).contact_id == home.pk
    assert Now.objects.get(pk=lonely.pk).account_id == beta.pk
    assert Now.objects.get(pk=bare.pk).account_id == first.pk
    printed = capsys.readouterr().out
    assert (
        f"Split contact +16505551234 into 2 accounts: Beta (#{beta.pk}), Acme (#{acme.pk}); "
        f"notes kept at Beta (#{beta.pk})." in printed
    )
    assert "+16505550002" not in printed and "+16505550003" not in printed

    # Going back would make wa_id unique again: refused while a customer is two contacts.
    with pytest.raises(RuntimeError, match="Cannot unapply: 1 WhatsApp ids are contacts of several accounts"):
        MigrationExecutor(connection).migrate(_before(MigrationExecutor(connection)))


def test_with_no_account_at_all_it_deletes_the_contacts_and_says_so(old_schema, capsys):
    old_schema.get_model("messaging", "Contact").objects.create(wa_id="16505550009")

    _forward()

    from messaging.models import Contact as Now

    assert not Now.objects.exists()
    assert "Deleted 1 contacts with no business account to belong to: +16505550009." in capsys.readouterr().out
