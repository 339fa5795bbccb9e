"""Blind indexes and encryption for registry rows in bulk — and, for a first import into
SQLite, the resident rows themselves, staged in a scratch database (``seal_rows``);
Django-free, so that the importer can run it in a spawned helper process on the second core
while it reads on (importer.py).

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
import sqlite3
from array import array
from binascii import b2a_base64

NO_DIGEST = bytes(16)
# base64.urlsafe_b64encode's alphabet, without its two Python-level calls a value.
_URLSAFE = bytes.maketrans(b"+/", b"-_")
# The packed line of a row whose cells were found unchanged (importer: source hash): no
# person fields travel, nothing is computed for it. A packed person line always has tabs.
SKIPPED = "\x00"

# 政治面貌 values that make a party member (``Resident.is_party_member``; models re-exports).
PARTY_STATUSES = frozenset({"中共党员", "中共预备党员", "党员"})


def is_party_status(status: str) -> bool:
    return " ".join(str(status or "").split()) in PARTY_STATUSES


# The rows the helper stages for SQLite (see ``seal_rows``): a row's index in the file's good
# rows, its (file) home, its householder and party flags (bits 0 and 1), the resident's text
# columns, and its six keyed hashes as one run of hex (``STAGED_HASHES``, 32 characters each;
# the phone's two empty when there is no phone): twelve values a row to bind, not eighteen.
STAGE_TABLE = (
    "CREATE TABLE stage (i INTEGER PRIMARY KEY, home INTEGER, flags INTEGER, name, relation, "
    "sex, birth_date, notes, id_number, phone, political_status, hashes)"
)
STAGED_HASHES = (
    "id_number_index", "row_hash", "source_hash", "id_number_last4", "phone_index", "phone_last4"
)  # fmt: skip


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


def start(
    kid: str, data_key: bytes, index_keys: dict[str, bytes], stage: str = "", tokens: str = ""
) -> None:
    """Initialiser of the helper process: the data key and the derived index keys, once;
    the staging database (a file made by the importer, ``STAGE_TABLE`` in it), if any; and
    the file that the tokens go to instead of the pipe (``seal_rows``), if any."""
    _helper["sealer"] = Sealer(kid, data_key)
    for purpose, key in index_keys.items():
        _helper[purpose] = Hmac(key)
    _helper["last4"] = {}
    _helper["party"] = {}
    if stage:
        # A scratch file that lives for one import and is read once: no journal, no sync.
        db = sqlite3.connect(stage, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        _helper["stage"] = db
    if tokens:
        _helper["tokens"] = open(tokens, "ab", buffering=0)


def stop() -> None:
    """The end of a run in a process that goes on (the importer's own, for the chunks it
    took back): its staging database closed and forgotten."""
    stage = _helper.pop("stage", None)
    if stage is not None:
        stage.close()


def row_hash_message(packed: str) -> bytes:
    """What ``Resident.row_hash`` is the keyed hash of: every imported field of the person
    (the household is compared by id beside it)."""
    return f"{ROW_HASH_VERSION}\t{packed}".encode()


def seal_rows(
    packed: bytes, seal: bool, at: tuple[int, bytes, bytes] | None = None
) -> tuple[bytes, bytes, bytes | tuple[int, int], int]:
    """For a chunk of packed rows (importer._Rows), per row: the 16-byte blind index of the
    ID, the 16-byte row hash, and, when ``seal``, one line "ID token, ID last-4 index, phone
    token, phone index, phone last-4 index, political status token" (tab-separated); and how
    many rows it staged.

    Field 3 of a row is the ID, field 6 the phone and field 7 the political status (sealed
    too: party membership is sensitive); an empty line is a vacant home, and
    ``SKIPPED`` an unchanged row (both: zero digests, no tokens).

    With a staging database (``start``), ``seal`` and ``at`` — the chunk's first row index,
    its rows' homes (``array("l")`` bytes) and source hashes (16 bytes a row) — each person
    row is written there as the resident row a first import inserts (``STAGE_TABLE``), so
    that SQLite's importer copies them with one ``INSERT … SELECT`` instead of binding every
    value on its own, GIL-holding thread (PostgreSQL's server process does that work beside
    its client already); no tokens come back then (a chunk that is not copied — one with a
    current resident in it — is sealed by the importer itself), so that the result crossing
    the pipe is the 32 bytes a row of the two digests, not ~250. Likewise, with a tokens
    file (``start``) the tokens are appended there and their place comes back instead —
    (offset, length) — for the importer's write to read a chunk at a time: the pipe's reader
    is a thread of the importer that waits for the GIL on every 64 KB, which had kept this
    process waiting on a full pipe for about half of its chunks.
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
    stage = _helper.get("stage") if seal and at is not None else None
    staged = []
    if stage is not None:
        first, homes, sources = at
        homes = array("l", homes)
        party = _helper["party"]
    for k, line in enumerate(packed.decode().split("\n")):
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
        digest = outer.digest()[:16]
        digests += digest
        inner = hash_inner.copy()
        inner.update((hash_prefix + line).encode())
        outer = hash_outer.copy()
        outer.update(inner.digest())
        row_hash = outer.digest()[:16]
        hashes += row_hash
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
                phone_token = encrypt(phone, b"phone")
            else:
                phone_token = phone_index = phone_tail = ""
            political = fields[7]
            political_token = encrypt(political, b"text") if political else ""
            id_token = encrypt(number, b"id_number")
            if stage is None:
                tokens.append(
                    f"{id_token}\t{id_tail}\t{phone_token}\t{phone_index}\t{phone_tail}\t"
                    f"{political_token}"
                )
            else:
                member = party.get(political)
                if member is None:
                    member = party[political] = is_party_status(political)
                name, relation, holder, _, sex, birth, _, _, notes = fields
                at16 = 16 * k
                staged.append(
                    (
                        first + k, homes[k], (holder == "1") | member << 1, name, relation, sex,
                        birth or None, notes, id_token, phone_token, political_token,
                        f"{(digest + row_hash + sources[at16 : at16 + 16]).hex()}{id_tail}"
                        f"{phone_index}{phone_tail}",
                    )
                )  # fmt: skip
    if staged:
        stage.execute("BEGIN")
        stage.executemany(f"INSERT INTO stage VALUES ({', '.join('?' * 12)})", staged)
        stage.execute("COMMIT")
    if not seal or stage is not None:
        return bytes(digests), bytes(hashes), b"", len(staged)
    tokens = "\n".join(tokens).encode()
    out = _helper.get("tokens")
    if out is None:
        return bytes(digests), bytes(hashes), tokens, 0
    if out.write(tokens) != len(tokens):  # (no room: the importer seals the chunk itself)
        raise OSError("short write")
    return bytes(digests), bytes(hashes), (out.tell() - len(tokens), len(tokens)), 0
