"""Templates against the Cloud API simulator, whole: every header and button type is built in the
builder, submitted, reviewed by the simulator (its signed webhook delivered to us), shown approved
on the board, and sent with parameters the simulator accepts. Then review outcomes, pauses and sync."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.graph import client_for
from messaging.models import Flow, FlowToken, Message
from templates_mgr.models import MessageTemplate
from templates_mgr.services.sync import sync_templates

from ..media_samples import jpeg, mp4, pdf
from .conftest import builder_data

pytestmark = pytest.mark.django_db
CUSTOMER = "16135550123"  # Canada: Meta delivers marketing templates to +1 outside the US
NO_BUTTONS = {f"button_{row}_{attr}": None for row in range(2) for attr in ("type", "text", "url", "example")}
NO_HEADER = {"header_format": "", "header_text": None, "header_example_1": None}
# Real files: the media library checks what the content is, not what the browser says.
JPEG, MP4, PDF = jpeg(), mp4(), pdf()

def _with(**changes) -> dict:
    return {**NO_HEADER, **NO_BUTTONS, **changes}


CASES = {
    "text-header-quick-reply-url-phone": (
        dict(button_2_type="PHONE_NUMBER", button_2_text="Call us", button_2_phone_number="+15550001234"),
        {"header_1": "#7", "body_1": "Ana", "body_2": "#7", "button_1_url": "7"},
    ),
    "named-parameters": (
        dict(parameter_format="NAMED", header_text="Order {{order}}", header_example_1=None, header_example_order="#42",
             body_text="Hi {{first_name}}, order {{order}} is ready.", body_example_1=None, body_example_2=None,
             body_example_first_name="Pablo", body_example_order="#42"),
        {"header_order": "#7", "body_first_name": "Ana", "body_order": "#7", "button_1_url": "7"},
    ),
    # Positional: the simulator wants a parameter_name on a NAMED template's media header (see report).
    "image-header-copy-code": (
        _with(category="MARKETING", header_format="IMAGE", header_file=("shoe.jpg", JPEG, "image/jpeg"),
              button_0_type="COPY_CODE", button_0_example="SAVE25"),
        {"header_media_link": "https://cdn.example/shoe.jpg", "body_1": "Ana", "body_2": "#7", "button_0_coupon_code": "SAVE7"},
    ),
    "video-header-flow": (
        _with(header_format="VIDEO", header_file=("clip.mp4", MP4, "video/mp4"),
             button_0_type="FLOW", button_0_text="Book a visit", button_0_flow_id="1234567890"),
        {"header_media_link": "https://cdn.example/clip.mp4", "body_1": "Ana", "body_2": "#7"},  # the flow token is generated
    ),
    "document-header": (
        _with(header_format="DOCUMENT", header_file=("invoice.pdf", PDF, "application/pdf")),
        {"header_media_file": ("invoice.pdf", PDF, "application/pdf"), "body_1": "Ana", "body_2": "#7"},
    ),
    "location-header": (
        _with(header_format="LOCATION"),
        {"header_location_latitude": "37.48", "header_location_longitude": "-122.15", "header_location_name": "HQ",
         "body_1": "Ana", "body_2": "#7"},
    ),
    "authentication-otp": (
        _with(category="AUTHENTICATION", body_text=None, body_example_1=None, body_example_2=None,
             footer_text=None, add_security_recommendation="on", code_expiration_minutes="10",
             button_0_type="OTP", button_0_text="Copy code", button_0_otp_type="COPY_CODE"),
        {"otp_code": "482913"},
    ),
}


@pytest.fixture
def sim(simulator, account):
    simulator.config.template_review_delay = 0
    account.app_id = simulator.config.app_id
    account.save()
    return simulator


def _files(data: dict) -> dict:
    return {k: SimpleUploadedFile(*v) if isinstance(v, tuple) else v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("case", list(CASES))
def test_every_kind_of_template_goes_from_builder_to_approved_to_sent(
    case, client, manager, operator, account, phone, sim, deliver_webhooks, django_capture_on_commit_callbacks
):
    changes, values = CASES[case]
    name = "t_" + case.replace("-", "_")
    client.force_login(manager)

    # Built and submitted: the simulator validates it as Meta would and answers PENDING.
    response = client.post(reverse("templates_mgr:template-create"), _files(builder_data(name=name, account=account.pk, **changes)))
    assert response.status_code == 302, response.context["form"].errors
    template = MessageTemplate.objects.get(name=name)
    assert template.status == "PENDING"

    # Reviewed: the simulator's signed webhook approves it; the board shows it approved.
    assert 200 in deliver_webhooks(sim)
    template.refresh_from_db()
    assert template.status == "APPROVED"
    board = client.get(reverse("templates_mgr:template-list")).text
    assert name in board.split('id="status-APPROVED"')[1].split("</section>")[0]

    # Sent with parameters: the simulator checks them against the template (132000 otherwise).
    if case == "video-header-flow":  # the button's flow, as a sync of the account's flows would have it
        Flow.objects.create(account=account, flow_id="1234567890", name="Visit", status="PUBLISHED")
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("templates_mgr:conversation-start"), _files({
            "to": "+" + CUSTOMER, "phone_number": phone.pk, "template": template.pk, "client_uuid": str(uuid.uuid4()), **values,
        }))
    assert sent.status_code == 302, sent.context and (sent.context["params"].errors, sent.context["start"].errors)
    message = Message.objects.get()
    assert (message.status, message.error_code) == ("accepted", None)
    [accepted] = sim.sent_messages()
    assert accepted["body"]["template"]["name"] == name
    if case == "video-header-flow":
        [button] = [c for c in accepted["body"]["template"]["components"] if c.get("sub_type") == "flow"]
        token = FlowToken.objects.get()
        assert button["parameters"] == [{"type": "action", "action": {"flow_token": token.token}}]
        assert (token.conversation, token.flow.flow_id) == (message.conversation, "1234567890")


def test_the_simulator_s_rejection_and_pause_reach_the_board_and_the_submitter(
    client, manager, account, sim, deliver_webhooks
):
    client.force_login(manager)
    client.post(reverse("templates_mgr:template-create"), builder_data(name="please_reject_me", account=account.pk))
    client.post(reverse("templates_mgr:template-create"), builder_data(name="to_be_paused", account=account.pk))
    deliver_webhooks(sim)
    paused = MessageTemplate.objects.get(name="to_be_paused")
    sim.pause_template(paused.template_id)
    deliver_webhooks(sim)

    board = client.get(reverse("templates_mgr:template-list")).text

    assert "please_reject_me" in board.split('id="status-REJECTED"')[1].split("</section>")[0]
    assert "FIRST_PAUSE" in board.split('id="status-PAUSED"')[1].split("</section>")[0]
    assert "Your template please_reject_me (en_US) was rejected." in board
    assert "Your template to_be_paused (en_US) was paused by Meta for low quality." in board


def test_sync_finds_what_changed_at_the_simulator_behind_our_back(client, manager, account, sim, deliver_webhooks):
    client.force_login(manager)
    client.post(reverse("templates_mgr:template-create"), builder_data(name="kept", account=account.pk))
    client.post(reverse("templates_mgr:template-create"), builder_data(name="removed", account=account.pk))
    deliver_webhooks(sim)
    kept = MessageTemplate.objects.get(name="kept")
    sim.add_template(name="made_in_manager", components=[{"type": "BODY", "text": "Made elsewhere"}])
    sim.pause_template(kept.template_id)
    client_for(account).delete_template(waba_id=account.waba_id, name="removed")
    sim.take_webhooks()  # lost: only sync can tell us now

    result = sync_templates(account=account)

    rows = {t.name: t for t in MessageTemplate.objects.all()}
    assert rows["made_in_manager"].status == "APPROVED" and rows["hello_world"].status == "APPROVED"
    assert rows["kept"].status == "PAUSED" and rows["kept"].status_changes.filter(source="sync").exists()
    assert rows["removed"].status == "DELETED"
    assert (result.created, result.deleted) == (2, 1)


def test_an_approval_meta_stamped_before_its_answer_reached_us_still_wins(client, manager, account, sim, deliver_webhooks):
    """Meta may decide at once and stamp its webhook while its answer to our submit (or edit) is
    still on the way; here each answer arrives 1.1 s later, so always in a later second."""
    sim.set_faults(answer_latency_ms=1100)
    client.force_login(manager)

    client.post(reverse("templates_mgr:template-create"), builder_data(name="approved_at_once", account=account.pk))
    assert 200 in deliver_webhooks(sim)
    template = MessageTemplate.objects.get(name="approved_at_once")
    assert template.status == "APPROVED"

    edited = {**builder_data(name="approved_at_once", account=account.pk), "body_text": "Hi {{1}}, see you at {{2}}."}
    assert client.post(reverse("templates_mgr:template-edit", args=[template.pk]), edited).status_code == 302
    assert 200 in deliver_webhooks(sim)
    template.refresh_from_db()
    assert template.status == "APPROVED"
    assert [(c.new_status, c.source) for c in template.status_changes.order_by("occurred_at", "id")] == [
        ("PENDING", "user"), ("APPROVED", "webhook"), ("PENDING", "user"), ("APPROVED", "webhook")]
