"""Who gets what, on every URL pattern: anonymous, each role, a user with no role, and an operator
of another business, against real objects of account A.

The patterns come from walking the URLconf (the admin's included), so a new page fails
``test_every_url_pattern_is_classified`` until its row is added to ``PAGES`` (our pages) or its
model to ``ADMIN_MODELS``. Each (pattern, user) pair is one request, inside a savepoint that is
rolled back, so a delete or a send by one user leaves the objects there for the next; Meta is
faked with ``responses`` (nothing reaches it anyway: tasks wait for a commit that never comes).
"""

import re

import pytest
import responses
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts import roles
from accounts.models import AccountEvent, BusinessAccount, BusinessProfile, PhoneNumber
from accounts.services import ensure_user, grant_phone_number
from campaigns.models import Campaign, ContactImport, PricingRate, Segment
from media_lib.models import CloudMediaId
from media_lib.services import store_upload
from messaging.models import (
    CannedReply,
    ContactEvent,
    Flow,
    FlowResponse,
    Label,
    Message,
    MessageSendAttempt,
    MessageStatusEvent,
    WebhookEvent,
)
from templates_mgr.models import MessageTemplate, TemplateNotice, TemplateStatusChange, TemplateSyncState

from .. import factories
from ..conftest import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, WABA_ID
from ..media_samples import png, upload
from ..url_patterns import patterns

# What only account A's pages show: its customer, its number, its template and its file.
A_MARKS = ("Sheena Nelson", "15550783881", "order_update", "Menu.png")
USERS = ("anonymous", "administrator", "operator", "template_manager", "support", "no_role", "stranger")

