"""Sending approved templates with parameters that match them: the payload Meta expects for each
header and button type, refusals (mismatch, not approved, marketing to an opted-out customer), the
console's partial and the new-conversation page, and access."""

import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from media_lib.models import CloudMediaId, MediaAsset
from messaging.models import Contact, Conversation, Flow, FlowToken, Message
from templates_mgr.services.errors import TemplateInvalid
from templates_mgr.services.sending import send_template

from ..conftest import PHONE_NUMBER_ID
from ..media_samples import pdf, png, upload
from .conftest import GRAPH, make_template

pytestmark = pytest.mark.django_db
MESSAGES_URL = f"{GRAPH}/{PHONE_NUMBER_ID}/messages"
CUSTOMER = "16505551234"

RICH = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#42"]}},
    {"type": "BODY", "text": "Hi {{1}}, order {{2}} is ready.", "example": {"body_text": [["Pablo", "#42"]]}},
    {"type": "FOOTER", "text": "Thanks"},
    {"type": "BUTTONS", "buttons": [
        {"type": "QUICK_REPLY", "text": "Ok"},
        {"type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}", "example": ["42"]},
        {"type": "COPY_CODE", "example": "SAVE25"},
        {"type": "FLOW", "text": "Book", "flow_id": "123", "flow_action": "navigate"},
        {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+15550001234"},
    ]},
]


@pytest.fixture
def conversation(phone):
    return Conversation.objects.create(contact=Contact.objects.create(account=phone.account, wa_id=CUSTOMER, name="Sheena"), phone_number=phone)


@pytest.fixture
def sent(meta):
    """What we POST to Meta's messages endpoint, parsed."""
    meta.post(MESSAGES_URL, json={"messaging_product": "whatsapp", "contacts": [{"input": CUSTOMER, "wa_id": CUSTOMER}],
                                  "messages": [{"id": "wamid.TEMPLATE"}]})
    return lambda: [json.loads(call.request.body) for call in meta.calls if call.request.url == MESSAGES_URL]


def _send_url(conversation, **query):
    url = reverse("templates_mgr:conversation-send", args=[conversation.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _post(client, conversation, template, capture, **values):
    with capture(execute=True):
        return client.post(_send_url(conversation), {"template": template.pk, "client_uuid": str(uuid.uuid4()), **values})


def test_it_sends_every_parameter_the_template_has(client, operator, account, conversation, sent, django_capture_on_commit_callbacks):
    template = make_template(account, "order_ready", components=RICH)
    client.force_login(operator)

    flow = Flow.objects.create(account=account, flow_id="123", name="Book", status="PUBLISHED")
    response = _post(client, conversation, template, django_capture_on_commit_callbacks, header_1="#7", body_1="Ana",
                     body_2="#7", button_1_url="7", button_2_coupon_code="SAVE7",
                     button_3_flow_token="typed-tokens-are-ignored")

    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:conversation-detail", args=[conversation.pk])
    [payload] = sent()
    token = FlowToken.objects.get()
    assert payload["type"] == "template" and payload["to"] == "+" + CUSTOMER
    assert payload["template"] == {
        "name": "order_ready",
        "language": {"code": "en_US", "policy": "deterministic"},
        "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "#7"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "#7"}]},
            {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "7"}]},
            {"type": "button", "sub_type": "copy_code", "index": "2", "parameters": [{"type": "coupon_code", "coupon_code": "SAVE7"}]},
            {"type": "button", "sub_type": "flow", "index": "3", "parameters": [{"type": "action", "action": {"flow_token": token.token}}]},
        ],
    }
    message = Message.objects.get()
    # The token is ours: made for this conversation and the button's flow, with the default lifetime.
    assert (token.flow, token.conversation, token.phone_number) == (flow, conversation, conversation.phone_number)
    assert timezone.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timezone.timedelta(days=7)
    assert (message.status, message.type, message.text, message.sent_by) == ("accepted", "template", "Hi Ana, order #7 is ready.", operator)


IMAGE_HEADER = [{"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::x"]}}, {"type": "BODY", "text": "New in!"}]
MEDIA_URL = f"{GRAPH}/{PHONE_NUMBER_ID}/media"


