"""No URL answers 500 to a huge, negative or non-numeric id in its path or its query string.

Every pattern is found by walking the URLconf, so a new page is swept as soon as it exists; its
query parameters come from ``QUERY_PARAMS`` below, and a pattern missing there fails the test
until someone says which parameters it reads.
"""

import inspect
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import Resolver404, resolve

from accounts import roles
from accounts.services import ensure_user, grant_phone_number

from ..url_patterns import patterns as _patterns
from .test_access_sweep import PAGES, USERS

HUGE = "99999999999999999999999"
BAD_VALUES = (HUGE, "-1", "abc")

# The query parameters each view reads (by URL name). A new URL pattern fails
# test_it_knows_the_query_parameters_of_every_page until it is listed here.
QUERY_PARAMS: dict[str, tuple[str, ...]] = {
    "login": ("next",),
    "logout": ("next",),
    "messaging:inbox": ("q", "number", "window", "assigned", "unread", "state", "label", "before", "active"),
    "messaging:conversation-new": ("to", "phone_number"),
    "messaging:conversation-detail": ("q", "number", "window", "assigned", "unread", "state", "label", "before", "active", "kind",
                                      "reply_to", "message", "after"),
    "messaging:conversation-messages": ("before", "after", "window"),
    "messaging:conversation-older": ("before", "after"),
    "messaging:conversation-compose": ("kind", "reply_to", "message"),
    "messaging:conversation-send": ("kind",),
    "messaging:conversation-read": (),
    "messaging:conversation-typing": (),
    "messaging:conversation-compose-check": ("kind", "check"),
    "messaging:composer-enter-preference": ("enter_sends",),
    "messaging:conversation-assign": (),
    "messaging:conversation-state": (),
    "messaging:conversation-label-add": (),
    "messaging:conversation-label-remove": (),
    "messaging:conversation-note": (),
    "messaging:conversation-mentionable": ("q",),
    "messaging:conversation-mentions-seen": (),
    "messaging:inbox-bulk": (),
    "messaging:mention-list": (),
    "labels:list": (),
    "labels:edit": (),
    "labels:delete": (),
    "messaging:contact-list": ("q", "page", "label"),
    "messaging:conversation-canned-replies": (),
    "messaging:canned-reply-list": (),
    "messaging:canned-reply-create": (),
    "messaging:canned-reply-edit": (),
    "messaging:canned-reply-delete": (),
    "canned-replies:list": (),
    "canned-replies:create": (),
    "canned-replies:edit": (),
    "canned-replies:delete": (),
    "messaging:notify": ("since",),
    "auto-assignment:numbers": (),
    "messaging:presence-heartbeat": ("status",),
    "messaging:contact-detail": (),
    "messaging:contact-notes": (),
    "messaging:contact-profile": (),
    "messaging:contact-consent": (),
    "audiences:import-list": (),
    "audiences:import-new": (),
    "audiences:import-detail": ("outcome", "page"),
    "audiences:segment-list": (),
    "audiences:segment-create": ("account",),
    "audiences:segment-preview": (),
    "audiences:segment-edit": (),
    "audiences:segment-delete": (),
    "pricing:rate-list": ("from",),
    "pricing:rate-import": (),
    "pricing:rate-delete": (),
    "messaging:webhook": ("hub.mode", "hub.verify_token", "hub.challenge"),
    "messaging:flow-list": ("account", "q"),
    "messaging:flow-sync": (),
    "messaging:flow-create": ("account", "clone"),
    "messaging:flow-detail": (),
    "messaging:flow-edit": (),
    "messaging:flow-json": ("version",),
    "messaging:flow-publish": (),
    "messaging:flow-deprecate": (),
    "messaging:flow-delete": (),
    "messaging:flow-preview": (),
    "messaging:flow-health": (),
    "messaging:flow-responses": ("since", "until", "contact", "token", "format", "page"),
    "templates_mgr:template-list": ("account", "q", "deleted"),
    "templates_mgr:template-create": ("account", "scope"),
    "templates_mgr:template-sync": (),
    "templates_mgr:template-detail": (),
    "templates_mgr:template-edit": ("scope",),
    "templates_mgr:template-submit": (),
    "templates_mgr:template-delete": ("scope",),
    "templates_mgr:conversation-start": ("template", "to", "phone_number"),
    "templates_mgr:conversation-send": ("template",),
    "templates_mgr:conversation-send-preview": ("template",),
    "templates_mgr:notice-dismiss": (),
    "templates_mgr:notice-dismiss-all": (),
    "templates_mgr:template-validate": (),
    "media_lib:asset-list": ("kind", "origin", "q", "page"),
    "media_lib:asset-upload": ("kind", "origin", "q", "page"),
    "media_lib:asset-picker": ("account", "phone_number", "kind", "q", "media_picker_q", "field", "selected"),
    "media_lib:asset-serve": (),
    "media_lib:thumbnail-serve": (),
    "media_lib:asset-delete": (),
    "media_lib:asset-retry": (),
    "media_lib:asset-status": (),
    "settings:home": (),
    "settings:number-profile": (),
    "settings:number-profile-check": (),
    "media_lib:profile-picture": (),
    "settings:people": (),
    "settings:person-add": (),
    "settings:person-detail": (),
    "settings:person-active": (),
    "settings:person-password-link": (),
    "settings:person-welcome": (),
    "settings:audit-log": ("person", "action", "object", "since", "until", "page"),
    "settings:audit-log-csv": ("person", "action", "object", "since", "until"),
    "password-set": (),
    "settings:number-list": (),
    "settings:number-sync": (),
    "settings:number-detail": (),
    "settings:number-status": (),
    "settings:number-health": (),
    "settings:number-deregister": (),
    "settings:number-request-code": (),
    "settings:number-verify-code": (),
    "settings:number-register": (),
    "settings:number-pin": (),
    "settings:number-flow-key-status": (),
    "settings:number-flow-key-generate": (),
    "settings:number-flow-key-upload": (),
    "settings:number-flow-key-rotate": (),
    "settings:number-flow-key-retire": (),
    "messaging:flow-endpoint": (),
    "messaging:flow-endpoint-settings": (),
    "settings:account-list": (),
    "settings:account-connect": (),
    "settings:account-detail": (),
    "settings:account-test": (),
    "settings:account-subscribe": (),
    "settings:account-rotate": (),
    "settings:account-disconnect": (),
    "settings:account-reconnect": (),
    "insights:conversations": ("account", "number", "period", "since", "until", "format", "table"),
    "insights:templates": ("account", "number", "period", "since", "until", "format", "table"),
    "insights:cost": ("account", "number", "period", "since", "until", "format", "table"),
    "insights:cost-refresh": ("account", "number", "period", "since", "until"),
    "campaigns:campaign-list": ("page",),
    "campaigns:campaign-create": (),
    "campaigns:campaign-parameters": ("template",),
    "campaigns:campaign-detail": (),
    "campaigns:campaign-edit": (),
    "campaigns:campaign-dry-run": (),
    "campaigns:campaign-launch": (),
    "campaigns:campaign-test-send": (),
    "campaigns:campaign-pause": (),
    "campaigns:campaign-resume": (),
    "campaigns:campaign-cancel": (),
    "campaigns:campaign-progress": (),
    "campaigns:campaign-rate": (),
    "campaigns:campaign-cost": (),
    "campaigns:campaign-export": (),
}
# Django's admin reads its own query parameters; the changelist's are the ones a person edits.
ADMIN_QUERY_PARAMS = ("p", "o", "q", "e", "_popup", "_to_field", "_changelist_filters")