# Our own pages: "METHOD" then the answer for each of USERS, in that order. "login" is a redirect
# to the login page; any other 3xx is written as its code. Path holes are filled with account A's
# objects (see _fill). POST-only views are POSTed empty: the access check comes before the form, so
# a permitted user gets the form's 400 (or the action's redirect), everyone else 403 / 404.
#                                                anon  admin oper  tmgr  supp  none  stranger
PAGES: dict[str, str] = {
    "login":                                "GET  200   200   200   200   200   200   200",
    "logout":                               "GET  405   405   405   405   405   405   405",  # POST only
    "messaging:webhook":                    "GET  403   403   403   403   403   403   403",  # no verify token
    "messaging:flow-endpoint":              "POST 432   432   432   432   432   432   432",  # unsigned
    "messaging:flow-endpoint-settings":     "GET  login 200   403   200   403   403   403",  # operators: 403
    "messaging:inbox":                      "GET  login 200   200   200   200   403   200",
    "messaging:conversation-new":           "GET  login 200   200   403   200   403   200",
    "messaging:conversation-detail":        "GET  login 200   200   200   200   403   404",
    "messaging:conversation-messages":      "GET  login 200   200   200   200   403   404",
    "messaging:conversation-older":         "GET  login 400   400   400   400   403   404",  # no ?before=
    "messaging:conversation-compose":       "GET  login 200   200   403   200   403   404",
    "messaging:conversation-send":          "POST login 400   400   403   400   403   404",
    "messaging:conversation-read":          "POST login 204   204   403   403   403   404",
    "messaging:conversation-compose-check": "POST login 400   400   403   400   403   404",  # no field named
    "messaging:composer-enter-preference":  "POST login 400   400   403   400   403   400",  # the user's own setting
    "messaging:conversation-typing":        "POST login 204   204   403   204   403   404",
    "messaging:conversation-assign":        "POST login 302   302   403   302   403   404",
    "messaging:conversation-state":         "POST login 400   400   403   400   403   404",  # no state named
    "messaging:conversation-label-add":     "POST login 400   400   403   400   403   404",  # no label named
    "messaging:conversation-label-remove":  "POST login 400   400   403   400   403   404",
    "messaging:conversation-note":          "POST login 400   400   403   400   403   404",  # no text
    "messaging:conversation-mentionable":   "GET  login 200   200   200   200   403   404",
    "messaging:conversation-mentions-seen": "POST login 204   204   204   204   403   404",
    "messaging:inbox-bulk":                 "POST login 400   400   403   400   403   400",  # nothing selected
    "messaging:mention-list":               "GET  login 200   200   200   200   403   200",  # one's own
    "labels:list":                          "GET  login 200   403   403   403   403   403",
    "labels:edit":                          "GET  login 200   403   403   403   403   403",
    "labels:delete":                        "GET  login 200   403   403   403   403   403",  # the confirm page
    # Canned replies: the composer's list (JSON), each operator's own (the console), the shared ones (Settings).
    "messaging:conversation-canned-replies": "GET login 200   200   403   200   403   404",
    "messaging:canned-reply-list":          "GET  login 200   200   403   200   403   200",
    "messaging:canned-reply-create":        "GET  login 200   200   403   200   403   200",
    "messaging:canned-reply-edit":          "GET  login 404   200   403   404   403   404",  # the operator's own
    "messaging:canned-reply-delete":        "GET  login 404   200   403   404   403   404",  # the confirm page
    "canned-replies:list":                  "GET  login 200   403   403   403   403   403",
    "canned-replies:create":                "GET  login 200   403   403   403   403   403",
    "canned-replies:edit":                  "GET  login 200   403   403   403   403   403",
    "canned-replies:delete":                "GET  login 200   403   403   403   403   403",  # the confirm page
    "auto-assignment:numbers":              "GET  login 200   403   403   403   403   403",
    # The notifier's poll (each user's own, scoped) and the presence heartbeat (empty POST: no status).
    "messaging:notify":                     "GET  login 200   200   200   200   403   200",
    "messaging:presence-heartbeat":         "POST login 400   400   400   400   403   400",
    "messaging:contact-list":               "GET  login 200   200   200   200   403   200",
    "messaging:contact-detail":             "GET  login 200   200   200   200   403   404",
    "messaging:contact-notes":              "POST login 302   302   403   302   403   404",
    "messaging:contact-profile":            "POST login 302   302   403   302   403   404",
    "messaging:contact-consent":            "POST login 400   400   403   400   403   404",  # no reason
    "audiences:import-list":                "GET  login 200   403   403   403   403   403",  # administrators'
    "audiences:import-new":                 "GET  login 200   403   403   403   403   403",
    "audiences:import-detail":              "GET  login 200   403   403   403   403   403",
    "audiences:segment-list":               "GET  login 200   403   403   403   403   403",
    "audiences:segment-create":             "GET  login 200   403   403   403   403   403",
    "audiences:segment-preview":            "POST login 400   403   403   403   403   403",  # no account
    "audiences:segment-edit":               "GET  login 200   403   403   403   403   403",
    "audiences:segment-delete":             "POST login 302   403   403   403   403   403",
    "pricing:rate-list":                    "GET  login 200   403   403   403   403   403",
    "pricing:rate-import":                  "POST login 400   403   403   403   403   403",  # no file
    "pricing:rate-delete":                  "POST login 302   403   403   403   403   403",
    "templates_mgr:template-list":          "GET  login 200   403   200   200   403   403",
    "templates_mgr:template-create":        "GET  login 200   403   200   403   403   403",
    "templates_mgr:template-validate":      "POST login 200   403   200   403   403   403",
    "templates_mgr:template-sync":          "POST login 400   403   400   403   403   403",  # which account?
    "templates_mgr:template-detail":        "GET  login 200   403   200   200   403   403",
    "templates_mgr:template-edit":          "GET  login 200   403   200   403   403   403",
    "templates_mgr:template-submit":        "POST login 400   403   400   403   403   403",
    "templates_mgr:template-delete":        "GET  login 200   403   200   403   403   403",
    "templates_mgr:conversation-start":     "GET  login 200   200   403   200   403   200",
    "templates_mgr:conversation-send":      "GET  login 200   200   403   200   403   404",
    "templates_mgr:conversation-send-preview": "POST login 400 400   403   400   403   404",  # no template chosen
    # Dismisses only the user's own notice (another's stays as it was): the same redirect for all.
    "templates_mgr:notice-dismiss":         "POST login 302   302   302   302   302   302",
    "templates_mgr:notice-dismiss-all":     "POST login 302   302   302   302   302   302",
    # Flows: authoring is for template managers and administrators; Meta refuses every call (flash, 302).
    "messaging:flow-list":                  "GET  login 200   403   200   403   403   403",
    "messaging:flow-sync":                  "POST login 400   403   400   403   403   403",  # which account?
    "messaging:flow-create":                "GET  login 200   403   200   403   403   403",
    "messaging:flow-detail":                "GET  login 200   403   200   403   403   403",
    "messaging:flow-edit":                  "GET  login 200   403   200   403   403   403",
    "messaging:flow-json":                  "GET  login 200   403   200   403   403   403",
    "messaging:flow-publish":               "POST login 302   403   302   403   403   403",
    "messaging:flow-deprecate":             "GET  login 200   403   200   403   403   403",  # the confirm page
    "messaging:flow-delete":                "GET  login 200   403   200   403   403   403",  # the confirm page
    "messaging:flow-preview":               "POST login 302   403   302   403   403   403",
    "messaging:flow-health":                "POST login 400   403   400   403   403   403",  # no number chosen
    "messaging:flow-responses":             "GET  login 200   403   200   403   403   403",
    "media_lib:asset-list":                 "GET  login 200   200   200   200   403   200",
    "media_lib:asset-upload":               "POST login 400   400   400   403   403   400",
    "media_lib:asset-picker":               "GET  login 200   200   200   200   403   200",
    "media_lib:asset-serve":                "GET  login 200   200   200   200   403   404",
    "media_lib:thumbnail-serve":            "GET  login 200   200   200   200   403   404",
    "media_lib:asset-delete":               "GET  login 200   403   200   403   403   403",
    "media_lib:asset-retry":                "POST login 302   302   302   302   403   404",
    "media_lib:asset-status":               "GET  login 200   200   200   200   403   404",
    "settings:home":                        "GET  login 200   403   403   403   403   403",
    # Meta is faked to refuse everything: the page opens with the last copy and says why.
    "settings:number-profile":              "GET  login 200   403   403   403   403   403",
    "settings:number-profile-check":        "POST login 200   403   403   403   403   403",
    "media_lib:profile-picture":            "POST login 400   403   403   403   403   403",  # no file
    "settings:people":                      "GET  login 200   403   403   403   403   403",
    "settings:person-add":                  "GET  login 200   403   403   403   403   403",
    "settings:person-detail":               "GET  login 200   403   403   403   403   403",
    "settings:person-active":               "POST login 400   403   403   403   403   403",  # no action named
    "settings:person-password-link":        "POST login 302   403   403   403   403   403",  # to the link, shown once
    "settings:person-welcome":              "GET  login 200   403   403   403   403   403",  # "shown already"
    "settings:audit-log":                   "GET  login 200   403   403   403   403   403",
    "settings:audit-log-csv":               "GET  login 200   403   403   403   403   403",
    # Anybody may open a set-password link; a wrong one says it does not work (and sets nothing).
    "password-set":                         "GET  200   200   200   200   200   200   200",
    "settings:number-list":                 "GET  login 200   403   403   403   403   403",
    "settings:number-sync":                 "POST login 400   403   403   403   403   403",  # which account?
    "settings:number-detail":               "GET  login 200   403   403   403   403   403",
    "settings:number-status":               "GET  login 200   403   403   403   403   403",
    "settings:number-health":               "GET  login 200   403   403   403   403   403",
    "settings:number-deregister":           "GET  login 200   403   403   403   403   403",
    "settings:number-request-code":         "POST login 400   403   403   403   403   403",
    "settings:number-verify-code":          "POST login 400   403   403   403   403   403",
    "settings:number-register":             "POST login 400   403   403   403   403   403",
    "settings:number-pin":                  "POST login 400   403   403   403   403   403",
    "settings:number-flow-key-status":      "GET  login 200   403   403   403   403   403",  # Meta's refusal, shown
    "settings:number-flow-key-generate":    "POST login 302   403   403   403   403   403",
    "settings:number-flow-key-upload":      "POST login 400   403   403   403   403   403",  # no key yet
    "settings:number-flow-key-rotate":      "POST login 400   403   403   403   403   403",  # no key yet
    "settings:number-flow-key-retire":      "POST login 400   403   403   403   403   403",  # nothing retiring
    "settings:account-list":                "GET  login 200   403   403   403   403   403",
    "settings:account-connect":             "GET  login 200   403   403   403   403   403",
    "settings:account-detail":              "GET  login 200   403   403   403   403   403",
    "settings:account-test":                "POST login 302   403   403   403   403   403",  # Meta answers 100
    "settings:account-subscribe":           "POST login 302   403   403   403   403   403",  # refused: flash
    "settings:account-rotate":              "POST login 400   403   403   403   403   403",  # no value
    "settings:account-disconnect":          "POST login 400   403   403   403   403   403",  # not confirmed
    "settings:account-reconnect":           "POST login 302   403   403   403   403   403",
    # Insights: administrators and managers (the manager's answers are in MANAGER below).
    "insights:conversations":               "GET  login 200   403   403   403   403   403",
    "insights:templates":                   "GET  login 200   403   403   403   403   403",
    "insights:cost":                        "GET  login 200   403   403   403   403   403",
    "insights:cost-refresh":                "POST login 400   403   403   403   403   403",  # which period?
    # Campaigns: administrators only (the Administrator role holds every campaigns permission).
    "campaigns:campaign-list":              "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-create":            "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-parameters":        "GET  login 200   403   403   403   403   403",  # no template: a hint
    "campaigns:campaign-detail":            "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-edit":              "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-dry-run":           "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-launch":            "POST login 400   403   403   403   403   403",  # not confirmed
    "campaigns:campaign-test-send":         "POST login 400   403   403   403   403   403",  # no number
    "campaigns:campaign-pause":             "POST login 302   403   403   403   403   403",  # a draft: refused, flash
    "campaigns:campaign-resume":            "POST login 302   403   403   403   403   403",  # not paused: flash
    "campaigns:campaign-cancel":            "POST login 302   403   403   403   403   403",  # not confirmed: flash
    "campaigns:campaign-progress":          "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-rate":              "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-cost":              "GET  login 200   403   403   403   403   403",
    "campaigns:campaign-export":            "GET  login 200   403   403   403   403   403",
}

