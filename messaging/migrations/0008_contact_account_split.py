"""Contacts per business account, step 2 of 3: split each shared contact by account.

A contact row stays with the account of its oldest conversation; every other account it has a
conversation with (or that signed one of its timeline events) gets a copy, and that account's
conversations, flow responses and events move to the copy. Events go with the account that
signed their webhook event, else stay with the row's account. Notes stay with the oldest
conversation's account (copies start with none). The opt-out of each row is re-read from its
own timeline; one with no stop/resume history at all is kept on every row (not knowing whose
it was, nobody markets to them). A contact with no conversation goes to the account of its first signed event,
else to the first account; with no account at all it cannot belong anywhere and is deleted.
Prints what it split and where the notes went.
"""

from django.db import migrations

_STOP, _RESUME = "marketing_stop", "marketing_resume"


def split_contacts(apps, schema_editor):
    Contact = apps.get_model("messaging", "Contact")
    Conversation = apps.get_model("messaging", "Conversation")
    ContactEvent = apps.get_model("messaging", "ContactEvent")
    FlowResponse = apps.get_model("messaging", "FlowResponse")
    BusinessAccount = apps.get_model("accounts", "BusinessAccount")
    names = dict(BusinessAccount.objects.values_list("pk", "name"))
    first_account = min(names) if names else None
    orphans = []
    for contact in Contact.objects.filter(account__isnull=True).order_by("pk"):
        ordered = _accounts_of(contact, Conversation, ContactEvent)
        home = ordered[0] if ordered else first_account
        if home is None:
            orphans.append(contact)
            continue
        contact.account_id = home
        contact.save(update_fields=["account"])
        had_history = ContactEvent.objects.filter(contact=contact, kind__in=[_STOP, _RESUME]).exists()
        rows = [contact] + [
            _copy_for(contact, account_id, Contact, Conversation, ContactEvent, FlowResponse)
            for account_id in ordered[1:]
        ]
        if had_history:
            for row in rows:
                _reapply_opt_out(row, ContactEvent)
        if len(ordered) > 1:
            where = ", ".join(f"{names[pk]} (#{pk})" for pk in ordered)
            notes = f"notes kept at {names[home]} (#{home})" if contact.notes else "no notes"
            print(f"  Split contact +{contact.wa_id} into {len(ordered)} accounts: {where}; {notes}.")
    if orphans:
        Contact.objects.filter(pk__in=[c.pk for c in orphans]).delete()
        listed = ", ".join(f"+{c.wa_id}" for c in orphans[:20])
        print(f"  Deleted {len(orphans)} contacts with no business account to belong to: {listed}.")


def _accounts_of(contact, Conversation, ContactEvent) -> list[int]:
    """The accounts ``contact`` belongs to: its conversations' (oldest first), then its events' signers'."""
    conversations = (
        Conversation.objects.filter(contact=contact)
        .order_by("created_at", "pk")
        .values_list("phone_number__account_id", flat=True)
    )
    signers = (
        ContactEvent.objects.filter(contact=contact, webhook_event__account__isnull=False)
        .order_by("occurred_at", "pk")
        .values_list("webhook_event__account_id", flat=True)
    )
    return list(dict.fromkeys([*conversations, *signers]))


def _copy_for(contact, account_id, Contact, Conversation, ContactEvent, FlowResponse):
    # An opt-out with no history behind it cannot be traced to an account: every copy keeps it.
    copy = Contact.objects.create(
        account_id=account_id, wa_id=contact.wa_id, name=contact.name, notes="",
        opted_out=contact.opted_out, opted_out_at=contact.opted_out_at,
    )
    Contact.objects.filter(pk=copy.pk).update(created_at=contact.created_at)
    Conversation.objects.filter(contact=contact, phone_number__account_id=account_id).update(contact=copy)
    FlowResponse.objects.filter(contact=contact, message__conversation__contact=copy).update(contact=copy)
    ContactEvent.objects.filter(contact=contact, webhook_event__account_id=account_id).update(contact=copy)
    return copy


def _reapply_opt_out(contact, ContactEvent):
    """The row's opt-out from the newest stop/resume on its own timeline (none: subscribed)."""
    newest = (
        ContactEvent.objects.filter(contact=contact, kind__in=[_STOP, _RESUME]).order_by("-occurred_at", "-id").first()
    )
    stop = newest is not None and newest.kind == _STOP
    contact.opted_out = stop
    contact.opted_out_at = newest.occurred_at if stop else None
    contact.save(update_fields=["opted_out", "opted_out_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0007_contact_account_add"),
    ]

    # Going back is a no-op: 0009's reverse refuses while any WhatsApp id is split.
    operations = [migrations.RunPython(split_contacts, migrations.RunPython.noop)]