def _resolves(url: str) -> bool:
    try:
        resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def refused(name: str, who: str) -> bool:
    """Whether the access sweep's table says ``who`` gets 403 on the page named ``name``."""
    row = PAGES.get(name)
    return row is not None and row.split()[USERS.index(who) + 1] == "403"


def _view_function(view):
    view = getattr(view, "view_class", None) or view
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _fill(template: str, names, value: str) -> str:
    return template.format(**{name: value for name in names})


def _stay_logged_in(client: Client, user) -> None:
    """Log ``user`` in again if a page logged them out: reading the session is one query, a
    login several (and its signals), and only the logout pages end the session."""
    if client.session.get(SESSION_KEY) != str(user.pk):
        client.force_login(user)


@pytest.fixture
def administrator(phone):
    admin = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR, superuser=True)
    grant_phone_number(user=admin, phone_number=phone)
    return admin


@pytest.fixture
def people(administrator, operator):
    return {"administrator": administrator, "operator": operator}


def test_it_knows_the_query_parameters_of_every_page():
    unknown = [url for url, _, name, _ in _patterns() if not url.startswith("/admin/") and name not in QUERY_PARAMS]
    assert unknown == [], "Add these URL patterns (by name) to QUERY_PARAMS with the query parameters they read"


def test_the_table_lists_every_query_parameter_a_view_reads_itself():
    # Parameters read by forms are listed by hand; the ones a view reads by name must be too.
    missing = {}
    for _, _, name, view in _patterns():
        if name not in QUERY_PARAMS:
            continue
        source = inspect.getsource(inspect.getmodule(_view_function(view)))
        function = inspect.getsource(_view_function(view))
        read = set(re.findall(r"request\.GET(?:\.get\(|\[)\"([^\"]+)\"", function))
        for helper in re.findall(r"(_\w+)\(request", function):  # one level of helpers taking the request
            found = re.search(rf"def {helper}\(.*?(?=\ndef |\Z)", source, re.S)
            if found:
                read |= set(re.findall(r"request\.GET(?:\.get\(|\[)\"([^\"]+)\"", found.group(0)))
        if read - set(QUERY_PARAMS[name]):
            missing[name] = sorted(read - set(QUERY_PARAMS[name]))
    assert missing == {}