def test_it_sends_a_media_header_by_link_or_by_uploaded_file(client, operator, account, conversation, sent, meta, django_capture_on_commit_callbacks):
    template = make_template(account, "promo", components=IMAGE_HEADER)
    meta.post(MEDIA_URL, json={"id": "media-77"})
    client.force_login(operator)

    _post(client, conversation, template, django_capture_on_commit_callbacks, header_media_link="https://cdn.example/shoe.jpg")
    _post(client, conversation, template, django_capture_on_commit_callbacks,
          header_media_file=upload("shoe.png", png(), "image/png"))

    by_link, by_file = sent()
    assert by_link["template"]["components"] == [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example/shoe.jpg"}}]}]
    assert by_file["template"]["components"] == [{"type": "header", "parameters": [{"type": "image", "image": {"id": "media-77"}}]}]


def test_a_header_file_is_kept_in_the_media_library_and_uploaded_to_meta_by_the_send_task(
    client, operator, account, conversation, sent, meta, django_capture_on_commit_callbacks
):
    template = make_template(account, "promo", components=IMAGE_HEADER)
    meta.post(MEDIA_URL, json={"id": "media-77"})
    client.force_login(operator)

    # The request: the file is checked and stored; nothing goes to Meta yet.
    with django_capture_on_commit_callbacks(execute=False) as delivery:
        response = client.post(_send_url(conversation), {"template": template.pk, "client_uuid": str(uuid.uuid4()),
                                                          "header_media_file": upload("Shoe.png", png(), "image/png")})
    assert response.status_code == 302
    asset = MediaAsset.objects.get()
    assert (asset.kind, asset.mime_type, asset.original_name, asset.created_by) == ("image", "image/png", "Shoe.png", operator)
    message = Message.objects.get()
    assert (message.status, message.media_asset) == ("queued", asset)
    assert len(meta.calls) == 0

    # The send task: the file is uploaded for a media id, then the template goes out with it.
    for callback in delivery:
        callback()
    assert [call.request.url for call in meta.calls] == [MEDIA_URL, MESSAGES_URL]
    assert CloudMediaId.objects.get(asset=asset).media_id == "media-77"
    message.refresh_from_db()
    assert message.status == "accepted"

    # The same file again: the library keeps it once and the media id is reused, not uploaded again.
    _post(client, conversation, template, django_capture_on_commit_callbacks, header_media_file=upload("Shoe.png", png(), "image/png"))
    assert MediaAsset.objects.count() == 1
    assert [call.request.url for call in meta.calls] == [MEDIA_URL, MESSAGES_URL, MESSAGES_URL]
    assert sent()[1]["template"]["components"][0]["parameters"][0] == {"type": "image", "image": {"id": "media-77"}}


def test_a_document_header_carries_the_file_name(account, conversation, operator, sent, meta, django_capture_on_commit_callbacks):
    template = make_template(account, "invoice", components=[
        {"type": "HEADER", "format": "DOCUMENT", "example": {"header_handle": ["4::x"]}}, {"type": "BODY", "text": "Your invoice."}])
    meta.post(MEDIA_URL, json={"id": "media-88"})

    with django_capture_on_commit_callbacks(execute=True):
        send_template(conversation=conversation, template=template, user=operator,
                      values={"header_media": upload("Invoice 42.pdf", pdf(), "application/pdf")})

    assert sent()[0]["template"]["components"] == [{"type": "header", "parameters": [
        {"type": "document", "document": {"id": "media-88", "filename": "Invoice 42.pdf"}}]}]


@pytest.mark.parametrize("name, content, browser_type, reason", [
    ("shoe.jpg", pdf(), "image/jpeg", "The name says .jpg (JPEG image), but the file is a PDF document. Choose the right file, or rename it to .pdf."),
    ("invoice.pdf", pdf(), "image/png", "The header is an image, but “invoice.pdf” is a PDF document."),
])
def test_a_header_file_that_is_not_what_the_header_needs_is_refused_on_the_form(
    client, operator, account, conversation, meta, django_capture_on_commit_callbacks, name, content, browser_type, reason
):
    template = make_template(account, "promo", components=IMAGE_HEADER)
    client.force_login(operator)

    response = _post(client, conversation, template, django_capture_on_commit_callbacks,
                     header_media_file=upload(name, content, browser_type))

    assert response.status_code == 400
    assert response.context["params"].errors["header_media_file"] == [reason]
    assert (Message.objects.count(), MediaAsset.objects.count(), len(meta.calls)) == (0, 0, 0)


def test_it_sends_a_location_header(account, conversation, operator, sent, django_capture_on_commit_callbacks):
    template = make_template(account, "visit", components=[{"type": "HEADER", "format": "LOCATION"}, {"type": "BODY", "text": "See you there."}])

    with django_capture_on_commit_callbacks(execute=True):
        send_template(conversation=conversation, template=template, user=operator,
                      values={"header_location": {"latitude": 37.48, "longitude": -122.15, "name": "HQ"}})

    assert sent()[0]["template"]["components"] == [{"type": "header", "parameters": [
        {"type": "location", "location": {"latitude": 37.48, "longitude": -122.15, "name": "HQ"}}]}]


def test_it_sends_named_parameters_and_authentication_codes(account, conversation, operator, sent, django_capture_on_commit_callbacks):
    named = make_template(account, "named", parameter_format="NAMED", components=[
        {"type": "BODY", "text": "Hi {{first_name}}, see you.", "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ana"}]}}])
    auth = make_template(account, "login_code", category="AUTHENTICATION", components=[
        {"type": "BODY", "add_security_recommendation": True}, {"type": "FOOTER", "code_expiration_minutes": 10},
        {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}]}])

    with django_capture_on_commit_callbacks(execute=True):
        send_template(conversation=conversation, template=named, values={"body_first_name": "Ana"}, user=operator)
        message = send_template(conversation=conversation, template=auth, values={"otp_code": "482913"}, user=operator)

    first, second = sent()
    assert first["template"]["components"] == [{"type": "body", "parameters": [{"type": "text", "text": "Ana", "parameter_name": "first_name"}]}]
    assert second["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]},
    ]
    assert message.text == "482913 is your verification code."


