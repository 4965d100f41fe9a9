"""Roles and PINs: manager-only actions, salted scrypt PIN hashes, slowing and locking wrong PINs.

Until some manager has a PIN the shop is a single-user tool and the operator is trusted.
From then on a manager-only action needs an operator who is an active manager and their PIN.

The PIN is asked *before* the write lock is taken (`preflight`, called by `db.Database.write`
for commands that declare `manager=True`) and judged again inside it (`require_manager`), so a
manager's open prompt never stops a clerk's sale. A wrong PIN is refused, counted on the staff
row (in the refusal's own transaction, see `record_wrong_pin`) and answered slowly; the fifth in a
row locks the staff code for a quarter of an hour of real time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from storectl import clock
from storectl.errors import StoreError, invalid
from storectl.models import Staff

# scrypt cost: 64 MiB and ~0.25 s per PIN on the shop's machine, so an offline search of all
# 10^6 six-digit PINs of a stolen database takes days of one core, while a manager waits a
# quarter of a second. The parameters are stored in each hash: older hashes keep verifying, and
# are stored again at today's cost the first time their PIN is given right.
_N, _R, _P = 2**16, 8, 1
_MAXMEM = 256 * 1024 * 1024

MIN_PIN_DIGITS, MAX_PIN_DIGITS = 6, 12
MAX_WRONG_PINS = 5  # in a row; the next wrong one locks the code
LOCKOUT = timedelta(minutes=15)
WRONG_PIN_DELAY = 1.0  # seconds a wrong PIN waits, after the refusal is recorded and the lock is free


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32, maxmem=_MAXMEM)
    return "scrypt${}${}${}${}${}".format(
        _N, _R, _P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    )


def verify_pin(pin: str, stored: str | None) -> bool:
    if not stored or not pin:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32, maxmem=_MAXMEM
        )
        return hmac.compare_digest(actual, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def weaker_than_now(stored: str | None) -> bool:
    """A hash made with a lower scrypt cost than today's (a PIN set before the cost was raised)."""
    try:
        scheme, n, r, *_ = (stored or "").split("$")
        return scheme == "scrypt" and (int(n) < _N or int(r) < _R)
    except ValueError:
        return False


def validate_pin(pin: str) -> str:
    """A new PIN: 6 to 12 ASCII digits. (PINs set before this rule keep working until changed.)"""
    if not pin or not (pin.isascii() and pin.isdigit()) or not (MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS):
        raise invalid(
            f"a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits",
            "e.g. STORECTL_NEW_PIN=482913 storectl staff set-pin E001",
        )
    return pin


def pins_in_force(session: Session) -> bool:
    return (
        session.exec(
            select(Staff.id).where(Staff.role == "manager", Staff.active == True, Staff.pin_hash.is_not(None))  # noqa: E712
        ).first()
        is not None
    )


class WrongPin(StoreError):
    """`forbidden` because of a wrong PIN: the refusal's transaction counts it on the staff row."""

    def __init__(self, message: str, hint: str, *, staff: str) -> None:
        super().__init__("forbidden", message, hint)
        self.staff = staff


