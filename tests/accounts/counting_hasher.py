"""A password hasher that counts the hashes it computes, registered via PASSWORD_HASHERS in tests."""

from django.contrib.auth.hashers import MD5PasswordHasher

calls: list[str] = []


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"

    # verify() hashes through encode(), so this counts checking and hashing alike.
    def encode(self, password, salt):
        calls.append(password)
        return super().encode(password, salt)
