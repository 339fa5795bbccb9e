"""Blind indexes and encryption for registry rows in bulk; Django-free, so that the importer
can run it in a spawned helper process on the second core while it reads on (importer.py).

Same values as ``loudong.lib.crypto``: ``Hmac(key).hex(v)`` is ``crypto.keyed_hash(v, purpose)``
for the purpose's derived key, and ``Sealer`` makes ``kid$base64(nonce ‖ AES-GCM)`` tokens
that ``crypto.decrypt`` opens. Only the cost differs (tests check both): hmac.digest() keys
SHA-256 afresh for every value, where copying two pre-keyed states (RFC 2104:
H(K⊕opad ‖ H(K⊕ipad ‖ m))) takes half the time; and nonces come from os.urandom 4,096 at a
time instead of one system call per value.
"""

from __future__ import annotations

import hashlib
import os
from binascii import b2a_base64

NO_DIGEST = bytes(16)
# base64.urlsafe_b64encode's alphabet, without its two Python-level calls a value.
_URLSAFE = bytes.maketrans(b"+/", b"-_")
# The packed line of a row whose cells were found unchanged (importer: source hash): no
# person fields travel, nothing is computed for it. A packed person line always has tabs.
SKIPPED = "\x00"


class Hmac:
    """HMAC-SHA256 under one (derived, 32-byte) key, truncated to 128 bits."""

    def __init__(self, key: bytes):
        block = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        self.states = (self._inner, self._outer)  # for loops that copy them in line

    def digest16(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:16]

    def hex(self, value: str | bytes) -> str:
        return self.digest16(value if value.__class__ is bytes else value.encode()).hex()


class Sealer:
    """AES-256-GCM tokens under one key, the value's kind as associated data."""

    def __init__(self, kid: str, key: bytes):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._prefix = f"{kid}$"
        self._encrypt = AESGCM(key).encrypt
        self._nonces = b""
        self._at = 0

    def seal(self, plain: str, kind: bytes) -> str:
        at = self._at
        if at >= len(self._nonces):
            self._nonces = os.urandom(12 * 4096)
            at = 0
        nonce = self._nonces[at : at + 12]
        self._at = at + 12
        sealed = nonce + self._encrypt(nonce, plain.encode(), kind)
        return self._prefix + b2a_base64(sealed, newline=False).translate(_URLSAFE).decode()


class SourceHash:
    """Keyed BLAKE2b (128 bits) of a row's cells as read, before any cleaning or check:
    ``Resident.source_hash``. One hash of one joined string costs ~1 µs a row, against
    ~10 µs for the checks it lets a re-import skip.

    The encoding is injective: all-text cells are joined by NUL, which no cell of an .xlsx
    (XML) or a CSV (refused) can hold — a row where one does anyway, or with a number, date
    or other typed cell, is encoded by each cell's ``repr``, which names its type (``1.0``
    and ``'1.0'`` differ) and escapes NUL. The leading character tells the two forms apart.
    Keyed under a key derived from the index key, so that it cannot confirm a guessed ID.
    """

    VERSION = b"src1"  # change when a per-row check changes: every row is checked again

    def __init__(self, key: bytes):
        self._base = hashlib.blake2b(key=key, digest_size=16, person=self.VERSION)

    def digest(self, cells: tuple | list) -> bytes:
        try:
            message = "s" + "\0".join(cells)
        except TypeError:
            message = ""
        if not message or message.count("\0") != len(cells) - 1:
            message = "t" + "\0".join(repr(c) for c in cells)
        state = self._base.copy()
        state.update(message.encode("utf-8", "surrogatepass"))
        return state.digest()


# -- the helper process ---------------------------------------------------------------------

ROW_HASH_VERSION = "1"
_helper: dict = {}


def start(kid: str, data_key: bytes, index_keys: dict[str, bytes]) -> None:
    """Initialiser of the helper process: the data key and the derived index keys, once."""
    _helper["sealer"] = Sealer(kid, data_key)
    for purpose, key in index_keys.items():
        _helper[purpose] = Hmac(key)
    _helper["last4"] = {}


def row_hash_message(packed: str) -> bytes:
    """What ``Resident.row_hash`` is the keyed hash of: every imported field of the person
    (the household is compared by id beside it)."""
    return f"{ROW_HASH_VERSION}\t{packed}".encode()


def seal_rows(packed: bytes, seal: bool) -> tuple[bytes, bytes, bytes]:
    """For a chunk of packed rows (importer._Rows), per row: the 16-byte blind index of the
    ID, the 16-byte row hash, and, when ``seal``, one line "ID token, ID last-4 index, phone
    token, phone index, phone last-4 index, political status token" (tab-separated).

    Field 3 of a row is the ID, field 6 the phone and field 7 the political status (sealed
    too: party membership is sensitive); an empty line is a vacant home, and
    ``SKIPPED`` an unchanged row (both: zero digests, no tokens).
    """
    # The three HMACs a row (ID index, row hash, phone index) in line: Hmac.digest16's six
    # C calls without a Python frame around them (~0.3 µs each, ~1 µs a row).
    id_inner, id_outer = _helper["id_number"].states
    hash_inner, hash_outer = _helper["row:resident"].states
    phone_inner, phone_outer = _helper["phone"].states
    encrypt = _helper["sealer"].seal
    last4 = _helper["last4"]
    id_last4 = _helper["id_number:last4"].hex
    phone_last4 = _helper["phone:last4"].hex
    hash_prefix = f"{ROW_HASH_VERSION}\t"  # (row_hash_message)
    digests = bytearray()
    hashes = bytearray()
    tokens = []
    for line in packed.decode().split("\n"):
        if not line or line == SKIPPED:
            digests += NO_DIGEST
            hashes += NO_DIGEST
            tokens.append("")
            continue
        fields = line.split("\t")
        number, phone = fields[3], fields[6]
        inner = id_inner.copy()
        inner.update(number.encode())
        outer = id_outer.copy()
        outer.update(inner.digest())
        digests += outer.digest()[:16]
        inner = hash_inner.copy()
        inner.update((hash_prefix + line).encode())
        outer = hash_outer.copy()
        outer.update(inner.digest())
        hashes += outer.digest()[:16]
        if seal:
            tail = number[-4:]
            id_tail = last4.get(tail) or last4.setdefault(tail, id_last4(tail))
            if phone:
                tail = "p" + phone.replace("-", "")[-4:]
                phone_tail = last4.get(tail) or last4.setdefault(tail, phone_last4(tail[1:]))
                inner = phone_inner.copy()
                inner.update(phone.encode())
                outer = phone_outer.copy()
                outer.update(inner.digest())
                phone_index = outer.digest()[:16].hex()
                phone_part = f"{encrypt(phone, b'phone')}\t{phone_index}\t{phone_tail}"
            else:
                phone_part = "\t\t"
            political = fields[7]
            political = encrypt(political, b"text") if political else ""
            tokens.append(f"{encrypt(number, b'id_number')}\t{id_tail}\t{phone_part}\t{political}")
    return bytes(digests), bytes(hashes), ("\n".join(tokens).encode() if seal else b"")
