"""What every page shares: a refused page is one log line (no traceback), and the favicon."""

from __future__ import annotations

import logging

from django.urls import reverse


def test_it_logs_a_refused_page_as_one_line_without_a_traceback(client, no_role_user, caplog):
    client.force_login(no_role_user)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("messaging:inbox"))

    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /"
    assert "Traceback" not in caplog.text and record.exc_info is None


def test_it_logs_a_missing_page_as_one_line_too(client, operator, caplog):
    client.force_login(operator)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("messaging:conversation-detail", args=[999999]))

    assert response.status_code == 404
    assert f"Not Found: {reverse('messaging:conversation-detail', args=[999999])}" in caplog.text and "Traceback" not in caplog.text


def test_it_serves_a_favicon_linked_from_every_page_and_at_the_root(client, db):
    login_page = client.get(reverse("login"))
    icon = client.get("/favicon.ico")

    assert 'rel="icon"' in login_page.content.decode() and "favicon.svg" in login_page.content.decode()
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # the ICO file signature