# The Manager (insights, and the conversations of their numbers read-only): a user granted account A's
# number, swept on our pages only (not the admin, which keeps out everyone who isn't staff the same way).
# Where a page isn't listed here the manager gets what the no-role user gets (their own settings and
# notices, 403 on everything else): listing only the differences keeps the table short.
MANAGER: dict[str, str] = {
    "messaging:inbox": "200",
    "messaging:conversation-detail": "200",
    "messaging:conversation-messages": "200",
    "messaging:conversation-older": "400",
    "messaging:contact-list": "200",
    "messaging:contact-detail": "200",
    # A manager reads conversations, so can be mentioned in a note and notified, and shows as online.
    "messaging:conversation-mentionable": "200",
    "messaging:conversation-mentions-seen": "204",
    "messaging:mention-list": "200",
    "messaging:notify": "200",
    "messaging:presence-heartbeat": "400",
    "insights:conversations": "200",
    "insights:templates": "200",
    "insights:cost": "200",
    "insights:cost-refresh": "400",
}

# The admin's own pages (not a model's), as PAGES. Only Administrator and Support get in.
ADMIN_PAGES: dict[str, str] = {
    "admin:index":                          "GET  login 200   login login 200   login login",
    "admin:login":                          "GET  200   302   200   200   302   200   200",  # in already: on
    "admin:logout":                         "GET  302   405   302   302   405   302   302",  # POST only; else to /admin/
    "admin:password_change":                "GET  login 200   login login 200   login login",
    "admin:password_change_done":           "GET  login 200   login login 200   login login",
    "admin:autocomplete":                   "GET  login 403   login login 403   login login",  # no field named
    "admin:jsi18n":                         "GET  login 200   login login 200   login login",
    "admin:view_on_site":                   "GET  login 404   login login 404   login login",  # no page of its own
    "admin:app_list":                       "GET  login 200   login login 200   login login",
    "/admin/{url}":                         "GET  login 404   login login 404   login login",
    "admin:auth_user_password_change":      "GET  login 200   login login 403   login login",
    "admin:messaging_contact_compose":      "GET  login 200   login login 200   login login",
    "admin:messaging_conversation_compose": "GET  login 200   login login 200   login login",
}

