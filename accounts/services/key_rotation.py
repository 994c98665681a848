"""Re-encrypt every stored secret under the first FIELD_ENCRYPTION_KEY, so old keys can be dropped."""

from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from accounts.encryption import EncryptedTextField, decrypt, is_encrypted_with_current_key


@dataclass(frozen=True)
class FieldRotation:
    """What rotation did to one encrypted column: counts only, never a value."""

    label: str  # "app_label.Model.field"
    rotated: int
    already_current: int


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed model, found through the app registry."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_encryption_key() -> list[FieldRotation]:
    """Rewrite each secret not yet encrypted with the first key; rows already under it are left alone.

    Safe to run again (a second run rotates nothing). Each column is rewritten in one transaction,
    so a secret that no configured key can read stops the column with nothing half-written.
    """
    return [_rotate_field(model=model, field=field) for model, field in encrypted_fields()]


def _rotate_field(*, model: type[models.Model], field: EncryptedTextField) -> FieldRotation:
    rotated = already_current = 0
    # Cast to a plain TextField so the ciphertext comes back as stored, not decrypted.
    rows = (
        model._base_manager.exclude(**{f"{field.attname}__isnull": True})
        .exclude(**{field.attname: ""})
        .annotate(stored=Cast(field.attname, output_field=models.TextField()))
        .values_list("pk", "stored")
    )
    with transaction.atomic():
        for pk, stored in rows.select_for_update().iterator():
            if is_encrypted_with_current_key(stored):
                already_current += 1
                continue
            # The field encrypts on save with the first key; update() skips signals and save() logic.
            model._base_manager.filter(pk=pk).update(**{field.attname: decrypt(stored)})
            rotated += 1
    return FieldRotation(label=f"{model._meta.label}.{field.name}", rotated=rotated, already_current=already_current)
