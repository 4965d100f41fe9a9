"""The one exception a user ever sees, and the closed set of its codes."""

from __future__ import annotations

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