# The admin, per registered model: what Support may do there ("change", "view", or "" for nothing)
# and the views the ModelAdmin closes to everybody ("add", "delete": Meta's records, not ours).
# The Administrator role holds every permission of our apps and of auth, none of axes.
ADMIN_MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "auth.group": ("", ()),
    "auth.user": ("", ()),
    "axes.accessattempt": ("", ()),
    "axes.accesslog": ("", ()),
    "axes.accessfailurelog": ("", ()),
    "accounts.auditentry": ("view", ("add", "delete")),
    "accounts.businessaccount": ("view", ()),
    "accounts.phonenumber": ("view", ()),
    "accounts.businessprofile": ("view", ()),
    "accounts.accountevent": ("view", ("add", "delete")),
    "media_lib.mediaasset": ("change", ()),
    "media_lib.cloudmediaid": ("view", ("add",)),
    "messaging.contact": ("change", ()),
    "messaging.contactevent": ("", ("add", "delete")),
    "messaging.conversation": ("view", ()),
    "messaging.message": ("change", ("add", "delete")),
    "messaging.messagesendattempt": ("", ("add", "delete")),
    "messaging.messagestatusevent": ("view", ("add", "delete")),
    "messaging.flow": ("", ()),
    "messaging.flowresponse": ("", ("add", "delete")),
    "messaging.webhookevent": ("change", ("add", "delete")),
    "templates_mgr.messagetemplate": ("view", ()),
    "templates_mgr.templatestatuschange": ("view", ("add", "delete")),
    "templates_mgr.templatesyncstate": ("", ("add",)),
}
# Each admin request costs several ms and `make test` must stay under a minute, so not all of a
# model's admin views are requested: its list and its change page wherever the table has the admin
# refuse (a leak is a 200 where the 403 is right), and everything on these two models, which
# between them hold every kind of ModelAdmin view (one closed to everybody too). The login page for
# people the site keeps out comes from one guard for every admin page alike.
ADMIN_SAMPLED = ("messaging.message", "templates_mgr.templatestatuschange")


