"""The builder guides as the person types: a debounced check against the server's own rules puts
each typed field's error under it; languages are picked by name; template news sits in one area
that goes in one click; a rejection reason is not repeated."""

import pytest
from django.urls import reverse

from templates_mgr.models import TemplateNotice

from .conftest import builder_data, make_template

pytestmark = pytest.mark.django_db
VALIDATE = reverse("templates_mgr:template-validate")


def _errors_of(text: str, field: str) -> str:
    return text.split(f'id="errors-{field}"')[1].split("</div>")[0]


def test_it_checks_meta_s_rules_while_typing_and_puts_each_error_under_its_field(client, manager, account):
    client.force_login(manager)

    answer = client.post(VALIDATE, {"account": account.pk, "name": "Order Ready", "category": "UTILITY",
                                    "body_text": "Hi {{1}}", "footer_text": "x" * 61, "button_0_type": "URL",
                                    "button_0_text": "Track", "button_0_url": "track"})

    assert answer.status_code == 200
    assert "Use only lowercase letters, digits and underscores" in _errors_of(answer.text, "name")
    assert "60" in _errors_of(answer.text, "footer_text")
    assert "https://" in _errors_of(answer.text, "button_0_url")
    assert 'hx-swap-oob="true"' in answer.text
    # A field not typed yet (the example for {{1}}, the header) is not flagged yet.
    assert "error" not in _errors_of(answer.text, "header_text")


def test_a_fixed_field_clears_its_error(client, manager, account):
    client.force_login(manager)

    answer = client.post(VALIDATE, builder_data(account=account.pk))

    assert answer.status_code == 200 and 'class="error"' not in answer.text


def test_the_check_needs_the_builder_permission(client, operator, account):
    assert client.post(VALIDATE, {"name": "x"}).status_code == 302  # to the login page
    client.force_login(operator)
    assert client.post(VALIDATE, {"name": "x"}).status_code == 403
    assert client.get(VALIDATE).status_code == 405


def test_the_builder_picks_languages_by_name_and_checks_typing_via_htmx(client, manager):
    client.force_login(manager)

    page = client.get(reverse("templates_mgr:template-create")).text

    assert '<option value="en_US" selected>English (US) — en_US</option>' in page
    assert '<option value="pt_BR">Portuguese (BR) — pt_BR</option>' in page
    assert f'hx-post="{VALIDATE}"' in page and 'hx-trigger="input delay:500ms, change"' in page


def test_template_news_stacks_in_one_area_dismissed_at_once(client, manager, account):
    template = make_template(account, "promo")
    for status in ("APPROVED", "PAUSED", "REJECTED"):
        TemplateNotice.objects.create(user=manager, template=template, status=status, text=f"promo news {status}")
    client.force_login(manager)

    page = client.get(reverse("templates_mgr:template-list")).text
    assert page.count('class="notice-stack"') == 1 and "3 template updates" in page

    client.post(reverse("templates_mgr:notice-dismiss-all"), HTTP_HX_REQUEST="true")
    assert "notice-stack" not in client.get(reverse("templates_mgr:template-list")).text


def test_a_rejection_reason_meta_repeats_is_shown_once(client, manager, account):
    template = make_template(account, "bad", status="REJECTED", rejected_reason="INVALID_FORMAT",
                             rejection_explanation="INVALID_FORMAT")
    client.force_login(manager)

    for url in (reverse("templates_mgr:template-detail", args=[template.pk]), reverse("templates_mgr:template-list")):
        page = client.get(url).text
        assert "<strong>INVALID_FORMAT</strong>" in page and "</strong>: INVALID_FORMAT" not in page
