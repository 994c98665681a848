"""The encryption of WhatsApp Flows data-endpoint requests (docs/flows.md "The data endpoint").

Meta wraps a fresh 128-bit AES key with the number's RSA public key (RSA-OAEP, SHA-256 for the hash and
for MGF1), encrypts the JSON request with AES-128-GCM under a 16-byte IV (the 16-byte tag appended), and
sends the three parts base64 encoded. The answer is encrypted with the same AES key and the IV with every
bit inverted, the tag appended, as base64 text. Both sides are here: the endpoint's (decrypt the request,
encrypt the answer) and Meta's (the simulator: encrypt a request, decrypt the answer).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BITS = 2048
AES_KEY_BYTES = 16
IV_BYTES = 16
TAG_BYTES = 16
_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class Undecryptable(Exception):
    """The request cannot be decrypted (bad base64, wrong sizes, no key fits, bad tag): Meta's 421."""


@dataclass(frozen=True)
class Decrypted:
    """A decrypted request: its JSON, the AES key and IV the answer needs, and which key fitted."""

    payload: dict[str, Any]
    aes_key: bytes
    iv: bytes
    key_id: Any


def generate_private_key() -> rsa.RSAPrivateKey:
    """A new 2048-bit RSA key (public exponent 65537)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#8 PEM, unencrypted: callers keep it encrypted at rest."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_key_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """The SubjectPublicKeyInfo PEM Meta takes as ``business_public_key``."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


# -- the endpoint's side -----------------------------------------------------------------------


def decrypt_request(body: dict[str, Any], keys: Iterable[tuple[Any, rsa.RSAPrivateKey]]) -> Decrypted:
    """Decrypt Meta's request with the first of ``keys`` ((id, private key) pairs) that unwraps its AES key.

    Raises :class:`Undecryptable` for anything that is not a well-formed request under one of the keys.
    The error says what was wrong, never what the data held.
    """
    wrapped = _b64(body.get("encrypted_aes_key"), "encrypted_aes_key")
    data = _b64(body.get("encrypted_flow_data"), "encrypted_flow_data")
    iv = _b64(body.get("initial_vector"), "initial_vector")
    if len(iv) != IV_BYTES:
        raise Undecryptable(f"initial_vector is {len(iv)} bytes, not {IV_BYTES}")
    if len(data) <= TAG_BYTES:
        raise Undecryptable("encrypted_flow_data is too short to hold the GCM tag")
    for key_id, key in keys:
        if len(wrapped) != key.key_size // 8:
            continue
        try:
            aes_key = key.decrypt(wrapped, _OAEP)
        except ValueError:
            continue  # another key of the number (a rotation), or of another number
        if len(aes_key) != AES_KEY_BYTES:
            raise Undecryptable(f"the AES key is {len(aes_key)} bytes, not {AES_KEY_BYTES}")
        try:
            clear = AESGCM(aes_key).decrypt(iv, data, None)
        except InvalidTag:
            raise Undecryptable("the GCM tag does not match (tampered or wrong key)") from None
        try:
            payload = json.loads(clear)
        except ValueError:
            raise Undecryptable("the decrypted data is not JSON") from None
        if not isinstance(payload, dict):
            raise Undecryptable("the decrypted data is not a JSON object")
        return Decrypted(payload=payload, aes_key=aes_key, iv=iv, key_id=key_id)
    raise Undecryptable("no private key of the signing account's numbers unwraps encrypted_aes_key")


def encrypt_response(payload: dict[str, Any], *, aes_key: bytes, iv: bytes) -> str:
    """The answer: AES-128-GCM with the request's key and inverted IV, tag appended, base64 text."""
    clear = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(AESGCM(aes_key).encrypt(flip_iv(iv), clear, None)).decode()


def flip_iv(iv: bytes) -> bytes:
    """The IV with every bit inverted."""
    return bytes(byte ^ 0xFF for byte in iv)


def _b64(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise Undecryptable(f"{name} is missing or not a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Undecryptable(f"{name} is not base64") from None


# -- Meta's side (the simulator) ------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptedRequest:
    body: dict[str, str]
    aes_key: bytes
    iv: bytes


def encrypt_request(payload: dict[str, Any], public_key: rsa.RSAPublicKey) -> EncryptedRequest:
    """Encrypt ``payload`` for the endpoint holding ``public_key``'s private half, as Meta does."""
    aes_key, iv = os.urandom(AES_KEY_BYTES), os.urandom(IV_BYTES)
    data = AESGCM(aes_key).encrypt(iv, json.dumps(payload).encode(), None)
    body = {
        "encrypted_flow_data": base64.b64encode(data).decode(),
        "encrypted_aes_key": base64.b64encode(public_key.encrypt(aes_key, _OAEP)).decode(),
        "initial_vector": base64.b64encode(iv).decode(),
    }
    return EncryptedRequest(body=body, aes_key=aes_key, iv=iv)


def decrypt_response(text: str, *, aes_key: bytes, iv: bytes) -> dict[str, Any]:
    """Read the endpoint's base64 answer (raises ``ValueError`` if it is not one, ``InvalidTag`` if forged)."""
    clear = AESGCM(aes_key).decrypt(flip_iv(iv), base64.b64decode(text.strip(), validate=True), None)
    payload = json.loads(clear)
    if not isinstance(payload, dict):
        raise ValueError("the answer is not a JSON object")
    return payload
