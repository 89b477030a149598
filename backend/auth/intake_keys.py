"""Intake API keys: `rbk_<id>_<secret>`, shown once, stored as a salted hash, revocable at once.

Why a salted HMAC-SHA256 and not scrypt/PBKDF2: the secret is 256 random bits, not a password, so
nobody can guess it and key stretching adds nothing but per-request CPU (every intake call verifies
a key). A per-key random salt keeps equal secrets from producing equal hashes and stops precomputed
tables; the comparison is constant-time. The id is a public prefix, so lookup is one primary-key read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from backend import errors
from backend.storage import Storage, Tx, utcnow

KEY_PREFIX = "rbk_"
_KEY = re.compile(r"^rbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class IntakeKey:
    """A verified intake key: which organization and project it may write to."""

    id: str
    org_id: str
    project_id: str
    name: str


def _hash(salt: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode("ascii"), hashlib.sha256).hexdigest()


def create_key(tx: Tx, *, org_id: str, project_id: str, name: str) -> tuple[IntakeKey, str]:
    """Store a new key for a project; return it and the full key string (shown once, never stored)."""
    key_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    tx.execute(
        "INSERT INTO intake_keys (id, org_id, project_id, name, salt, secret_hash, created_at) "
        "VALUES (:id, :org, :project, :name, :salt, :hash, :now)",
        {"id": key_id, "org": org_id, "project": project_id, "name": name, "salt": salt,
         "hash": _hash(salt, secret), "now": utcnow()},
    )
    return IntakeKey(key_id, org_id, project_id, name), f"{KEY_PREFIX}{key_id}_{secret}"


KEY_COLUMNS = "id, org_id, project_id, name, salt, secret_hash, revoked_at"  # what key_from_row checks


def split_key(presented: str) -> tuple[str, str]:
    """Return the (id, secret) of a presented key string, or raise KeyInvalid when it is not one."""
    match = _KEY.fullmatch(presented)
    if match is None:
        raise errors.KeyInvalid()
    key_id, secret = match.groups()
    return key_id, secret


def key_from_row(row: dict[str, Any] | None, secret: str) -> IntakeKey:
    """Return the key a row of KEY_COLUMNS stands for if `secret` is its secret; else raise KeyInvalid."""
    if row is None or not hmac.compare_digest(_hash(row["salt"], secret), row["secret_hash"]):
        raise errors.KeyInvalid()
    if row["revoked_at"] is not None:
        raise errors.KeyInvalid("The API key has been revoked.")
    return IntakeKey(row["id"], row["org_id"], row["project_id"], row["name"])


def verify_key(tx: Tx, presented: str) -> IntakeKey:
    """Return the key a caller presented, or raise KeyInvalid (unknown, wrong secret, or revoked)."""
    key_id, secret = split_key(presented)
    return key_from_row(_key_row(tx, key_id), secret)


def _key_row(tx: Tx, key_id: str) -> dict[str, Any] | None:
    return tx.query_one(f"SELECT {KEY_COLUMNS} FROM intake_keys WHERE id = :id", {"id": key_id})


MAX_KNOWN_KEYS = 10_000  # per app; past it the memory starts again


class KnownKeys:
    """The keys this app has read (one per app): their secret is checked here, without a query.

    A key's id, salt, hash, organization and project never change once stored, so every worker may
    remember them. Whether the key is revoked may change at any time: the caller's statement checks
    `revoked_at` itself (backend.reports.intake_postgres), so a revocation is still seen at once, and
    then `forget`s it here.
    """

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Any]] = {}  # key id -> its row of KEY_COLUMNS, once read

    def verify(self, storage: Storage, presented: str) -> IntakeKey:
        """Return the key a caller presented, or raise KeyInvalid (unknown, wrong secret, or revoked)."""
        key_id, secret = split_key(presented)
        row = self._rows.get(key_id)
        if row is not None:
            return key_from_row({**row, "revoked_at": None}, secret)  # revoked_at: the caller's to check
        with storage.single_read() as tx:
            row = _key_row(tx, key_id)
        key = key_from_row(row, secret)
        assert row is not None  # key_from_row raised otherwise
        if len(self._rows) > MAX_KNOWN_KEYS:
            self._rows.clear()
        self._rows[key_id] = row
        return key

    def forget(self, key_id: str) -> None:
        """Drop what is remembered of a key (it was found revoked or gone)."""
        self._rows.pop(key_id, None)


def list_keys(tx: Tx, *, org_id: str | None = None, project_id: str | None = None) -> list[dict[str, Any]]:
    """List keys (never their secrets), newest first, optionally for one organization/project."""
    return tx.query(
        "SELECT id, org_id, project_id, name, created_at, revoked_at FROM intake_keys "
        "WHERE (:org IS NULL OR org_id = :org) AND (:project IS NULL OR project_id = :project) "
        "ORDER BY created_at DESC, id",
        {"org": org_id, "project": project_id},
    )


def revoke_key(tx: Tx, key_id: str) -> bool:
    """Revoke a key; return False when it does not exist. Revoking twice keeps the first time."""
    key_id = key_id.removeprefix(KEY_PREFIX).split("_")[0]
    exists = tx.query_one("SELECT id FROM intake_keys WHERE id = :id", {"id": key_id})
    if exists is None:
        return False
    tx.execute(
        "UPDATE intake_keys SET revoked_at = COALESCE(revoked_at, :now) WHERE id = :id",
        {"id": key_id, "now": utcnow()},
    )
    return True
