"""Template submit, edit and delete, and a template sent from the console, each write an audit entry
naming the template (name, language, Meta's id), never its text."""

import json

import pytest
from django.urls import reverse
from responses import matchers

from accounts.models import AuditEntry
from messaging.models import Contact, Conversation, Message
from templates_mgr.models import MessageTemplate
from templates_mgr.services.changes import delete_template, edit_template
from templates_mgr.services.sending import send_template
from templates_mgr.services.submit import definition_of

from .conftest import GRAPH, TEMPLATES_URL, builder_data, make_template

pytestmark = pytest.mark.django_db


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _no_text_in_the_log(*texts: str) -> None:
    everything = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert not [text for text in texts if text in everything]


def test_submitting_a_template_is_audited(client, manager, account, meta):
    meta.post(TEMPLATES_URL, json={"id": "5551", "status": "PENDING", "category": "UTILITY"})
    client.force_login(manager)

    assert client.post(reverse("templates_mgr:template-create"), builder_data(account=account.pk)).status_code == 302

    [entry] = _entries("template.submit")
    template = MessageTemplate.objects.get(name="order_ready")
    assert (entry.actor, entry.account_id, entry.object_pk) == (manager, account.pk, str(template.pk))
    assert entry.details == {"name": "order_ready", "language": "en_US", "category": "UTILITY", "template_id": "5551"}
    _no_text_in_the_log("ready for pickup")


def test_editing_a_template_is_audited(manager, account, meta):
    template = make_template(account, "order_update", status="REJECTED", template_id="4242")
    meta.post(f"{GRAPH}/4242", json={"success": True})
    definition = definition_of(template)
    definition.components[0]["text"] = "Hello {{1}}, order {{2}} has shipped."

    edit_template(template=template, definition=definition, user=manager)

    [entry] = _entries("template.edit")
    assert (entry.actor, entry.object_pk, entry.details["template_id"], entry.details["category_changed"]) == (
        manager, str(template.pk), "4242", False)
    _no_text_in_the_log("has shipped")


def test_deleting_every_language_is_audited_per_template(manager, account, meta):
    english = make_template(account, "welcome", language="en_US", template_id="501")
    make_template(account, "welcome", language="pt_BR", template_id="502")
    draft = make_template(account, "welcome", language="fr", status="DRAFT")
    meta.delete(TEMPLATES_URL, json={"success": True}, match=[matchers.query_param_matcher({"name": "welcome"})])

    delete_template(template=english, every_language=True, user=manager)

    entries = _entries("template.delete")
    assert [(e.details["language"], e.details["draft"], e.actor) for e in entries] == [
        ("en_US", False, manager), ("fr", True, manager), ("pt_BR", False, manager)]
    assert all(e.details["every_language"] for e in entries)
    assert not MessageTemplate.objects.filter(pk=draft.pk).exists()  # a draft goes; its entry stays
    assert entries[1].object_label == "welcome (fr)"


def test_a_template_sent_from_the_console_is_audited_as_a_send(operator, account, phone):
    template = make_template(account, "order_ready", components=[{"type": "BODY", "text": "Hi {{1}}, it is ready.",
                                                                   "example": {"body_text": [["Pablo"]]}}])
    conversation = Conversation.objects.create(
        contact=Contact.objects.create(account=account, wa_id="16505551234"), phone_number=phone)

    message = send_template(conversation=conversation, template=template, values={"body_1": "Ana-private"}, user=operator)

    [entry] = _entries("message.send")
    assert (entry.actor, entry.details["message_id"], entry.details["type"]) == (operator, message.pk, "template")
    assert Message.objects.get().text == "Hi Ana-private, it is ready."
    _no_text_in_the_log("Ana-private")