def _admin_row(model: str, kind: str) -> str:
    """The expected row for one of a model's admin views, from who may view or change it."""
    support, closed = ADMIN_MODELS[model]
    administrator = "" if model.startswith("axes.") else "change"

    def answer(level: str, *, adds_and_deletes: bool) -> str:
        if kind == "redirect":  # {object_id}/ alone: on to the change page, which decides
            return "302"
        if kind in closed or not level:
            return "403"
        if kind in ("add", "delete") and not adds_and_deletes:  # Support changes, never adds or deletes
            return "403"
        return "200"

    admin_answer, support_answer = answer(administrator, adds_and_deletes=True), answer(support, adds_and_deletes=False)
    return f"GET login {admin_answer} login login {support_answer} login login"


def _admin_model_view(template: str) -> tuple[str, str] | None:
    """(app.model, kind) of one of a ModelAdmin's own URLs, else None."""
    match = re.fullmatch(r"/admin/(\w+)/(\w+)/(\{object_id\}/)?(add/|history/|delete/|change/)?", template)
    if not match or not (match[3] or match[4]) and template.count("/") != 4:
        return None
    kind = (match[4] or "").rstrip("/") or ("redirect" if match[3] else "changelist")
    return f"{match[1]}.{match[2]}", kind


def _classify(template: str, name: str) -> str | None:
    row = PAGES.get(name) or ADMIN_PAGES.get(name) or ADMIN_PAGES.get(template)
    if row:
        return row
    found = _admin_model_view(template)
    if found and found[0] in ADMIN_MODELS:
        return _admin_row(*found)
    return None


