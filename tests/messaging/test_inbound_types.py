"""Every inbound message type, from Meta's real payloads to the row and the thread an operator reads.

One short test per payload file (zulip style), then the behaviour of each type.
"""

import html

import pytest

from messaging.models import Contact, ContactEvent, Conversation, Flow, FlowResponse, Message, WebhookEvent

from .. import factories
from ..conftest import load_fixture

pytestmark = pytest.mark.django_db

PYWA_PHONE = "1122334455667"  # pywa's payloads
BINDA_PHONE = "409552778964973"  # whatsapp-business-java-api's payloads
BINDA_PHONE_2 = "1111111111111"
CUSTOMER = "972987654321"  # pywa's customer


@pytest.fixture
def pywa_phone(add_phone):
    return add_phone(PYWA_PHONE, "972123456789")


def _first_message(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]["messages"][0]


def _post(post_webhook, payload) -> WebhookEvent:
    assert post_webhook(payload).status_code == 200
    event = WebhookEvent.objects.order_by("-pk").first()
    assert event.state == WebhookEvent.State.PROCESSED, event.error
    return event


def _text(read_thread, message: Message) -> str:
    return html.unescape(read_thread(message.conversation))


def _pywa_text(wamid: str, body: str, timestamp: str = "1697044000") -> dict:
    payload = load_fixture("webhook_message_text_reply_context.json")
    message = _first_message(payload)
    del message["context"]
    message.update(id=wamid, timestamp=timestamp, text={"body": body})
    return payload


# --- one test per payload file ---------------------------------------------------------------


