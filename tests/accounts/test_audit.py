"""The audit trail: append-only everywhere, and written for credential, role and operator changes."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry, BusinessAccount
from accounts.services import AccountCredentials, connect_account, ensure_user, grant_phone_number
from accounts.services.audit import record_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(account, admin_user):
    return record_audit(actor=admin_user, action="test.done", obj=account, reason="because")


def test_it_names_who_did_what_to_which_account(entry, account, admin_user):
    assert (entry.actor, entry.actor_username, entry.account, entry.reason) == (admin_user, "admin", account, "because")
    assert (entry.object_app, entry.object_model, entry.object_pk) == ("accounts", "businessaccount", str(account.pk))


def test_an_entry_cannot_be_changed_or_deleted(entry):
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "because"


def test_not_even_a_superuser_edits_or_deletes_it_in_the_admin(admin_client, entry):
    change = reverse("admin:accounts_auditentry_change", args=[entry.pk])

    assert admin_client.get(change).status_code == 200  # shown …
    assert admin_client.post(change, {"reason": "rewritten"}).status_code == 403  # … never changed
    assert admin_client.post(reverse("admin:accounts_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == "because"
    assert "test.done" in admin_client.get(reverse("admin:accounts_auditentry_changelist"), {"q": "admin"}).text


def test_deleting_the_user_keeps_the_entry(entry, admin_user):
    admin_user.delete()

    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor is None and entry.actor_username == "admin"


def test_a_credential_change_in_the_admin_names_the_field_never_the_value(admin_client, account, admin_user):
    response = admin_client.post(
        reverse("admin:accounts_businessaccount_change", args=[account.pk]),
        {
            "name": account.name, "waba_id": account.waba_id, "app_id": account.app_id,
            "new_app_secret": "brand-new-secret-42", "new_access_token": "", "new_verify_token": "",
            "phone_numbers-TOTAL_FORMS": "0", "phone_numbers-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="business_account.credentials_changed")
    assert entry.details == {"fields": ["app_secret"]} and entry.actor == admin_user
    everything = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert "brand-new-secret-42" not in everything and "test-app-secret" not in everything


def test_connect_account_records_the_credentials_it_sets(db):
    credentials = AccountCredentials(waba_id="777", phone_number_id="777001", access_token="tok-1",
                                     app_secret="sec-1", verify_token="ver-1")
    connect_account(credentials=credentials)
    connect_account(credentials=AccountCredentials(**{**credentials.__dict__, "access_token": "tok-2"}))

    entries = AuditEntry.objects.filter(account__waba_id="777", action__startswith="business_account.credentials")
    assert AuditEntry.objects.filter(action="business_account.connect").count() == 2
    assert [(e.action, e.details["fields"]) for e in entries.order_by("id")] == [
        ("business_account.credentials_set", ["access_token", "app_secret", "verify_token"]),
        ("business_account.credentials_changed", ["access_token"]),
    ]
    assert "tok-" not in json.dumps(list(entries.values()), default=str)


def test_role_and_group_permission_changes_are_recorded(db, admin_user):
    user = ensure_user(username="otto", password="pw-otto-12345", role=roles.OPERATOR)
    support = Group.objects.get(name=roles.SUPPORT)
    support.user_set.add(user)
    user.groups.remove(support)
    support.permissions.add(Permission.objects.get(codename="delete_message"))

    actions = list(AuditEntry.objects.filter(object_model__in=["user", "group"]).values_list("action", "details"))
    assert ("user.groups_added", {"groups": [roles.OPERATOR]}) in actions
    assert ("user.groups_added", {"groups": [roles.SUPPORT]}) in actions
    assert ("user.groups_removed", {"groups": [roles.SUPPORT]}) in actions
    assert ("group.permissions_added", {"permissions": ["messaging.delete_message"]}) in actions


def test_granting_a_number_is_recorded_with_its_actor(phone, admin_user):
    user = ensure_user(username="otto", password="pw-otto-12345", role=roles.OPERATOR)
    grant_phone_number(user=user, phone_number=phone, actor=admin_user)
    user.phone_numbers.remove(phone)

    granted = AuditEntry.objects.get(action="phone_number.operator_granted", details__users=["otto"])
    revoked = AuditEntry.objects.get(action="phone_number.operator_revoked")
    assert (granted.actor, granted.account_id, granted.object_pk) == (admin_user, phone.account_id, str(phone.pk))
    assert revoked.actor is None and revoked.details == {"users": ["otto"]}


def test_granting_a_number_in_the_admin_is_recorded(admin_client, admin_user, phone):
    user = ensure_user(username="otto", password="pw-otto-12345", role=roles.OPERATOR)

    response = admin_client.post(
        reverse("admin:accounts_phonenumber_change", args=[phone.pk]),
        {
            "account": phone.account_id, "phone_number_id": phone.phone_number_id,
            "display_phone_number": phone.display_phone_number, "verified_name": "", "quality_rating": "UNKNOWN",
            "messaging_limit_tier": "", "throughput_level": "STANDARD", "operators": [user.pk],
        },
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="phone_number.operator_granted", details__users=["otto"])
    assert entry.actor == admin_user
    assert AuditEntry.objects.filter(action="admin.phonenumber.change", actor=admin_user).exists()


def test_an_admin_action_writes_an_entry_per_object(admin_client, account, admin_user):
    from accounts.services import record_account_event
    from django.utils import timezone

    event = record_account_event(account=account, field="account_update", title="Banned", active=True,
                                 occurred_at=timezone.now())
    admin_client.post(reverse("admin:accounts_accountevent_changelist"),
                      {"action": "resolve", "index": "0", "_selected_action": [event.pk]})

    entry = AuditEntry.objects.get(action="admin.accountevent.resolve")
    assert (entry.actor, entry.object_pk, entry.account_id) == (admin_user, str(event.pk), account.pk)


def test_entries_are_scoped_to_the_accounts_of_the_user(client, account, phone, stranger, admin_user):
    other = BusinessAccount.objects.get(waba_id="999")
    record_audit(actor=admin_user, action="test.ours", obj=account)
    record_audit(actor=admin_user, action="test.theirs", obj=other)
    support = ensure_user(username="sue", password="pw-sue-12345", role=roles.SUPPORT)
    grant_phone_number(user=support, phone_number=phone)
    client.force_login(support)

    page = client.get(reverse("admin:accounts_auditentry_changelist")).text

    assert "test.ours" in page and "test.theirs" not in page