def _locked(staff: Staff) -> StoreError | None:
    until = staff.pin_locked_until
    if until is None:
        return None
    if until.tzinfo is None:
        from datetime import timezone

        until = until.replace(tzinfo=timezone.utc)
    if until <= clock.real_now():
        return None
    minutes = max(1, int((until - clock.real_now()).total_seconds() + 59) // 60)
    return StoreError(
        "forbidden",
        f"{staff.code} is locked for {minutes} more minute{'s' if minutes != 1 else ''} after {MAX_WRONG_PINS} wrong PINs",
        "wait, or another manager sets a new PIN: storectl staff set-pin " + staff.code,
    )


def _manager(session: Session, action: str) -> Staff:
    operator = session.info.get("operator") or ""
    staff = session.exec(select(Staff).where(Staff.code == operator)).first()
    if staff is None or staff.role != "manager" or not staff.active:
        raise StoreError(
            "forbidden",
            f"{action} is for managers; operator {operator!r} is not a manager",
            "run it as a manager: --operator CODE with STORECTL_PIN",
        )
    return staff


def pin_holder(session: Session) -> tuple[str, str, str] | None:
    """(code, name, PIN hash) when the operator is a manager who will be asked for a PIN, else None.

    Read before the write lock (`db.Database.write(…, manager=True)`); a refusal is left to the
    command's own transaction, which audits it.
    """
    if not pins_in_force(session):
        return None
    operator = session.info.get("operator") or ""
    staff = session.exec(select(Staff).where(Staff.code == operator)).first()
    if staff is None or staff.role != "manager" or not staff.active or not staff.pin_hash or _locked(staff) is not None:
        return None
    return staff.code, staff.name, staff.pin_hash


def require_manager(session: Session, action: str) -> None:
    """Refuse `action` unless the shop trusts everyone yet, or the operator is a manager with their PIN.

    Runs inside the write transaction and never prompts (the prompt came before the lock).
    """
    if not pins_in_force(session):
        return
    staff = _manager(session, action)
    locked = _locked(staff)
    if locked is not None:
        raise locked
    pin = session.info.get("pin")
    if not pin:
        raise StoreError(
            "forbidden",
            f"{action} needs {staff.code}'s PIN, and none was given",
            "type it at the prompt, or set STORECTL_PIN",
        )
    verified = session.info.get("pin_verified")
    ok = verified == (staff.code, staff.pin_hash) if verified else verify_pin(pin, staff.pin_hash)
    if not ok:
        left = MAX_WRONG_PINS - (staff.pin_failures or 0) - 1
        then = f"; {left} more and {staff.code} is locked for {int(LOCKOUT.total_seconds() // 60)} minutes" if left > 0 else f"; {staff.code} is now locked for {int(LOCKOUT.total_seconds() // 60)} minutes"
        raise WrongPin(f"{action} needs {staff.code}'s PIN, and it was wrong{then}", "type it again carefully, or set STORECTL_PIN", staff=staff.code)
    if staff.pin_failures or staff.pin_locked_until is not None:
        session.execute(update(Staff).where(Staff.id == staff.id).values(pin_failures=0, pin_locked_until=None))
    if weaker_than_now(staff.pin_hash):  # the right PIN is at hand once: stored again at today's cost
        session.execute(update(Staff).where(Staff.id == staff.id).values(pin_hash=hash_pin(pin)))


def record_wrong_pin(session: Session, code: str) -> bool:
    """In the refusal's transaction: count a wrong PIN; lock the code at the limit. True when it locked."""
    session.execute(update(Staff).where(Staff.code == code).values(pin_failures=Staff.pin_failures + 1))
    failures = session.execute(select(Staff.pin_failures).where(Staff.code == code)).scalar() or 0
    if failures < MAX_WRONG_PINS:
        return False
    until = clock.real_now() + LOCKOUT
    session.execute(update(Staff).where(Staff.code == code).values(pin_failures=0, pin_locked_until=until))
    return True


def pause_after_wrong_pin() -> None:
    """A wrong PIN answers slowly (outside the lock): guessing by hand takes minutes, not seconds."""
    time.sleep(WRONG_PIN_DELAY)


def set_pin(session: Session, *, code: str, pin: str) -> dict:
    """Give a staff member a PIN (stored as a salted scrypt hash). Managers only, once PINs exist.

    A new PIN also lifts a lockout of that staff code.
    """
    from storectl.services.shop import lookup

    pin = validate_pin(pin)
    staff = lookup.staff(session, code)
    require_manager(session, f"setting {staff.code}'s PIN")
    staff.pin_hash = hash_pin(pin)
    staff.pin_failures = 0
    staff.pin_locked_until = None
    session.add(staff)
    session.flush()
    return {"staff": staff.code, "role": staff.role, "pins_in_force": pins_in_force(session)}