def _requested(template: str, expected: str) -> bool:
    found = _admin_model_view(template)
    if found is None or found[0] in ADMIN_SAMPLED:
        return True
    return expected == "403" and found[1] in ("changelist", "change")


# -- the data: account A with one of everything, built once for the module ------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


def _build() -> dict:
    a = BusinessAccount.objects.create(name="Acme", waba_id=WABA_ID, access_token="t", app_secret=APP_SECRET,
                                       verify_token=VERIFY_TOKEN)
    phone = PhoneNumber.objects.create(account=a, phone_number_id=PHONE_NUMBER_ID, display_phone_number="15550783881")
    b = BusinessAccount.objects.create(name="Other", waba_id="999", access_token="x", app_secret="other-secret",
                                       verify_token="y")
    b_phone = PhoneNumber.objects.create(account=b, phone_number_id="999001", display_phone_number="15559990000")
    users = {"anonymous": None}
    for key, role in (("administrator", roles.ADMINISTRATOR), ("operator", roles.OPERATOR),
                      ("template_manager", roles.TEMPLATE_MANAGER), ("support", roles.SUPPORT)):
        users[key] = ensure_user(username=key, password=f"pw-{key}-123", role=role)
        grant_phone_number(user=users[key], phone_number=phone)
    users["no_role"] = ensure_user(username="nora", password="pw-nora-123", role=roles.OPERATOR)
    users["no_role"].groups.clear()
    grant_phone_number(user=users["no_role"], phone_number=phone)
    users["manager"] = ensure_user(username="mona", password="pw-mona-123", role=roles.MANAGER)
    grant_phone_number(user=users["manager"], phone_number=phone)
    users["stranger"] = ensure_user(username="sam", password="pw-sam-123", role=roles.OPERATOR)
    grant_phone_number(user=users["stranger"], phone_number=b_phone)

    now = timezone.now()
    conv = factories.conversation(phone)
    message = Message.objects.create(conversation=conv, wamid="wamid.in", direction="in", type="text", text="hi",
                                     status="received", meta_timestamp=timezone.now())
    outbound = factories.outbound(conv, wamid="wamid.out", status="sent")
    asset = store_upload(account=a, uploaded_file=upload("Menu.png", png()))
    template = MessageTemplate.objects.create(account=a, name="order_update", language="en_US", status="APPROVED",
                                              category="UTILITY", template_id="100000000000001",
                                              components=[{"type": "BODY", "text": "Hello"}])
    event = WebhookEvent.objects.create(account=a, body="{}", body_sha256="0" * 64, field="messages")
    flow = Flow.objects.create(account=a, flow_id="700000000000001", name="Booking")
    objects = {
        "accounts.businessaccount": a,
        "accounts.phonenumber": phone,
        "accounts.businessprofile": BusinessProfile.objects.create(phone_number=phone),
        "accounts.accountevent": AccountEvent.objects.create(account=a, field="account_update", title="Test", occurred_at=now),
        "auth.user": users["operator"],
        "auth.group": Group.objects.get(name=roles.OPERATOR),
        "media_lib.mediaasset": asset,
        "media_lib.cloudmediaid": CloudMediaId.objects.create(asset=asset, phone_number=phone, media_id="900001",
                                                               uploaded_at=now, expires_at=now),
        "messaging.contact": conv.contact,
        "messaging.contactevent": ContactEvent.objects.create(contact=conv.contact, kind="marketing_stop",
                                                                source="keyword", occurred_at=now),
        "messaging.conversation": conv,
        "messaging.message": message,
        "messaging.messagesendattempt": MessageSendAttempt.objects.create(message=outbound, number=1, started_at=now,
                                                                            duration_ms=1, outcome="sent"),
        "messaging.messagestatusevent": MessageStatusEvent.objects.create(message=outbound, wamid="wamid.out", status="sent",
                                                                         timestamp=now, webhook_event=event),
        "messaging.flow": flow,
        "messaging.label": Label.objects.create(account=a, name="VIP"),
        "messaging.flowresponse": FlowResponse.objects.create(message=message, contact=conv.contact, flow=flow,
                                                              response={"flow_token": "t"}),
        "messaging.webhookevent": event,
        "templates_mgr.messagetemplate": template,
        "templates_mgr.templatestatuschange": TemplateStatusChange.objects.create(template=template, new_status="APPROVED",
                                                                                    occurred_at=now),
        "templates_mgr.templatesyncstate": TemplateSyncState.objects.create(account=a),
    }
    canned = {
        "shared": CannedReply.objects.create(account=a, code="hours", title="Opening hours", body="9 to 5"),
        "personal": CannedReply.objects.create(account=a, owner=users["operator"], code="mine", title="Mine", body="Hi"),
    }
    objects["campaigns.campaign"] = Campaign.objects.create(account=a, phone_number=phone, name="Launch",
                                                            template=template)
    notice = TemplateNotice.objects.create(user=users["operator"], template=template, status="APPROVED", text="ok")
    LogEntry.objects.log_actions(user_id=users["administrator"].pk, queryset=[template], action_flag=2,
                                 change_message="swept", single_object=True)
    campaigns = {
        "segment": Segment.objects.create(account=a, name="Everybody"),
        "import": ContactImport.objects.create(account=a, filename="people.csv", state="imported", rows=1, imported=1,
                                               report=[{"line": 2, "number": "+15550783881", "wa_id": "15550783881",
                                                        "outcome": "imported", "reason": ""}]),
        "rate": PricingRate.objects.create(category="marketing", country="", price="0.05", valid_from=now.date()),
    }
    return {"users": users, "objects": objects, "notice": notice, "canned": canned, "axes": _axes_rows(),
            "campaigns": campaigns}