def test_missing_parameters_are_refused_on_their_fields_and_nothing_is_queued(client, operator, account, conversation, meta, django_capture_on_commit_callbacks):
    template = make_template(account, "order_ready", components=RICH)
    client.force_login(operator)

    response = _post(client, conversation, template, django_capture_on_commit_callbacks, header_1="#7", body_1="Ana")

    assert response.status_code == 400
    errors = response.context["params"].errors
    assert errors["body_2"] == ["Give a value for Body {{2}}."]
    assert errors["button_1_url"] == ["Give a value for “Track” link ending."]
    assert not Message.objects.exists() and not meta.calls


def test_the_service_refuses_parameters_that_do_not_match_the_template(account, conversation, operator):
    template = make_template(account, "order_ready")

    with pytest.raises(TemplateInvalid) as refused:
        send_template(conversation=conversation, template=template, values={"body_1": "Ana"}, user=operator)

    assert refused.value.errors == {"body_2": ["Give a value for Body {{2}}."]}
    assert not Message.objects.exists()


@pytest.mark.parametrize("status", ["PENDING", "PAUSED", "REJECTED", "DISABLED"])
def test_only_approved_templates_are_sent(client, operator, account, conversation, status, django_capture_on_commit_callbacks):
    template = make_template(account, "not_yet", status=status)
    client.force_login(operator)

    response = _post(client, conversation, template, django_capture_on_commit_callbacks, body_1="a", body_2="b")

    assert response.status_code == 400
    assert f"not_yet (en_US) can&#x27;t be sent here: it is {template.get_status_display().lower()}" in response.text
    with pytest.raises(TemplateInvalid, match="Only approved templates can be sent"):
        send_template(conversation=conversation, template=template, values={"body_1": "a", "body_2": "b"}, user=operator)
    assert not Message.objects.exists()


def test_marketing_templates_are_not_sent_to_opted_out_customers(client, operator, account, conversation, django_capture_on_commit_callbacks):
    Contact.objects.filter(pk=conversation.contact_id).update(opted_out=True)
    promo = make_template(account, "promo", category="MARKETING")
    client.force_login(operator)

    response = _post(client, conversation, promo, django_capture_on_commit_callbacks, body_1="a", body_2="b")

    assert response.status_code == 400
    assert response.context["params"].non_field_errors() == [
        "Sheena asked not to receive marketing messages, and promo is a marketing template, so it can't be sent. "
        "A utility template can still be sent."
    ]
    assert not Message.objects.exists()
    utility = make_template(account, "receipt", category="UTILITY")
    assert _post(client, conversation, utility, django_capture_on_commit_callbacks, body_1="a", body_2="b").status_code == 302


def test_the_console_partial_offers_the_approved_templates_and_their_form(client, operator, account, conversation):
    approved = make_template(account, "order_ready", components=RICH)
    make_template(account, "waiting", status="PENDING")
    client.force_login(operator)

    picker = client.get(_send_url(conversation), HTTP_HX_REQUEST="true")
    chosen = client.get(_send_url(conversation, template=approved.pk), HTTP_HX_REQUEST="true")
    full = client.get(_send_url(conversation, template=approved.pk))

    assert picker.status_code == 200 and "<html" not in picker.text
    assert "order_ready (en_US)" in picker.text and "waiting" not in picker.text
    assert 'name="body_2"' in chosen.text and 'name="button_1_url"' in chosen.text and 'name="button_3_flow_token"' not in chosen.text  # generated
    assert 'name="button_0' not in chosen.text  # quick replies take nothing
    assert "<html" in full.text and "Send a template to Sheena" in full.text


