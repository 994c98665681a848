"""Every HTML page carries the Content-Security-Policy, and no page or template has inline script."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from accounts import roles
from accounts.services import ensure_user
from templates_mgr.models import MessageTemplate

from ..factories import conversation, outbound

ROOT = Path(__file__).resolve().parents[2]
PAGE_BUDGET = 60  # every console page and the admin's index, lists and forms for our models


class _PageParts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self.inline_styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "a" and names.get("href"):
            self.links.append(names["href"])
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.inline_scripts += 1
        if tag == "style":
            self.inline_styles.append("<style>")
        for name, _ in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.inline_handlers.append(f"<{tag} {name}>")
            if name == "style":
                self.inline_styles.append(f"<{tag} style>")


def _crawl(client, start_urls):
    seen, queue, pages = set(), list(start_urls), {}
    while queue and len(pages) < PAGE_BUDGET:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        parts = _PageParts()
        parts.feed(response.content.decode())
        pages[url] = (response, parts)
        for href in parts.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc or target.scheme not in ("", "http") or target.path.startswith(("/static/", "/logout")):
                continue
            # The admin's sort and filter links are the same page again.
            query = f"?{target.query}" if target.query and not target.path.startswith("/admin/") else ""
            queue.append(target.path + query)
    return pages


@pytest.fixture
def seeded(phone, operator):
    conv = conversation(phone)
    outbound(conv, wamid="wamid.csp-1")
    MessageTemplate.objects.create(
        account=phone.account, template_id="1", name="order_ready", language="en_US", category="UTILITY",
        status=MessageTemplate.Status.APPROVED,
    )
    return conv


def test_every_page_reached_from_the_inbox_and_the_admin_has_the_policy_and_no_inline_script(client, seeded, templates_uncaptured):
    admin = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR, superuser=True)
    seeded.phone_number.operators.add(admin)
    client.force_login(admin)

    pages = _crawl(client, ["/", f"/c/{seeded.pk}/", "/admin/", "/admin/messaging/"])

    assert len(pages) >= 30, sorted(pages)
    assert any(url.startswith("/c/") for url in pages) and any(url.startswith("/admin/messaging/") for url in pages)
    for url, (response, parts) in pages.items():
        policy = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert parts.inline_scripts == 0, url
        assert parts.inline_handlers == [], (url, parts.inline_handlers)
        if not url.startswith("/admin/"):
            assert parts.inline_styles == [], (url, parts.inline_styles)


def test_the_login_and_lockout_pages_have_the_policy(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 1
    login = client.get("/login/")
    client.post("/login/", {"username": "someone", "password": "x"})
    locked = client.post("/login/", {"username": "someone", "password": "x"})

    assert locked.status_code == 429
    for response in (login, locked):
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_htmx_is_told_not_to_inject_its_indicator_style(client, operator):
    client.force_login(operator)
    page = client.get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page


TEMPLATE_FILES = sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")])


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_handlers_or_styles(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\s(on[a-z]+|hx-on[\w:-]*|data-hx-on[\w:-]*)\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=|<style", text), "inline style"
