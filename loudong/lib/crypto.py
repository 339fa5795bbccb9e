"""Encryption at rest and keyed blind indexes for personal data.

Values are sealed with AES-256-GCM (authenticated: a tampered cell fails to open,
it never decrypts to garbage). The token names its key, ``kid$base64(nonce+ct)``, so
old keys keep decrypting after a rotation while the first key of
``LOUDONG_DATA_KEY`` seals new values. The *kind* (``id_number``, ``phone``) is bound
in as associated data, so a token cannot be moved to a column of another kind.

Blind indexes are HMAC-SHA256 under ``LOUDONG_INDEX_KEY`` (a separate key), one
derived key per kind and purpose, so exact lookup and uniqueness work without a
scan of decrypted rows, and the same phone in two tables has the same index.
"""

import base64
import functools
import hashlib
import hmac
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(ValueError):
    pass


@functools.cache
def _keyring(spec: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    current = ""
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        kid, sep, raw = item.partition(":")
        if not sep or not kid or "$" in kid:
            raise ImproperlyConfigured("LOUDONG_DATA_KEY items must look like kid:base64key")
        key = base64.b64decode(raw)
        if len(key) != 32:
            raise ImproperlyConfigured(f"LOUDONG_DATA_KEY {kid}: key must be 32 bytes")
        keys[kid] = key
        current = current or kid
    if not keys:
        raise ImproperlyConfigured("LOUDONG_DATA_KEY is empty")
    return current, keys


def keyring() -> tuple[str, dict[str, bytes]]:
    return _keyring(settings.LOUDONG_DATA_KEY)


def current_kid() -> str:
    return keyring()[0]


@functools.cache
def _aead(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def encrypt(plain: str, kind: str) -> str:
    kid, keys = keyring()
    nonce = os.urandom(12)
    sealed = _aead(keys[kid]).encrypt(nonce, plain.encode(), kind.encode())
    return f"{kid}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, kind: str) -> str:
    from cryptography.exceptions import InvalidTag

    kid, _, body = token.partition("$")
    keys = keyring()[1]
    if kid not in keys:
        raise DecryptionError(f"no key {kid!r} in LOUDONG_DATA_KEY")
    try:
        raw = base64.urlsafe_b64decode(body)
        return _aead(keys[kid]).decrypt(raw[:12], raw[12:], kind.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("encrypted value was altered or has the wrong kind") from exc


def token_kid(token: str) -> str:
    return token.partition("$")[0]


@functools.cache
def _derived_key(index_key: str, purpose: str) -> bytes:
    return hmac.new(index_key.encode(), f"loudong-bidx:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(value: str, purpose: str) -> str:
    """HMAC-SHA256, 128 bits as hex: plenty against collisions at city scale."""
    key = _derived_key(settings.LOUDONG_INDEX_KEY, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
