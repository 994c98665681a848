"""Secrets at rest: a model field that stores Fernet ciphertext and hands out plaintext.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS``; the first encrypts, all decrypt, so a new
key can be put in front and old rows still read (``manage.py rotate_encryption_key`` rewrites them).
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _fernet_for(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError:
        # Any passphrase works too: it is stretched to the 32 bytes Fernet wants.
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys or not all(keys):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set to encrypt secrets at rest.")
    return MultiFernet([_fernet_for(key) for key in keys])


def _cipher() -> MultiFernet:
    return _multi_fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def is_encrypted_with_current_key(ciphertext: str) -> bool:
    """Whether ``ciphertext`` was encrypted with the first (encrypting) key."""
    try:
        _multi_fernet((settings.FIELD_ENCRYPTION_KEYS[0],)).decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _cipher().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY (was the key changed?)."
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted in the database and plain in Python."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