def test_it_shows_a_text_message_in_the_thread(post_webhook, phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_text.json"))

    message = Message.objects.get()
    assert "Does it come in another color?" in _text(read_thread, message)


def test_it_links_a_reply_to_the_message_it_quotes(post_webhook, pywa_phone, read_thread):
    conv = factories.conversation(pywa_phone, wa_id=CUSTOMER)
    factories.outbound(conv, wamid="wamid.xyzxyz==", body="Which colour would you like?")

    _post(post_webhook, load_fixture("webhook_message_text_reply_context.json"))

    reply = Message.objects.get(wamid="wamid.xyzxyz")
    assert reply.context_wamid == "wamid.xyzxyz=="
    assert "In reply to: Which colour would you like?" in _text(read_thread, reply)


def test_it_keeps_an_image_for_the_media_library(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_image.json"))

    message = Message.objects.get()
    assert message.type == "image"
    assert message.payload == {"mime_type": "image/jpeg", "sha256": "4654+8g=", "id": "65463453"}
    assert "[image]" in _text(read_thread, message)


def test_it_keeps_the_url_meta_sends_with_an_image(post_webhook, pywa_phone):
    _post(post_webhook, load_fixture("webhook_message_image_with_url.json"))

    assert Message.objects.get().payload["url"].startswith("https://lookaside.fbsbx.com/")


def test_it_shows_a_video_with_its_caption(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE)
    _post(post_webhook, load_fixture("webhook_message_video.json"))

    message = Message.objects.get()
    assert message.payload["id"] == "661828760183585" and message.payload["mime_type"] == "video/mp4"
    assert "[video] hello world" in _text(read_thread, message)


def test_it_shows_a_voice_note(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE_2)
    _post(post_webhook, load_fixture("webhook_message_audio_voice.json"))

    message = Message.objects.get()
    assert message.payload["voice"] is True and message.payload["id"] == "827776106019109"
    assert "[voice note]" in _text(read_thread, message)


def test_it_shows_a_document_by_its_filename(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE_2)
    _post(post_webhook, load_fixture("webhook_message_document.json"))

    message = Message.objects.get()
    assert message.payload["sha256"] == "mu/J5jGsroQM3Tbn4c6StBJG4C4glbTi8gT4jhRHSt0="
    assert message.text == "4_641947.pdf"
    assert "[document] 4_641947.pdf" in _text(read_thread, message)


def test_it_shows_a_sticker(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE)
    _post(post_webhook, load_fixture("webhook_message_sticker.json"))

    message = Message.objects.get()
    assert message.payload["animated"] is False
    assert "[sticker]" in _text(read_thread, message)


def test_it_shows_a_location_with_its_coordinates(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_location.json"))

    message = Message.objects.get()
    assert message.payload["latitude"] == 37.4611978
    page = _text(read_thread, message)
    assert "📍 Facebook HQ — 1 Hacker Way, Menlo Park, CA 94025 (37.4611978, -122.2164385)" in page
    assert "Forwarded" in page


def test_it_shows_shared_contact_cards_by_name(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_contacts.json"))

    message = Message.objects.get()
    assert len(message.payload) == 3
    assert message.text == "Chandler Bing, Monica, Rachel Green"
    page = _text(read_thread, message)
    assert "Chandler Bing · +1 555-555-5555" in page and "Rachel Green" in page


def test_it_shows_the_title_of_a_reply_button(post_webhook, phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_interactive_button_reply.json"))

    message = Message.objects.get()
    assert message.context_wamid == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA"
    assert message.payload["button_reply"] == {"id": "cancel-button", "title": "Cancel"}
    assert "Chose “Cancel”" in _text(read_thread, message)


def test_it_shows_a_list_reply_with_the_message_it_answers(post_webhook, pywa_phone, read_thread):
    conv = factories.conversation(pywa_phone, wa_id=CUSTOMER)
    factories.outbound(conv, wamid="wamid.xyzxyz", body="Pick a delivery slot")

    _post(post_webhook, load_fixture("webhook_message_interactive_list_reply.json"))

    message = Message.objects.get(wamid="wamid.zyzxyz")
    assert message.payload["list_reply"]["id"] == "callback_data"
    page = _text(read_thread, message)
    assert "Chose “title” — description" in page
    assert "In reply to: Pick a delivery slot" in page


def test_it_shows_a_template_quick_reply_tap(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE)
    _post(post_webhook, load_fixture("webhook_message_button_quick_reply.json"))

    message = Message.objects.get()
    assert message.payload == {"payload": "SIM", "text": "SIM"}
    assert "Tapped “SIM”" in _text(read_thread, message)


def test_it_keeps_a_flow_completion_as_a_flow_response(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_interactive_nfm_reply.json"))

    response = FlowResponse.objects.get()
    assert response.flow_token == "AQAAAAACS5FpgQ_cAAAAAD0QI3s."
    assert response.response["delivery_rating"] == "4"
    assert response.contact.wa_id == CUSTOMER
    page = _text(read_thread, response.message)
    assert "Flow completed" in page and "comment_text" in page and "Comment Text" in page


def test_it_shows_an_order_with_its_items(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_order.json"))

    message = Message.objects.get()
    assert message.payload["catalog_id"] == "354160437058781"
    page = _text(read_thread, message)
    assert "🛒 Order" in page and "3 × HAMBURGER at 30 ILS" in page and "2 × SODA at 10 ILS" in page


def test_it_keeps_the_ad_a_conversation_started_from(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_referral.json"))

    message = Message.objects.get()
    assert message.referral["ctwa_clid"] == "CTWA_CLID"
    page = _text(read_thread, message)
    assert "From an ad: AD_TITLE — AD_DESCRIPTION" in page and "BODY" in page


def test_it_shows_why_a_message_is_unsupported(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE)
    _post(post_webhook, load_fixture("webhook_message_unsupported.json"))

    message = Message.objects.get()
    assert (message.error_code, message.error_title) == (131051, "Message type unknown")
    assert message.errors[0]["error_data"]["details"] == "Message type is currently not supported."
    page = _text(read_thread, message)
    assert "[unsupported message] Message type unknown" in page
    assert "Message type is currently not supported. (error 131051)" in page


def test_it_keeps_a_reaction_to_a_message_we_do_not_have(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE)
    _post(post_webhook, load_fixture("webhook_message_reaction.json"))  # it names itself as its target

    reaction = Message.objects.get()
    assert reaction.type == "reaction" and reaction.target is None
    assert "Reacted 👍 to a message not in this conversation" in _text(read_thread, reaction)


def test_it_keeps_a_removed_reaction_to_a_message_we_do_not_have(post_webhook, pywa_phone):
    _post(post_webhook, load_fixture("webhook_message_reaction_removed.json"))

    assert Message.objects.get().target_wamid == "wamid.yzxyzx="


def test_it_moves_the_contact_to_their_new_number(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, _pywa_text("wamid.before", "Hi, it's me"))

    _post(post_webhook, load_fixture("webhook_message_system_user_changed_number.json"))

    contact = Contact.objects.get()
    assert contact.wa_id == "972912345678"
    assert contact.conversations.get().messages.count() == 2
    event = contact.events.get(kind=ContactEvent.Kind.NUMBER_CHANGED)
    assert event.detail == "+972987654321 → +972912345678"
    page = _text(read_thread, Message.objects.get(type="system"))
    assert "User A changed from 972987654321 to 972912345678" in page and "Hi, it's me" in page


def test_it_applies_an_edit_to_the_original_text(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, _pywa_text("wamid.zzzzzz", "Text befor edit"))

    _post(post_webhook, load_fixture("webhook_message_edit.json"))

    original = Message.objects.get(wamid="wamid.zzzzzz")
    assert original.text == "Text was edited"
    assert original.edited_at is not None
    assert original.previous_versions[0]["text"] == "Text befor edit"
    assert Message.objects.get(wamid="wamid.yyyyyy").target == original
    page = _text(read_thread, original)
    assert "Text was edited" in page and "Edited" in page and "Before: Text befor edit" in page
    assert page.count('<li class="bubble ') == 1  # the edit is not a bubble of its own


def test_it_marks_a_revoked_message_deleted(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, _pywa_text("wamid.zzzzzz", "Oops, wrong chat"))

    _post(post_webhook, load_fixture("webhook_message_revoke.json"))

    original = Message.objects.get(wamid="wamid.zzzzzz")
    assert original.revoked_at is not None
    page = _text(read_thread, original)
    assert "This message was deleted" in page and "Oops, wrong chat" not in page


def test_it_keeps_the_message_and_records_value_errors_for_the_account(post_webhook, pywa_phone):
    from accounts.models import AccountEvent

    _post(post_webhook, load_fixture("webhook_messages_value_errors.json"))

    assert Message.objects.get().type == "interactive"
    event = AccountEvent.objects.get()
    assert (event.field, event.event, event.title) == ("messages", "131000", "Something went wrong")
    assert event.severity == AccountEvent.Severity.WARNING and event.active
    assert event.details["error_data"]["details"] == "Unsupported webhook payload"
    assert event.phone_number == pywa_phone


# --- behaviour of each type ------------------------------------------------------------------


def _reaction(wamid: str, target: str, emoji: str | None, timestamp: str) -> dict:
    payload = load_fixture("webhook_message_reaction_removed.json")
    message = _first_message(payload)
    message.update(id=wamid, timestamp=timestamp, reaction={"message_id": target, "emoji": emoji})
    if emoji is None:
        del message["reaction"]["emoji"]
    return payload


@pytest.fixture
def our_message(pywa_phone):
    conv = factories.conversation(pywa_phone, wa_id=CUSTOMER)
    return factories.outbound(conv, wamid="wamid.yzxyzx=", body="Your order has shipped")


def test_it_shows_a_reaction_on_the_bubble_it_reacts_to(post_webhook, our_message, read_thread):
    _post(post_webhook, _reaction("wamid.r1", "wamid.yzxyzx=", "😮", "1697044400"))

    our_message.refresh_from_db()
    assert our_message.reactions == {CUSTOMER: "😮"}
    page = _text(read_thread, our_message)
    assert '<span class="reaction">😮</span>' in page
    assert page.count('<li class="bubble ') == 1  # the reaction row is kept but shown on its target


def test_it_removes_a_reaction_when_the_emoji_is_empty(post_webhook, our_message):
    _post(post_webhook, _reaction("wamid.r1", "wamid.yzxyzx=", "😮", "1697044400"))
    _post(post_webhook, load_fixture("webhook_message_reaction_removed.json"))  # 56 s later, emoji ""

    our_message.refresh_from_db()
    assert our_message.reactions == {}
    assert Message.objects.filter(type="reaction").count() == 2


def test_it_removes_a_reaction_when_the_emoji_is_missing(post_webhook, our_message):
    _post(post_webhook, _reaction("wamid.r1", "wamid.yzxyzx=", "😮", "1697044400"))
    _post(post_webhook, _reaction("wamid.r2", "wamid.yzxyzx=", None, "1697044500"))

    our_message.refresh_from_db()
    assert our_message.reactions == {}


def test_a_late_older_reaction_does_not_replace_a_newer_one(post_webhook, our_message):
    _post(post_webhook, load_fixture("webhook_message_reaction_removed.json"))  # at …456: removed
    _post(post_webhook, _reaction("wamid.r1", "wamid.yzxyzx=", "😮", "1697044400"))  # older, arrives late

    our_message.refresh_from_db()
    assert our_message.reactions == {}


def test_it_applies_a_reaction_that_arrived_before_its_message(post_webhook, pywa_phone):
    _post(post_webhook, _reaction("wamid.r1", "wamid.early", "🙏", "1697044400"))
    _post(post_webhook, _pywa_text("wamid.early", "Thanks!", timestamp="1697044300"))

    assert Message.objects.get(wamid="wamid.early").reactions == {CUSTOMER: "🙏"}


def test_a_customer_cannot_react_in_someone_elses_conversation(post_webhook, pywa_phone):
    other = factories.conversation(pywa_phone, wa_id="4915112345678", name="Other")
    theirs = factories.outbound(other, wamid="wamid.theirs")

    _post(post_webhook, _reaction("wamid.r1", "wamid.theirs", "👎", "1697044400"))

    theirs.refresh_from_db()
    assert theirs.reactions == {}
    assert Message.objects.get(wamid="wamid.r1").target is None


def test_it_applies_an_edit_that_arrived_before_its_original(post_webhook, pywa_phone):
    _post(post_webhook, load_fixture("webhook_message_edit.json"))
    assert Message.objects.get(wamid="wamid.yyyyyy").target is None

    _post(post_webhook, _pywa_text("wamid.zzzzzz", "Text befor edit", timestamp="1697044900"))

    assert Message.objects.get(wamid="wamid.zzzzzz").text == "Text was edited"


def test_it_finds_the_original_of_an_edit_through_its_context(post_webhook, pywa_phone):
    _post(post_webhook, _pywa_text("wamid.zzzzzz", "Helo"))
    payload = load_fixture("webhook_message_edit.json")
    edit = _first_message(payload)
    del edit["edit"]["original_message_id"]
    edit["context"] = {"id": "wamid.zzzzzz"}

    _post(post_webhook, payload)

    assert Message.objects.get(wamid="wamid.zzzzzz").text == "Text was edited"


def test_it_applies_an_edit_of_a_caption(post_webhook, pywa_phone):
    image = load_fixture("webhook_message_image.json")
    _first_message(image).update(id="wamid.zzzzzz", timestamp="1697044000")
    _post(post_webhook, image)
    payload = load_fixture("webhook_message_edit.json")
    _first_message(payload)["edit"]["message"] = {"type": "image", "image": {"caption": "caption", "id": "65463453"}}

    _post(post_webhook, payload)

    original = Message.objects.get(wamid="wamid.zzzzzz")
    assert original.text == "caption"
    assert original.payload["caption"] == "caption" and original.payload["sha256"] == "4654+8g="


def test_it_shows_a_revoke_of_a_message_we_do_not_have(post_webhook, pywa_phone, read_thread):
    _post(post_webhook, load_fixture("webhook_message_revoke.json"))

    revoke = Message.objects.get()
    assert revoke.target_wamid == "wamid.zzzzzz"
    assert "Deleted a message not in this conversation" in _text(read_thread, revoke)


def test_a_changed_number_merges_into_the_contact_who_already_has_it(post_webhook, pywa_phone):
    _post(post_webhook, _pywa_text("wamid.old", "From my old phone", timestamp="1697044000"))
    new_payload = _pywa_text("wamid.new", "From my new phone", timestamp="1697045000")
    _first_message(new_payload)["from"] = "972912345678"
    new_payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "972912345678"
    _post(post_webhook, new_payload)
    Contact.objects.filter(wa_id=CUSTOMER).update(opted_out=True)

    _post(post_webhook, load_fixture("webhook_message_system_user_changed_number.json"))

    new = Contact.objects.get(wa_id="972912345678")
    conversation = Conversation.objects.get()
    assert conversation.contact == new
    assert set(conversation.messages.values_list("wamid", flat=True)) == {"wamid.old", "wamid.new", "wamid.xyzxyz=="}
    assert new.opted_out  # the opt-out follows the person
    old = Contact.objects.get(wa_id=CUSTOMER)  # kept, empty, with the change on its timeline
    assert not old.conversations.exists()
    assert old.events.get().kind == ContactEvent.Kind.NUMBER_CHANGED
    assert new.events.get().detail == "+972987654321 → +972912345678"


def test_it_links_a_flow_response_to_the_flow_it_answers(post_webhook, pywa_phone):
    flow = Flow.objects.create(account=pywa_phone.account, flow_id="6627390910605886", name="Feedback")
    conv = factories.conversation(pywa_phone, wa_id=CUSTOMER)
    Message.objects.create(
        conversation=conv, wamid="wamid.gvwegfretge==", direction="out", type="interactive", status="read",
        payload={"type": "flow", "action": {"name": "flow", "parameters": {"flow_id": flow.flow_id}}},
    )

    _post(post_webhook, load_fixture("webhook_message_interactive_nfm_reply.json"))

    assert FlowResponse.objects.get().flow == flow


def test_a_flow_response_that_is_not_json_is_kept_raw(post_webhook, pywa_phone, read_thread):
    payload = load_fixture("webhook_message_interactive_nfm_reply.json")
    _first_message(payload)["interactive"]["nfm_reply"]["response_json"] = '{"flow_token": "abc", broken'

    _post(post_webhook, payload)

    response = FlowResponse.objects.get()
    assert response.raw_response == '{"flow_token": "abc", broken'
    assert response.response == {} and "not JSON" in response.parse_error
    assert "Could not read the response" in _text(read_thread, response.message)


def test_it_keeps_the_older_unknown_type_with_its_reason(post_webhook, add_phone, read_thread):
    add_phone(BINDA_PHONE)
    payload = load_fixture("webhook_message_unsupported.json")
    _first_message(payload)["type"] = "unknown"

    _post(post_webhook, payload)

    message = Message.objects.get()
    assert message.type == "unknown" and message.error_code == 131051
    assert "[unsupported message] Message type unknown" in _text(read_thread, message)


def test_it_stores_a_type_it_has_never_seen_without_an_error(post_webhook, pywa_phone, read_thread):
    payload = _pywa_text("wamid.poll", "")
    message = _first_message(payload)
    del message["text"]
    message.update(type="poll", poll={"question": "Lunch?", "options": ["Pizza", "Sushi"]})

    _post(post_webhook, payload)

    stored = Message.objects.get()
    assert (stored.type, stored.payload["question"]) == ("poll", "Lunch?")
    assert "[poll]" in _text(read_thread, stored)


@pytest.mark.parametrize("body, opted_out", [("STOP", True), ("  unsubscribe \n", True), ("Stop", True)])
def test_a_stop_keyword_opts_the_contact_out_of_marketing(post_webhook, pywa_phone, body, opted_out):
    _post(post_webhook, _pywa_text("wamid.stop", body))

    contact = Contact.objects.get()
    assert contact.opted_out is opted_out
    assert contact.events.get().source == ContactEvent.Source.KEYWORD


def test_start_resumes_marketing_after_stop(post_webhook, pywa_phone):
    _post(post_webhook, _pywa_text("wamid.stop", "STOP", timestamp="1697044000"))
    _post(post_webhook, _pywa_text("wamid.start", "start", timestamp="1697045000"))

    contact = Contact.objects.get()
    assert contact.opted_out is False and contact.opted_out_at is None
    assert contact.events.count() == 2


def test_a_sentence_containing_stop_changes_nothing(post_webhook, pywa_phone):
    _post(post_webhook, _pywa_text("wamid.x", "Please stop the delivery"))

    contact = Contact.objects.get()
    assert not contact.opted_out and not contact.events.exists()


def test_a_reaction_we_sent_reads_as_ours(pywa_phone, read_thread):
    conv = factories.conversation(pywa_phone, wa_id=CUSTOMER)
    ours = Message.objects.create(
        conversation=conv, direction="out", type="reaction", status="sent",
        payload={"message_id": "wamid.theirs", "emoji": "👍"},
    )

    page = _text(read_thread, ours)

    assert "Reacted 👍" in page and "not in this conversation" not in page


def test_it_links_a_flow_response_to_a_flow_sent_by_name(post_webhook, pywa_phone):
    flow = Flow.objects.create(account=pywa_phone.account, flow_id="6627390910605886", name="feedback_survey")
    conv = factories.conversation(pywa_phone, wa_id=CUSTOMER)
    Message.objects.create(
        conversation=conv, wamid="wamid.gvwegfretge==", direction="out", type="interactive", status="read",
        payload={"type": "flow", "action": {"name": "flow", "parameters": {"flow_name": "feedback_survey"}}},
    )

    _post(post_webhook, load_fixture("webhook_message_interactive_nfm_reply.json"))

    assert FlowResponse.objects.get().flow == flow