def test_a_double_submit_queues_once(client, operator, account, conversation, sent, django_capture_on_commit_callbacks):
    template = make_template(account, "hello", components=[{"type": "BODY", "text": "Hello!"}])
    client.force_login(operator)
    data = {"template": template.pk, "client_uuid": str(uuid.uuid4())}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(_send_url(conversation), data)
        client.post(_send_url(conversation), data)

    assert Message.objects.count() == 1


def test_an_htmx_send_redirects_the_console(client, operator, account, conversation, sent, django_capture_on_commit_callbacks):
    template = make_template(account, "hello", components=[{"type": "BODY", "text": "Hello!"}])
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_send_url(conversation), {"template": template.pk, "client_uuid": str(uuid.uuid4())}, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("messaging:conversation-detail", args=[conversation.pk])


def test_sending_into_a_conversation_checks_access_and_input(client, operator, stranger, manager, account, conversation):
    template = make_template(account, "hello")
    url = _send_url(conversation)
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(manager)  # a template manager holds no send permission
    assert client.get(url).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(operator)
    assert client.get(_send_url(conversation, template=999999)).status_code == 404
    bad = client.post(url, {"template": "x"})
    assert bad.status_code == 400 and "Choose an approved template to send." in bad.text
    assert client.post(url, {}).status_code == 400
    assert template


# New conversation ------------------------------------------------------------------------------------

START = reverse("templates_mgr:conversation-start")


def test_it_starts_a_conversation_with_a_template(client, operator, account, phone, sent, django_capture_on_commit_callbacks):
    template = make_template(account, "order_ready")
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"to": "+1 (650) 555-1234", "phone_number": phone.pk, "template": template.pk,
                                       "body_1": "Ana", "body_2": "#7", "client_uuid": str(uuid.uuid4())})

    conversation = Conversation.objects.get()
    assert response["Location"] == reverse("messaging:conversation-detail", args=[conversation.pk])
    assert (conversation.contact.wa_id, conversation.phone_number) == (CUSTOMER, phone)
    assert sent()[0]["to"] == "+" + CUSTOMER


def test_the_new_conversation_page_shows_the_chosen_template_s_fields(client, operator, account):
    template = make_template(account, "order_ready")
    client.force_login(operator)

    page = client.get(START, {"template": template.pk, "to": "+16505551234"}).text

    assert 'name="body_1"' in page and 'value="+16505551234"' in page and "e.g. Pablo" in page


def test_a_bad_phone_number_is_refused_with_a_clear_message(client, operator, account, phone):
    template = make_template(account, "order_ready")
    client.force_login(operator)

    response = client.post(START, {"to": "12", "phone_number": phone.pk, "template": template.pk, "body_1": "a", "body_2": "b",
                                   "client_uuid": str(uuid.uuid4())})

    assert response.status_code == 400
    assert response.context["start"].errors["to"] == ["“12” is not a phone number. Use the country code, e.g. +44 7700 900123."]
    assert not Contact.objects.exists()


def test_starting_a_conversation_checks_access(client, manager, stranger, account, phone):
    template = make_template(account, "order_ready")
    assert client.get(START)["Location"].startswith(reverse("login"))
    client.force_login(manager)
    assert client.get(START).status_code == 403
    client.force_login(stranger)
    assert client.get(START, {"template": template.pk}).status_code == 404
    response = client.post(START, {"to": "+16505551234", "phone_number": phone.pk, "template": template.pk})
    assert response.status_code == 404


def test_a_flow_button_whose_flow_is_unknown_here_is_refused_with_nothing_queued(
    client, operator, account, conversation, sent, django_capture_on_commit_callbacks
):
    template = make_template(account, "order_ready", components=RICH)  # its FLOW button opens flow 123
    client.force_login(operator)

    response = _post(client, conversation, template, django_capture_on_commit_callbacks, header_1="#7", body_1="Ana",
                     body_2="#7", button_1_url="7", button_2_coupon_code="SAVE7")

    assert response.status_code == 400
    assert "opens flow 123, which is not among this account" in response.text
    assert not Message.objects.exists() and not FlowToken.objects.exists() and sent() == []
