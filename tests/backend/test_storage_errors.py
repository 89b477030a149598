"""Storage errors never carry a password, and a SQLite path that is no regular file is refused at open."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.storage import StorageError, open_storage
from backend.storage.postgres_tx import driver_message, redact_password


@pytest.mark.parametrize(
    "message",
    [
        'connection to "postgresql://app:s3cretPW@db.example/rb" failed',
        "could not connect: host=db password=s3cretPW dbname=rb",
        "could not connect: host=db password = 's3cret PW' dbname=rb",
        "bad: password='s3cretPW",
        "bad: PASSWORD=s3cretPW",
        'URI: "postgres://u:s3cretPW@[::1:1/db"',
    ],
)
def test_a_driver_message_never_carries_the_password(message: str) -> None:
    redacted = redact_password(message)
    assert "s3cret" not in redacted and "***" in redacted
    assert "s3cret" not in driver_message(RuntimeError(message + "\nDETAIL: x\n"))


def test_a_message_without_a_password_is_unchanged() -> None:
    message = 'connection to server at "127.0.0.1", port 1 failed: Connection refused'
    assert redact_password(message) == message


@pytest.mark.parametrize("kind", ["fifo", "directory"])
@pytest.mark.parametrize("create", [True, False])
def test_a_sqlite_path_that_is_no_regular_file_is_a_storage_error(
    tmp_path: Path, kind: str, create: bool
) -> None:
    target = tmp_path / "db"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    storage = open_storage(target, create=create)
    with pytest.raises(StorageError, match="not a regular file"):
        storage.upgrade()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["db"]


def test_a_missing_sqlite_file_is_not_created_when_create_is_false(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "a" / "rb.db", create=False)
    with pytest.raises(StorageError, match="no database at"):
        storage.applied_versions()
    assert list(tmp_path.iterdir()) == []
