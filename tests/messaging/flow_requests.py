"""Flows data-endpoint requests built as Meta builds them, with ``cryptography`` directly (not our module).

RSA-OAEP (SHA-256, MGF1-SHA-256) wraps a fresh AES-128 key; AES-GCM with a 16-byte IV encrypts the
JSON, tag appended; the answer comes back under the same key with the inverted IV.
"""

import base64
import json
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.urls import reverse

from cloudapi.signature import sign

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@dataclass
class Sent:
    response: object
    aes_key: bytes
    iv: bytes

    @property
    def status(self) -> int:
        return self.response.status_code

    def answer(self) -> dict:
        """The decrypted answer (fails the test if it is not encrypted as Meta expects)."""
        flipped = bytes(b ^ 0xFF for b in self.iv)
        clear = AESGCM(self.aes_key).decrypt(flipped, base64.b64decode(self.response.content), None)
        return json.loads(clear)


def encrypt(payload: dict, public_key, *, aes_key: bytes | None = None, iv: bytes | None = None) -> tuple[dict, bytes, bytes]:
    aes_key = aes_key or os.urandom(16)
    iv = iv or os.urandom(16)
    body = {
        "encrypted_flow_data": base64.b64encode(AESGCM(aes_key).encrypt(iv, json.dumps(payload).encode(), None)).decode(),
        "encrypted_aes_key": base64.b64encode(public_key.encrypt(aes_key, OAEP)).decode(),
        "initial_vector": base64.b64encode(iv).decode(),
    }
    return body, aes_key, iv


def post_raw(client, body: bytes, *, secret: str | None):
    headers = {"HTTP_X_HUB_SIGNATURE_256": sign(body, secret)} if secret is not None else {}
    return client.post(reverse("messaging:flow-endpoint"), data=body, content_type="application/json", **headers)


def post_flow(client, payload: dict, public_key, *, secret: str | None) -> Sent:
    body, aes_key, iv = encrypt(payload, public_key)
    return Sent(post_raw(client, json.dumps(body).encode(), secret=secret), aes_key, iv)
