"""What a person sees while sending a template and building one, at desktop and phone width: the
send form's live preview (rendered by the server as they type) with the error under the field, a
refused template's disabled Send, and the builder's as-you-type rule check."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Contact, Conversation
from templates_mgr.models import MessageTemplate
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [pytest.param((1440, 900), id="desktop"), pytest.param((390, 844), id="phone")]
COMPONENTS = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#42"]}},
    {"type": "BODY", "text": "Hi {{1}}, order {{2}} is ready.", "example": {"body_text": [["Sheena", "#42"]]}},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {"type": "BUTTONS", "buttons": [
        {"type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}", "example": ["42"]},
        {"type": "COPY_CODE", "example": "SAVE25"},
    ]},
]


@pytest.fixture
def signed_in(browser, live_server, phone, request):
    width, height = request.param
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    user.groups.add(Group.objects.get(name=roles.OPERATOR))
    grant_phone_number(user=user, phone_number=phone)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    log_in(page, live_server.url, "tina", "pw-tina-123")
    yield page
    context.close()


def _template(account, name, category="UTILITY"):
    return MessageTemplate.objects.create(account=account, name=name, language="en_US", category=category,
                                          status="APPROVED", template_id=f"55{len(name)}{category[0]}", components=COMPONENTS)


@pytest.mark.parametrize("signed_in", WIDTHS, indirect=True)
def test_the_send_form_previews_the_message_as_it_is_typed(signed_in, live_server, account, phone):
    page = signed_in
    template = _template(account, "order_ready")
    conversation = Conversation.objects.create(contact=Contact.objects.create(account=phone.account, wa_id="447700900123", name="Ana"), phone_number=phone)

    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    page.wait_for_selector("#send-template option:has-text('order_ready')", state="attached")
    page.select_option("#send-template", str(template.pk))
    preview = page.locator("#send-preview")
    preview.get_by_text("Hi Sheena, order #42 is ready.").wait_for()  # the examples until something is typed
    assert page.get_by_text("Body {{1}} — e.g. Sheena").is_visible()

    page.get_by_label("Body {{1}} — e.g. Sheena").press_sequentially("Ana")
    page.get_by_label("“Track” link ending — e.g. 42").fill("7")
    page.get_by_label("Offer code — e.g. SAVE25").fill("MUCH-TOO-LONG-CODE")

    preview.get_by_text("Hi Ana, order #42 is ready.").wait_for()
    assert "Reply STOP to opt out" in preview.inner_text() and "Order #42" in preview.inner_text()
    preview.get_by_text("https://shop.example/t/7").wait_for()
    error = page.locator("#errors-button_1_coupon_code .error")
    error.wait_for()
    assert "at most 15 characters" in error.inner_text()
    assert page.locator("button[name=send]").is_enabled()


@pytest.mark.parametrize("signed_in", WIDTHS, indirect=True)
def test_a_template_meta_would_refuse_cannot_be_sent_and_says_why(signed_in, live_server, account, phone):
    page = signed_in
    promo = _template(account, "spring_sale", category="MARKETING")
    conversation = Conversation.objects.create(contact=Contact.objects.create(account=phone.account, wa_id="14155550199", name="Sam"), phone_number=phone)

    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    page.wait_for_selector("#send-template option:has-text('spring_sale')", state="attached")
    page.select_option("#send-template", str(promo.pk))

    send = page.locator("button[name=send]")
    send.wait_for()
    assert send.is_disabled()
    assert "no longer delivers marketing templates to US numbers" in page.locator("#send-refusal").inner_text()


@pytest.mark.parametrize("signed_in", WIDTHS, indirect=True)
def test_the_builder_shows_a_broken_rule_under_the_field_while_typing(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/templates/new/")

    page.locator("input[name=name]").press_sequentially("Order Ready")

    error = page.locator("#errors-name .error")
    error.wait_for()  # no submit: the debounced check put it there
    assert "Use only lowercase letters, digits and underscores" in error.inner_text()
    assert error.is_visible()
    page.locator("input[name=name]").fill("order_ready")
    page.locator("#errors-name .error").wait_for(state="detached")
    assert page.url.endswith("/templates/new/")