def _axes_rows() -> dict:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    kwargs = {"user_agent": "test", "ip_address": "127.0.0.9", "username": "x", "http_accept": "*/*", "path_info": "/"}
    return {
        "axes.accessattempt": AccessAttempt.objects.create(failures_since_start=1, **kwargs),
        "axes.accesslog": AccessLog.objects.create(**kwargs),
        "axes.accessfailurelog": AccessFailureLog.objects.create(locked_out=False, **kwargs),
    }


def _fill(world, template: str, converters: dict) -> str:
    objects = {**world["objects"], **world["axes"]}
    first = template.split("/")[1]
    by_prefix = {"c": "messaging.conversation", "contacts": "messaging.contact", "templates": "templates_mgr.messagetemplate",
                 "media": "media_lib.mediaasset", "flows": "messaging.flow",
                 "campaigns": "campaigns.campaign"}
    values = {}
    for name in converters:
        if name == "object_id" and template.startswith("/admin/r/"):  # "view on site"
            values[name] = objects["templates_mgr.messagetemplate"].pk
        elif name == "object_id":
            match = re.match(r"/admin/(\w+)/(\w+)/", template)
            values[name] = objects[f"{match[1]}.{match[2]}"].pk
        elif name == "content_type_id":
            values[name] = ContentType.objects.get_for_model(MessageTemplate).pk
        elif name == "id":  # the admin's password change of a user
            values[name] = world["users"]["operator"].pk
        elif name == "app_label":
            values[name] = "messaging"
        elif name == "url":
            values[name] = "nowhere/"
        elif name == "phone_number_id":  # Meta's id of the number, as the Settings pages take it
            values[name] = objects["accounts.phonenumber"].phone_number_id
        elif template.startswith("/settings/people/"):
            values[name] = world["users"]["operator"].pk
        elif name in ("uidb64", "token"):  # a set-password link that is not one
            values[name] = "x"
        elif name == "conversation_pk":
            values[name] = objects["messaging.conversation"].pk
        elif template.startswith("/settings/labels/"):
            values[name] = objects["messaging.label"].pk
        elif template.startswith("/campaigns/imports/"):
            values[name] = world["campaigns"]["import"].pk
        elif template.startswith("/campaigns/segments/"):
            values[name] = world["campaigns"]["segment"].pk
        elif template.startswith("/settings/pricing/"):
            values[name] = world["campaigns"]["rate"].pk
        elif template.startswith("/settings/canned-replies/"):
            values[name] = world["canned"]["shared"].pk
        elif template.startswith("/canned-replies/"):
            values[name] = world["canned"]["personal"].pk
        elif template.startswith("/settings/accounts/"):
            values[name] = objects["accounts.businessaccount"].pk
        elif "notices" in template:
            values[name] = world["notice"].pk
        else:
            values[name] = objects[by_prefix[first]].pk
    return template.format(**values)


