"""Encryption keys written in this repository (defaults for the demo and the tests).

Anyone can read them, so production refuses to encrypt with one (see production.py); a test
checks that every Fernet key found in the repository is listed here.
"""

LOCAL_FIELD_ENCRYPTION_KEY = "bG9jYWwtb25seS1rZXktZm9yLXRoZS1kZW1vLS0tLS0="
TEST_FIELD_ENCRYPTION_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="

PUBLISHED_FIELD_ENCRYPTION_KEYS = frozenset({LOCAL_FIELD_ENCRYPTION_KEY, TEST_FIELD_ENCRYPTION_KEY})
