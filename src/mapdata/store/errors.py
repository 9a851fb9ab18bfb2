"""Errors raised by a store (validation failures raise :class:`mapdata.errors.ScenarioError`)."""

from __future__ import annotations

import datetime as dt
from typing import Sequence


class StoreError(Exception):
    """The store cannot be opened or used as asked."""


class StoreVersionError(StoreError):
    """The store's schema version is not the one this mapdata works with."""

    def __init__(self, message: str, *, store_version: int, app_version: int) -> None:
        super().__init__(message)
        self.store_version = store_version
        self.app_version = app_version


class ReadOnlyStoreError(StoreError):
    """A write was attempted on a store opened read-only."""


class RecordNotFoundError(StoreError, LookupError):
    """No record of that kind with that id (or no such audit entry)."""


class ConflictError(StoreError):
    """Someone else changed the record since the editor read it (no lost update).

    ``changed_fields`` are the fields that changed after ``expected_version``;
    ``changed_by`` / ``changed_at`` say who made the latest change and when.
    """

    def __init__(
        self,
        *,
        kind: str,
        record_id: str,
        expected_version: int | None,
        current_version: int | None,
        changed_by: str = "",
        changed_at: dt.datetime | None = None,
        changed_fields: Sequence[str] = (),
        deleted: bool = False,
        exists: bool = False,
    ) -> None:
        self.kind = kind
        self.record_id = record_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.changed_fields = tuple(changed_fields)
        self.deleted = deleted
        self.exists = exists
        super().__init__(self._message())

    def _message(self) -> str:
        what = f"{self.kind} {self.record_id!r}"
        when = self.changed_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.changed_at else "an unknown time"
        who = self.changed_by or "someone"
        if self.exists:
            return (
                f"{what} already exists (version {self.current_version}, last saved by {who} at {when}); "
                "choose another id or edit the existing record"
            )
        if self.deleted:
            return (
                f"{what} was deleted by {who} at {when}: you edited version {self.expected_version}, and the deletion "
                f"is version {self.current_version}. Your change was not saved; restore the record from its history "
                "first if it should stay."
            )
        head = f"{what} was changed by {who} at {when}"
        fields = ", ".join(self.changed_fields) if self.changed_fields else "none recorded"
        return (
            f"{head}: you edited version {self.expected_version}, it is now version {self.current_version} "
            f"(changed fields: {fields}). Your change was not saved; reload the record and apply it again."
        )


class StoreWriteError(StoreError):
    """The database or its disk refused a write; the transaction was rolled back (nothing changed)."""


class StoreFullError(StoreWriteError):
    """The disk holding the store (or the store's own size limit) is full."""


class StoreNotWritableError(StoreWriteError):
    """The store's file (or database) cannot be written by this user: read-only file, folder or role."""