# -- the sweep ------------------------------------------------------------------------------------


def _answer(response) -> str:
    if response.status_code == 302 and re.match(r"^/(admin/)?login/", response.url):
        return "login"
    return str(response.status_code)


def _client_of(user) -> Client:
    """A client logged in as ``user`` (anonymous for None), its session's idle refresh
    (accounts/session_idle.py) stored by a first page outside the sweep's savepoints: rolled back
    with each request, it made every request of the sweep write the session again."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
        assert client.get("/login/").status_code == 200
    return client


def _manager_answer(name: str, row: str) -> str:
    return MANAGER.get(name) or row.split()[USERS.index("no_role") + 1]


def test_a_manager_gets_the_answer_the_tables_give(db, world, templates_uncaptured):
    client = _client_of(world["users"]["manager"])
    wrong = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as meta:
        meta.add(responses.GET, re.compile(r".*"), status=400, json={"error": {"message": "swept", "code": 100}})
        meta.add(responses.POST, re.compile(r".*"), status=400, json={"error": {"message": "swept", "code": 100}})
        for template, converters, name, _ in patterns():
            if template.startswith("/admin/") or name not in PAGES or name == "logout":
                continue
            method, expected = PAGES[name].split()[0], _manager_answer(name, PAGES[name])
            url = _fill(world, template, converters)
            with transaction.atomic():
                response = getattr(client, method.lower())(url)
                transaction.set_rollback(True)
            if _answer(response) != expected:
                wrong.append(f"{method} {url} ({name}): {_answer(response)}, expected {expected}")
    assert wrong == []


def test_every_url_pattern_is_classified():
    unknown = [f"{name or '-'} {template}" for template, _, name, _ in patterns() if _classify(template, name) is None]
    assert unknown == [], "Add these to PAGES / ADMIN_PAGES (or their model to ADMIN_MODELS)"


@pytest.mark.parametrize("who", USERS)
def test_each_user_gets_the_answer_the_table_gives(db, world, who, templates_uncaptured):
    client = _client_of(world["users"][who])
    column = USERS.index(who) + 1
    wrong = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as meta:
        meta.add(responses.GET, re.compile(r".*"), status=400, json={"error": {"message": "swept", "code": 100}})
        meta.add(responses.POST, re.compile(r".*"), status=400, json={"error": {"message": "swept", "code": 100}})
        for template, converters, name, _ in patterns():
            row = _classify(template, name)
            if row is None:
                continue  # test_every_url_pattern_is_classified names it
            method, expected = row.split()[0], row.split()[column]
            if not _requested(template, expected):
                continue
            url = _fill(world, template, converters)
            with transaction.atomic():
                response = getattr(client, method.lower())(url)
                transaction.set_rollback(True)
            if _answer(response) != expected:
                wrong.append(f"{method} {url} ({name or 'unnamed'}): {_answer(response)}, expected {expected}")
            elif who == "stranger" and response.status_code == 200:
                # His own pages open; none may show account A's customer, number, template or file.
                shown = [mark for mark in A_MARKS if mark in response.content.decode(errors="replace")]
                if shown:
                    wrong.append(f"{method} {url} ({name}) shows the stranger account A's {shown}")
    assert wrong == []
