"""Errors raised by a store (validation failures raise :class:`mapdata.model.errors.ScenarioError`)."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Sequence

from mapdata.model.errors import MapdataError


class StoreError(MapdataError):
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


class StoreUnavailableError(StoreError):
    """The store's server cannot be reached right now (down, restarting, failing over); mapdata retries.

    ``retry_in`` is how many seconds until the next attempt to reconnect.
    """

    def __init__(self, message: str, *, retry_in: float = 0.0) -> None:
        super().__init__(message)
        self.retry_in = retry_in


# -- credentials never shown -------------------------------------------------------------

REDACTED = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^\s/@:'\"]*:)(?P<secret>[^\s/'\"]*)@", re.IGNORECASE)
_KEY_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd|sslpassword)\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;,'\"]+)",
    re.IGNORECASE,
)


def _passwords_in(location: str) -> set[str]:
    """The passwords a store location holds (URL user-info and password= options), encoded and decoded."""
    found: set[str] = set()
    for pattern in (_URL_PASSWORD, _KEY_PASSWORD):
        for match in pattern.finditer(location):
            secret = match.group("secret").strip("'\"")
            if secret:
                found |= {secret, urllib.parse.unquote(secret)}
    return {s for s in found if len(s) >= 3}  # a one- or two-character "password" would garble every message


def redact(text: object, *locations: str | None) -> str:
    """``text`` with every credential hidden: the password of any ``scheme://user:password@host`` URL
    and of any ``password=...`` option (URL query or libpq conninfo), and every literal occurrence
    of a password held by ``locations`` (the store URLs in use: a driver's message may echo them).

    The one function mapdata uses wherever it shows a store location or an error about one
    (pages, messages, logs, the CLI).
    """
    out = str(text)
    secrets: set[str] = set()
    for location in (out, *(loc for loc in locations if loc)):
        secrets |= _passwords_in(location)
    out = _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED + "@", out)
    out = _KEY_PASSWORD.sub(lambda m: m.group("head") + REDACTED, out)
    for secret in sorted(secrets, key=len, reverse=True):
        if secret != REDACTED:
            out = out.replace(secret, REDACTED)
    return out


class StoreWriteError(StoreError):
    """The database or its disk refused a write; the transaction was rolled back (nothing changed)."""


class StoreFullError(StoreWriteError):
    """The disk holding the store (or the store's own size limit) is full."""


class StoreNotWritableError(StoreWriteError):
    """The store's file (or database) cannot be written by this user: read-only file, folder or role."""
