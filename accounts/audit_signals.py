"""Changes recorded wherever they are made (admin, console, shell, service): credentials of an
account, a user's groups, a group's permissions and the operators of a number.

Signals know no request: who acted comes from ``acting_as`` (set per request by
``AuditActorMiddleware`` and by services that are told their actor).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models.signals import m2m_changed, post_save, pre_save

from .models import BusinessAccount, PhoneNumber
from .services.audit import current_actor, record_audit, record_audits

CREDENTIAL_FIELDS = ("access_token", "app_secret", "verify_token")


def connect() -> None:
    pre_save.connect(_remember_credentials, sender=BusinessAccount, dispatch_uid="audit.credentials.pre")
    post_save.connect(_record_credentials, sender=BusinessAccount, dispatch_uid="audit.credentials.post")
    for relation in _RELATIONS:
        m2m_changed.connect(relation, sender=relation.through(), dispatch_uid=f"audit.{relation.action}")


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


@dataclass(frozen=True)
class _Relation:
    """One audited many-to-many: ``owner.<forward>`` holds members, ``member.<backward>`` its owners.

    Whichever side a change is made from, the entry is on the owner (one per owner) and names
    the members added or removed, by ``label``.
    """

    action: str  # the entry's action is f"{action}_{verb}"
    verbs: tuple[str, str]  # (added, removed)
    forward: str
    backward: str
    detail: str  # the details key holding the members' labels
    label: Callable[[models.Model], str]
    through: Callable[[], type[models.Model]]
    account_of: Callable[[models.Model], int | None] = lambda owner: None
    member_related: tuple[str, ...] = ()  # what ``label`` reads of a member, fetched with it

    def __call__(self, sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
        watched = _watch(action, instance, pk_set, self.backward if reverse else self.forward)
        if not watched or not watched[1]:
            return
        verb = self.verbs[0] if watched[0] == "post_add" else self.verbs[1]
        # ``model`` is the other side's class: the members when changed from the owner, else the owners.
        others = model._default_manager.filter(pk__in=watched[1])
        if not reverse and self.member_related:
            others = others.select_related(*self.member_related)
        if reverse:
            owners, labels = list(others), [self.label(instance)]
        else:
            owners, labels = [instance], [self.label(member) for member in others]
        record_audits(
            actor=current_actor(),
            action=f"{self.action}_{verb}",
            objects=[(owner, self.account_of(owner)) for owner in owners],
            details={self.detail: sorted(labels)},
        )


def _permission_label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


_RELATIONS = (
    _Relation("user.groups", ("added", "removed"), "groups", "user_set", "groups", lambda group: group.name,
              lambda: get_user_model().groups.through),
    _Relation("group.permissions", ("added", "removed"), "permissions", "group_set", "permissions", _permission_label,
              lambda: Group.permissions.through, member_related=("content_type",)),
    _Relation("phone_number.operator", ("granted", "revoked"), "operators", "phone_numbers", "users",
              lambda user: user.get_username(), lambda: PhoneNumber.operators.through,
              account_of=lambda phone: phone.account_id),
)


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
