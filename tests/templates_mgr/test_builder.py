"""The builder page: build, preview, save a draft, submit to Meta (faked at the HTTP layer), Meta's
errors on the form, a media header's sample uploaded for a handle, and access."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from responses import matchers

from templates_mgr.models import MessageTemplate

from ..media_samples import jpeg, pdf
from .conftest import APP_ID, GRAPH, TEMPLATES_URL, body_of, builder_data, make_template

pytestmark = pytest.mark.django_db
CREATE = reverse("templates_mgr:template-create")


def _post(client, **changes):
    return client.post(CREATE, builder_data(**changes))


def test_it_shows_the_builder_with_a_preview(client, manager):
    client.force_login(manager)

    response = client.get(CREATE)

    assert response.status_code == 200
    assert 'id="template-preview"' in response.text
    assert 'name="button_9_type"' in response.text


def test_it_submits_a_template_and_shows_it_pending(client, manager, account, meta):
    meta.post(TEMPLATES_URL, json={"id": "5551", "status": "PENDING", "category": "UTILITY"})
    client.force_login(manager)

    response = _post(client, account=account.pk)

    assert response.status_code == 302
    template = MessageTemplate.objects.get(name="order_ready")
    assert (template.status, template.template_id, template.created_by) == ("PENDING", "5551", manager)
    sent = body_of(meta.calls[0])
    assert sent == {
        "name": "order_ready",
        "language": "en_US",
        "category": "UTILITY",
        "parameter_format": "POSITIONAL",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#42"]}},
            {"type": "BODY", "text": "Hi {{1}}, your order {{2}} is ready for pickup.", "example": {"body_text": [["Pablo", "#42"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "Thanks"},
                {"type": "URL", "text": "Track it", "url": "https://shop.example/track/{{1}}", "example": ["42"]},
            ]},
        ],
    }
    change = template.status_changes.get()
    assert (change.new_status, change.source, change.user) == ("PENDING", "user", manager)
    page = client.get(response["Location"]).text
    assert "Submitted order_ready (en_US) to Meta: pending review." in page


def test_it_submits_named_parameters_with_their_examples(client, manager, account, meta):
    meta.post(TEMPLATES_URL, json={"id": "5552", "status": "PENDING", "category": "MARKETING"})
    client.force_login(manager)

    response = _post(
        client, account=account.pk, category="MARKETING", parameter_format="NAMED", header_format="", body_example_1=None,
        body_example_2=None, body_text="Hi {{first_name}}, {{discount}} off today!", body_example_first_name="Pablo",
        body_example_discount="25%",
    )

    assert response.status_code == 302
    body = body_of(meta.calls[0])
    assert body["parameter_format"] == "NAMED"
    assert body["components"][0]["example"] == {"body_text_named_params": [
        {"param_name": "first_name", "example": "Pablo"}, {"param_name": "discount", "example": "25%"},
    ]}


def test_it_uploads_a_media_header_sample_for_its_handle(client, manager, account, meta):
    account.app_id = APP_ID
    account.save()
    meta.post(f"{GRAPH}/{APP_ID}/uploads", json={"id": "upload:SESSION"}, match=[matchers.query_param_matcher(
        {"file_name": "shoe.jpg", "file_length": str(len(jpeg())), "file_type": "image/jpeg"})])
    meta.post(f"{GRAPH}/upload:SESSION", json={"h": "4::aW1hZ2U=:HANDLE"})
    meta.post(TEMPLATES_URL, json={"id": "5553", "status": "PENDING", "category": "MARKETING"})
    client.force_login(manager)

    response = _post(client, account=account.pk, category="MARKETING", header_format="IMAGE", header_text="",
                     header_file=SimpleUploadedFile("shoe.jpg", jpeg(), content_type="image/jpeg"))

    assert response.status_code == 302
    assert meta.calls[1].request.headers["Authorization"] == "OAuth test-access-token"
    header = body_of(meta.calls[2])["components"][0]
    assert header == {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U=:HANDLE"]}}


def test_it_refuses_a_media_header_of_the_wrong_type_on_its_field(client, manager, account, meta):
    client.force_login(manager)

    # The browser calls it a video; its content is a JPEG image, and that is what counts.
    response = _post(client, account=account.pk, header_format="VIDEO",
                     header_file=SimpleUploadedFile("shoe.jpg", jpeg(), content_type="video/mp4"))

    assert response.status_code == 400
    assert "An video header must be video/3gpp, video/mp4; “shoe.jpg” is image/jpeg." in response.text
    assert not meta.calls


def test_it_refuses_a_sample_file_whose_name_lies_about_its_content(client, manager, account, meta):
    client.force_login(manager)

    response = _post(client, account=account.pk, category="MARKETING", header_format="IMAGE", header_text="",
                     header_file=SimpleUploadedFile("shoe.jpg", pdf(), content_type="image/jpeg"))

    assert response.status_code == 400
    assert response.context["form"].errors["header_file"] == [
        "The name says .jpg (JPEG image), but the file is a PDF document. Choose the right file, or rename it to .pdf."]
    assert not meta.calls and not MessageTemplate.objects.exists()


def test_it_shows_each_broken_rule_on_the_form_and_sends_nothing(client, manager, account, meta):
    client.force_login(manager)

    response = _post(client, account=account.pk, name="Order Ready", body_example_2="", button_1_url="track")

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["name"] == ["Use only lowercase letters, digits and underscores, e.g. order_update."]
    assert errors["body_example_2"] == ["Give an example for {{2}}: Meta reviews the template with it."]
    assert errors["button_1_url"] == ["Use an address starting with https:// of at most 2000 characters."]
    assert not meta.calls and not MessageTemplate.objects.exists()


def test_an_error_about_a_button_lands_on_the_row_it_was_typed_in(client, manager, account):
    client.force_login(manager)

    response = _post(client, account=account.pk, button_0_type="", button_0_text="", button_3_type="PHONE_NUMBER",
                     button_3_text="Call", button_3_phone_number="call me")

    assert response.status_code == 400
    assert response.context["form"].errors["button_3_phone_number"][0].startswith("Use digits with the country code")


def test_it_shows_meta_s_refusal_on_the_form(client, manager, account, meta):
    meta.post(TEMPLATES_URL, status=400, json={"error": {
        "message": "Invalid parameter", "type": "OAuthException", "code": 100, "error_subcode": 2388024,
        "error_user_title": "Content in This Language Already Exists",
        "error_data": {"messaging_product": "whatsapp", "details": "There is already en_US content for this template."},
    }})
    client.force_login(manager)

    response = _post(client, account=account.pk)

    assert response.status_code == 400
    assert response.context["form"].errors["language"] == [
        "Meta refused to accept the template: There is already en_US content for this template. (error 100/2388024)"
    ]
    assert not MessageTemplate.objects.exists()


def test_it_says_when_meta_cannot_be_reached(client, manager, account, meta):
    meta.post(TEMPLATES_URL, status=503, body="upstream down")
    client.force_login(manager)

    response = _post(client, account=account.pk)

    assert response.status_code == 400
    assert "Meta could not be reached to accept the template" in response.text


def test_it_saves_a_draft_without_calling_meta(client, manager, account, meta):
    client.force_login(manager)

    response = _post(client, account=account.pk, action="draft", body_example_2="")

    assert response.status_code == 302
    draft = MessageTemplate.objects.get()
    assert (draft.status, draft.template_id, draft.created_by) == ("DRAFT", None, manager)
    assert not meta.calls


def test_the_preview_button_redraws_the_bubble_with_the_examples(client, manager, account):
    client.force_login(manager)

    response = _post(client, account=account.pk, action="preview", body_text="Hello {{1}}, it is {{2}} here.",
                     body_example_1="Ana", body_example_2="sunny")

    assert response.status_code == 200
    assert "Hello Ana, it is sunny here." in response.text
    assert 'name="body_example_2"' in response.text


def test_it_refuses_a_name_and_language_already_in_use(client, manager, account, meta):
    make_template(account, "order_ready", status="APPROVED")
    client.force_login(manager)

    response = _post(client, account=account.pk)

    assert response.status_code == 400
    assert "There is already an en_US template named order_ready (approved)" in response.context["form"].errors["name"][0]


def test_it_builds_for_an_account_the_user_may_access_only(client, manager, foreign_manager, account):
    client.force_login(foreign_manager)

    response = _post(client, account=account.pk)

    assert response.status_code == 400
    assert "Select a valid choice" in response.context["form"].errors["account"][0]


def test_the_builder_needs_a_login_and_the_permission(client, operator):
    assert client.get(CREATE)["Location"].startswith(reverse("login"))
    client.force_login(operator)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, builder_data()).status_code == 403


def test_it_submits_a_saved_draft(client, manager, account, meta):
    draft = make_template(account, "later", status="DRAFT", created_by=manager)
    meta.post(TEMPLATES_URL, json={"id": "777", "status": "PENDING", "category": "UTILITY"})
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-submit", args=[draft.pk]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.template_id) == ("PENDING", "777")
    assert json.loads(meta.calls[0].request.body)["name"] == "later"


def test_submitting_a_broken_draft_shows_the_rules_it_breaks(client, manager, account, meta):
    draft = make_template(account, "later", status="DRAFT", components=[{"type": "BODY", "text": "Hi {{1}}, ok"}])
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-submit", args=[draft.pk]))

    assert response.status_code == 400
    assert "Examples: Give an example for {{1}}: Meta reviews the template with it." in response.text
    assert not meta.calls


def test_a_stranger_cannot_submit_our_draft(client, foreign_manager, account):
    draft = make_template(account, "later", status="DRAFT")
    client.force_login(foreign_manager)

    assert client.post(reverse("templates_mgr:template-submit", args=[draft.pk])).status_code == 404


def test_an_empty_post_is_refused_with_the_messages(client, manager, account):
    client.force_login(manager)

    response = client.post(CREATE, {})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["Give the template a name."]
