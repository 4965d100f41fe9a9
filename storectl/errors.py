"""The one exception a user ever sees, and the closed set of its codes."""

from __future__ import annotations

import errno

CODES = frozenset(
    {
        "not_found",
        "invalid_input",
        "conflict",
        "insufficient_stock",
        "period_closed",
        "already_checked_in",
        "forbidden",
        "busy",
        "db_not_initialized",
        "db_not_migrated",
        "db_too_new",
        "storage",
    }
)


class StoreError(Exception):
    """A problem the user or the data caused: rendered as a message (exit 1), never a traceback."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        if code not in CODES:  # a programming error, caught by the tests
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


def invalid(message: str, hint: str = "") -> StoreError:
    return StoreError("invalid_input", message, hint)


def not_found(message: str, hint: str = "") -> StoreError:
    return StoreError("not_found", message, hint)


STORAGE_ERRNOS = frozenset(getattr(errno, n) for n in ("ENOSPC", "EDQUOT", "EIO", "EROFS", "EFBIG") if hasattr(errno, n))


def storage_error(exc: OSError, what: str = "write the file") -> StoreError:
    """An OSError from a full, failing or read-only disk, as the user sees it."""
    reason = exc.strerror or type(exc).__name__
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        hint = "free some space on that disk, then run it again"
    elif exc.errno == errno.EROFS:
        hint = "the disk is mounted read-only: choose another place"
    else:
        hint = "check the disk (dmesg) and run it again"
    return StoreError("storage", f"cannot {what}: {reason}", hint)
