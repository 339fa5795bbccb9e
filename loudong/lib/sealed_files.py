"""Files holding personal data, encrypted at rest like the protected fields.

Signed agreement scans, leaders' photos and incident photos are personal data (PRODUCT.md:
"encrypt at rest"). Each file is sealed with AES-256-GCM under the current
``LOUDONG_DATA_KEY`` with its *purpose* bound in as associated data, stored under a random
name in the default storage (``MEDIA_ROOT``, shared by every app node), and opened only by a
view that has checked the reader's rights and written the audit row.

File layout: ``LDSF1`` magic, key id length (1 byte), key id, 12-byte nonce, ciphertext.
"""

import os
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from loudong.lib import crypto

MAGIC = b"LDSF1"


class SealedFileError(ValueError):
    pass


def seal_bytes(data: bytes, purpose: str) -> bytes:
    kid, keys = crypto.keyring()
    nonce = os.urandom(12)
    sealed = crypto._aead(keys[kid]).encrypt(nonce, data, purpose.encode())
    kid_bytes = kid.encode()
    return MAGIC + bytes([len(kid_bytes)]) + kid_bytes + nonce + sealed


def open_bytes(blob: bytes, purpose: str) -> bytes:
    from cryptography.exceptions import InvalidTag

    if not blob.startswith(MAGIC):
        raise SealedFileError("不是加密保存的文件")
    n = blob[len(MAGIC)]
    start = len(MAGIC) + 1
    kid = blob[start : start + n].decode()
    keys = crypto.keyring()[1]
    if kid not in keys:
        raise SealedFileError(f"缺少密钥 {kid}")
    nonce = blob[start + n : start + n + 12]
    try:
        return crypto._aead(keys[kid]).decrypt(nonce, blob[start + n + 12 :], purpose.encode())
    except InvalidTag:
        raise SealedFileError("文件已损坏或被篡改") from None


def save_sealed(data: bytes, *, purpose: str, folder: str, suffix: str = "") -> str:
    """Seal ``data`` and store it under ``folder`` with a random name; returns the name."""
    name = f"{folder.strip('/')}/{secrets.token_urlsafe(18)}{suffix}.sealed"
    return default_storage.save(name, ContentFile(seal_bytes(data, purpose)))


def read_sealed(name: str, *, purpose: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return open_bytes(handle.read(), purpose)


def delete_sealed(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
