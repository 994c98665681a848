"""Edit and delete with Meta's rules: which statuses can be edited, an approved template's edit limits
(told before trying), its fixed category; deleting one language or all, with a confirmation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from responses import matchers

from templates_mgr.builder import fields_from_components
from templates_mgr.models import MessageTemplate, TemplateEdit

from .conftest import GRAPH, TEMPLATES_URL, body_of, make_template

pytestmark = pytest.mark.django_db


def _edit_data(template, **changes) -> dict:
    data = {key: value for key, value in fields_from_components(
        template.components, parameter_format=template.parameter_format, category=template.category
    ).items() if value not in (None, False)}
    data.update(category=template.category, parameter_format=template.parameter_format, action="submit")
    data.update(changes)
    return data


def _edits(template, *ages: timedelta) -> None:
    for age in ages:
        TemplateEdit.objects.create(template=template, from_status="APPROVED", edited_at=timezone.now() - age)


@pytest.fixture
def approved(account, manager):
    return make_template(account, "order_update", status="APPROVED", template_id="4242", created_by=manager)


def test_it_sends_an_edit_and_puts_the_template_back_in_review(client, manager, approved, meta):
    meta.post(f"{GRAPH}/4242", json={"success": True})
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-edit", args=[approved.pk]),
                           _edit_data(approved, body_text="Hello {{1}}, order {{2}} has shipped.", body_example_2="#42"))

    assert response.status_code == 302
    assert body_of(meta.calls[0]) == {"components": [
        {"type": "BODY", "text": "Hello {{1}}, order {{2}} has shipped.", "example": {"body_text": [["Pablo", "#42"]]}}
    ]}
    approved.refresh_from_db()
    assert approved.status == "PENDING"
    assert approved.components[0]["text"] == "Hello {{1}}, order {{2}} has shipped."
    edit = approved.edits.get()
    assert (edit.from_status, edit.user) == ("APPROVED", manager)
    change = approved.status_changes.get()
    assert (change.new_status, change.source, change.user, change.details) == ("PENDING", "user", manager, {"action": "edited"})


def test_an_approved_template_edited_today_says_so_before_the_user_tries(client, manager, approved, meta):
    _edits(approved, timedelta(hours=3))
    client.force_login(manager)

    detail = client.get(reverse("templates_mgr:template-detail", args=[approved.pk])).text
    posted = client.post(reverse("templates_mgr:template-edit", args=[approved.pk]), _edit_data(approved))

    assert "<button type=\"button\" class=\"btn\" disabled aria-describedby=\"edit-block\">Edit</button>" in detail
    assert "Meta allows one edit of an approved template per 24 hours" in detail
    assert posted.status_code == 400 and "Meta allows one edit of an approved template per 24 hours" in posted.text
    assert not meta.calls


def test_an_approved_template_may_be_edited_ten_times_in_thirty_days(client, manager, approved):
    _edits(approved, *[timedelta(days=day) for day in range(2, 12)])
    client.force_login(manager)

    page = client.get(reverse("templates_mgr:template-edit", args=[approved.pk])).text

    assert "Meta allows 10 edits of an approved template per 30 days, and this one has had 10." in page
    _edits_older = MessageTemplate.objects.get(pk=approved.pk)
    TemplateEdit.objects.filter(template=_edits_older).order_by("edited_at").first().delete()
    assert "Meta allows 10 edits" not in client.get(reverse("templates_mgr:template-edit", args=[approved.pk])).text


def test_rejected_and_paused_templates_have_no_edit_limit(client, manager, account):
    rejected = make_template(account, "nope", status="REJECTED")
    _edits(rejected, timedelta(hours=1), timedelta(hours=2))
    client.force_login(manager)

    assert 'id="edit-block"' not in client.get(reverse("templates_mgr:template-detail", args=[rejected.pk])).text


@pytest.mark.parametrize("status", ["PENDING", "DISABLED", "IN_APPEAL"])
def test_only_approved_rejected_or_paused_templates_can_be_edited(client, manager, account, status):
    template = make_template(account, "waiting", status=status)
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-edit", args=[template.pk]), _edit_data(template))

    assert response.status_code == 400
    assert "Only approved, rejected or paused templates can be edited" in response.text


def test_the_category_of_an_approved_template_cannot_change(client, manager, approved, meta):
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-edit", args=[approved.pk]), _edit_data(approved, category="MARKETING"))

    assert response.status_code == 400
    assert response.context["form"].errors["category"] == ["The category of an approved template can't be changed (it is Utility)."]
    assert not meta.calls


def test_a_rejected_template_may_change_category(client, manager, account, meta):
    rejected = make_template(account, "nope", status="REJECTED", template_id="77")
    meta.post(f"{GRAPH}/77", json={"success": True})
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-edit", args=[rejected.pk]), _edit_data(rejected, category="MARKETING"))

    assert response.status_code == 302
    assert body_of(meta.calls[0])["category"] == "MARKETING"


def test_meta_s_edit_refusal_shows_on_the_form(client, manager, approved, meta):
    meta.post(f"{GRAPH}/4242", status=400, json={"error": {"message": "(#80007) Rate limit", "code": 80007}})
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-edit", args=[approved.pk]), _edit_data(approved))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()[0].startswith(
        "Meta refused to accept the edit: The business account hit Meta's rate limit"
    )
    assert approved.edits.count() == 0


def test_editing_needs_the_permission_and_the_account(client, operator, foreign_manager, approved):
    url = reverse("templates_mgr:template-edit", args=[approved.pk])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(operator)
    assert client.get(url).status_code == 403
    client.force_login(foreign_manager)
    assert client.get(url).status_code == 404


# Delete ----------------------------------------------------------------------------------------------


@pytest.fixture
def two_languages(account):
    return (
        make_template(account, "welcome", language="en_US", template_id="501"),
        make_template(account, "welcome", language="pt_BR", template_id="502"),
    )


def test_the_confirmation_names_exactly_what_will_go(client, manager, two_languages):
    english, _ = two_languages
    client.force_login(manager)

    one = client.get(reverse("templates_mgr:template-delete", args=[english.pk]), {"scope": "one"}).text
    every = client.get(reverse("templates_mgr:template-delete", args=[english.pk]), {"scope": "all"}).text

    assert "Only this language will be deleted" in one and "pt_BR" not in one.split("delete-targets")[1].split("</ul>")[0]
    assert "Every language of welcome will be deleted" in every
    assert "Delete 2 templates" in every


def test_it_deletes_one_language_by_its_id(client, manager, two_languages, meta):
    english, portuguese = two_languages
    meta.delete(TEMPLATES_URL, json={"success": True}, match=[matchers.query_param_matcher({"name": "welcome", "hsm_id": "501"})])
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-delete", args=[english.pk]), {"scope": "one"}, follow=True)

    assert "Deleted welcome (en_US)." in response.text
    english.refresh_from_db()
    portuguese.refresh_from_db()
    assert (english.status, portuguese.status) == ("DELETED", "APPROVED")
    change = english.status_changes.get()
    assert (change.new_status, change.source, change.user) == ("DELETED", "user", manager)


def test_it_deletes_every_language_of_a_name(client, manager, two_languages, meta):
    meta.delete(TEMPLATES_URL, json={"success": True}, match=[matchers.query_param_matcher({"name": "welcome"})])
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-delete", args=[two_languages[0].pk]), {"scope": "all"})

    assert response.status_code == 302
    assert set(MessageTemplate.objects.values_list("status", flat=True)) == {"DELETED"}


def test_a_disabled_template_cannot_be_deleted(client, manager, account, meta):
    disabled = make_template(account, "bad", status="DISABLED")
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:template-delete", args=[disabled.pk]), {"scope": "one"})

    assert response.status_code == 400
    assert "Meta does not allow deleting disabled templates: bad (en_US) is disabled." in response.text
    assert not meta.calls


def test_a_draft_is_deleted_here_only(client, manager, account, meta):
    draft = make_template(account, "idea", status="DRAFT")
    client.force_login(manager)

    assert client.post(reverse("templates_mgr:template-delete", args=[draft.pk]), {"scope": "one"}).status_code == 302
    assert not MessageTemplate.objects.exists() and not meta.calls


def test_delete_checks_access_and_scope(client, operator, manager, foreign_manager, two_languages):
    url = reverse("templates_mgr:template-delete", args=[two_languages[0].pk])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(operator)
    assert client.post(url, {"scope": "one"}).status_code == 403
    client.force_login(foreign_manager)
    assert client.post(url, {"scope": "one"}).status_code == 404
    client.force_login(manager)
    response = client.post(url, {"scope": "some"})
    assert response.status_code == 400 and "Choose one language or all languages." in response.text


def test_a_template_the_builder_cannot_show_is_not_edited_here(client, manager, account, meta):
    catalogue = make_template(account, "catalogue", components=[
        {"type": "BODY", "text": "See our catalogue."}, {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View"}]}])
    client.force_login(manager)

    page = client.get(reverse("templates_mgr:template-detail", args=[catalogue.pk])).text
    posted = client.post(reverse("templates_mgr:template-edit", args=[catalogue.pk]), _edit_data(catalogue))

    assert "Its CATALOG button can&#x27;t be edited here; edit it in WhatsApp Manager." in page
    assert posted.status_code == 400 and not meta.calls