# Split by where the page lives, so the two test processes share the sweep.
@pytest.mark.parametrize("who, where", [("administrator", "console"), ("administrator", "admin"), ("operator", "console")])
def test_no_page_answers_500_to_a_bad_id(people, who, where, templates_uncaptured):
    client = Client(raise_request_exception=False)
    failures = []
    for template, converters, name, _ in _patterns():
        admin = template.startswith("/admin/")
        if admin != (where == "admin"):
            continue  # the operator has no admin sweep: the admin only redirects non-staff to its login page
        if refused(name, who):
            continue  # refused before any id is read (the access sweep checks the refusal)
        _stay_logged_in(client, people[who])  # the sweep passes the logout pages too
        # Django's admin parses its own ids and parameters: there the out-of-range value, which
        # reaches the database, is enough (and keeps the sweep fast).
        # So does a second role: the administrator's sweep tries every bad value, the operator's
        # (whose pages are scoped by other queries) the one that reaches the database.
        values = (HUGE,) if admin or who != "administrator" else BAD_VALUES
        if admin and converters and not template.endswith("/change/"):
            continue  # one admin page per object (its change form): the others look it up the same way
        # A value the pattern's converter refuses is a 404 from the resolver: no view is reached.
        urls = [url for url in (_fill(template, converters, value) for value in values) if _resolves(url)] if converters else []
        fine = _fill(template, converters, "1")  # a fine id, so the query parameters are reached
        for url in urls:
            for method in ("get",) if admin else ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status >= 500:
                    failures.append(f"{method.upper()} {url} → {status}")
        # The admin's query parameters belong to its lists; everything else reads its own.
        params = (ADMIN_QUERY_PARAMS if not converters else ()) if admin else QUERY_PARAMS.get(name, ())
        # The admin's lists get every parameter at once; our own pages one parameter at a time.
        queries = [dict.fromkeys(params, HUGE)] if admin and params else [{p: v} for p in params for v in values]
        for query in queries:
            status = client.get(fine, query).status_code
            if status >= 500:
                failures.append(f"GET {fine}?{query} → {status}")
    assert failures == []


def test_the_sweep_reaches_the_pages_it_means_to():
    urls = [url for url, *_ in _patterns()]
    assert "/templates/" in urls and "/media/picker/" in urls and "/c/{pk}/" in urls
    assert "/admin/messaging/message/{object_id}/change/" in urls  # the admin is swept too



def test_it_shows_the_whole_board_for_an_account_id_out_of_range(client, administrator):
    client.force_login(administrator)
    response = client.get("/templates/", {"account": HUGE})
    assert response.status_code == 200
    assert response.context["account_id"] is None


def test_it_shows_the_media_picker_for_ids_out_of_range(client, administrator):
    client.force_login(administrator)
    response = client.get("/media/picker/", {"account": HUGE, "phone_number": HUGE, "selected": HUGE})
    assert response.status_code == 200


@pytest.mark.parametrize("url", [f"/c/{HUGE}/", f"/media/{HUGE}/", f"/templates/{HUGE}/", f"/contacts/{2**63}/"])
def test_a_path_id_out_of_range_is_not_found(client, operator, url):
    client.force_login(operator)
    assert client.get(url).status_code == 404


def test_the_largest_id_the_database_holds_is_still_looked_up(client, operator):
    client.force_login(operator)
    assert client.get(f"/c/{2**63 - 1}/").status_code == 404  # looked up, and not there
    assert client.get(f"/contacts/{2**63 - 1}/").status_code == 404
