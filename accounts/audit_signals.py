"""Changes recorded wherever they are made (admin, console, shell, service): credentials of an
account, a user's groups, a group's permissions and the operators of a number.

Signals know no request: who acted comes from ``acting_as`` (set per request by
``AuditActorMiddleware`` and by services that are told their actor).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_save, pre_save

from .models import BusinessAccount, PhoneNumber
from .services.audit import current_actor, record_audit, record_audits

CREDENTIAL_FIELDS = ("access_token", "app_secret", "verify_token")


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_remember_credentials, sender=BusinessAccount, dispatch_uid="audit.credentials.pre")
    post_save.connect(_record_credentials, sender=BusinessAccount, dispatch_uid="audit.credentials.post")
    m2m_changed.connect(_groups_changed, sender=user_model.groups.through, dispatch_uid="audit.groups")
    m2m_changed.connect(_permissions_changed, sender=Group.permissions.through, dispatch_uid="audit.permissions")
    m2m_changed.connect(_operators_changed, sender=PhoneNumber.operators.through, dispatch_uid="audit.operators")


def _remember_credentials(sender, instance: BusinessAccount, update_fields=None, raw=False, **kwargs) -> None:
    if raw or (update_fields is not None and not set(update_fields) & set(CREDENTIAL_FIELDS)):
        instance._audit_changed_credentials = []
        return
    old = BusinessAccount.objects.filter(pk=instance.pk).only(*CREDENTIAL_FIELDS).first() if instance.pk else None
    # Names of the fields only: the values are secrets and never leave the encrypted column.
    instance._audit_changed_credentials = [
        name for name in CREDENTIAL_FIELDS if old is None or getattr(old, name) != getattr(instance, name)
    ]


def _record_credentials(sender, instance: BusinessAccount, created: bool, raw=False, **kwargs) -> None:
    changed = getattr(instance, "_audit_changed_credentials", [])
    instance._audit_changed_credentials = []
    if raw or not changed:
        return
    action = "business_account.credentials_set" if created else "business_account.credentials_changed"
    record_audit(actor=current_actor(), action=action, obj=instance, details={"fields": changed})


def _watch(action: str, instance, pk_set, through_field: str):
    """Turn ``pre_clear`` into the set being removed; only additions and removals are recorded."""
    if action == "pre_clear":
        relation = getattr(instance, through_field, None)
        instance._audit_cleared = set(relation.values_list("pk", flat=True)) if relation is not None else set()
        return None
    if action == "post_clear":
        return "post_remove", getattr(instance, "_audit_cleared", set())
    if action in ("post_add", "post_remove") and pk_set:
        return action, pk_set
    return None


def _groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    watched = _watch(action, instance, pk_set, "user_set" if reverse else "groups")
    if not watched or not watched[1]:
        return
    verb = "added" if watched[0] == "post_add" else "removed"
    if reverse:  # group.user_set.add(...): one entry per user
        users = list(get_user_model()._default_manager.filter(pk__in=watched[1]))
        names = [instance.name]
    else:
        users = [instance]
        names = sorted(Group.objects.filter(pk__in=watched[1]).values_list("name", flat=True))
    record_audits(
        actor=current_actor(),
        action=f"user.groups_{verb}",
        objects=[(user, None) for user in users],
        details={"groups": names},
    )


def _permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    watched = _watch(action, instance, pk_set, "group_set" if reverse else "permissions")
    if not watched or not watched[1]:
        return
    verb = "added" if watched[0] == "post_add" else "removed"
    if reverse:  # permission.group_set.add(...): one entry per group
        groups = list(Group.objects.filter(pk__in=watched[1]))
        codes = [f"{instance.content_type.app_label}.{instance.codename}"]
    else:
        groups = [instance]
        codes = [
            f"{perm.content_type.app_label}.{perm.codename}"
            for perm in Permission.objects.filter(pk__in=watched[1]).select_related("content_type")
        ]
    record_audits(
        actor=current_actor(),
        action=f"group.permissions_{verb}",
        objects=[(group, None) for group in groups],
        details={"permissions": sorted(codes)},
    )


def _operators_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    watched = _watch(action, instance, pk_set, "phone_numbers" if reverse else "operators")
    if not watched or not watched[1]:
        return
    verb = "granted" if watched[0] == "post_add" else "revoked"
    if reverse:  # user.phone_numbers.add(...): one entry per number
        phones = list(PhoneNumber.objects.filter(pk__in=watched[1]).select_related("account"))
        usernames = [instance.get_username()]
    else:
        phones = [instance]
        usernames = sorted(
            get_user_model()._default_manager.filter(pk__in=watched[1]).values_list("username", flat=True)
        )
    record_audits(
        actor=current_actor(),
        action=f"phone_number.operator_{verb}",
        objects=[(phone, phone.account_id) for phone in phones],
        details={"users": usernames},
    )
