"""Webhooks skip the console's middleware (sessions, auth, CSRF, CSP, axes); pages keep all of it."""

import pytest
from django.urls import reverse

from messaging.models import WebhookEvent

from ..conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def test_it_stores_a_webhook_without_sessions_auth_or_page_headers(client, operator, post_webhook, phone):
    client.force_login(operator)  # even a browser's session cookie is not looked at

    response = post_webhook("webhook_message_text.json")

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")
    assert response.cookies == {}  # no session refresh, no CSRF cookie
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers


def test_pages_still_pass_through_every_middleware(client, operator):
    login_page = client.get(reverse("login"))
    assert "Content-Security-Policy" in login_page.headers
    assert login_page.headers["X-Frame-Options"] == "DENY"
    assert hasattr(login_page.wsgi_request, "session")

    client.force_login(operator)
    inbox = client.get(reverse("messaging:inbox"))
    assert inbox.status_code == 200
    assert inbox.wsgi_request.user == operator
    assert "Content-Security-Policy" in inbox.headers


def test_it_refuses_a_bad_signature_and_a_bad_length_on_the_fast_path(post_webhook, phone):
    forged = post_webhook("webhook_message_text.json", secret="not-the-app-secret")
    assert forged.status_code == 403
    assert "Content-Security-Policy" not in forged.headers

    bad_length = post_webhook("webhook_message_text.json", headers={"CONTENT_LENGTH": "12x"})
    assert bad_length.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_other_methods_get_the_full_stack_and_a_405(client, phone):
    response = client.put(reverse("messaging:webhook"), data=b"{}", content_type="application/json")
    assert response.status_code == 405
    assert "Content-Security-Policy" in response.headers


def test_it_refuses_a_host_we_do_not_serve(post_webhook, phone):
    response = post_webhook("webhook_message_text.json", headers={"HTTP_HOST": "attacker.example"})
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_plain_http_is_redirected_to_https_when_production_asks(client, settings, phone):
    from cloudapi.signature import sign

    from ..conftest import APP_SECRET

    settings.SECURE_SSL_REDIRECT = True
    body = fixture_bytes("webhook_message_text.json")
    signed = {"content_type": "application/json", "HTTP_X_HUB_SIGNATURE_256": sign(body, APP_SECRET)}

    plain = client.post(reverse("messaging:webhook"), data=body, **signed)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    assert WebhookEvent.objects.count() == 0

    secure = client.post(reverse("messaging:webhook"), data=body, secure=True, **signed)
    assert secure.status_code == 200
    assert WebhookEvent.objects.count() == 1
