"""Roles and PINs: manager-only actions, salted scrypt PIN hashes.

Until some manager has a PIN the shop is a single-user tool and the operator is trusted.
From then on a manager-only action needs an operator who is an active manager and their PIN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from sqlmodel import Session, select

from storectl.errors import StoreError, invalid
from storectl.models import Staff

# scrypt cost: ~16 MiB and well under a second, so a stolen database is slow to brute-force
# while a clerk does not wait.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
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
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(actual, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def validate_pin(pin: str) -> str:
    if not pin or not (pin.isascii() and pin.isdigit()) or not (4 <= len(pin) <= 12):
        raise invalid("a PIN is 4 to 12 digits", "e.g. STORECTL_NEW_PIN=4821 storectl staff set-pin E001")
    return pin


def pins_in_force(session: Session) -> bool:
    return (
        session.exec(
            select(Staff.id).where(Staff.role == "manager", Staff.active == True, Staff.pin_hash.is_not(None))  # noqa: E712
        ).first()
        is not None
    )


def require_manager(session: Session, action: str) -> None:
    """Refuse `action` unless the shop trusts everyone yet, or the operator is a manager with their PIN."""
    if not pins_in_force(session):
        return
    operator = session.info.get("operator") or ""
    staff = session.exec(select(Staff).where(Staff.code == operator)).first()
    if staff is None or staff.role != "manager" or not staff.active:
        raise StoreError(
            "forbidden",
            f"{action} is for managers; operator {operator!r} is not a manager",
            "run it as a manager: --operator CODE with STORECTL_PIN",
        )
    pin = session.info.get("pin")
    if not pin and callable(session.info.get("pin_prompt")):
        pin = session.info["pin_prompt"](f"PIN for {staff.code} ({staff.name})")
    if not verify_pin(pin or "", staff.pin_hash):
        raise StoreError("forbidden", f"{action} needs {operator}'s PIN, and it was missing or wrong", "set STORECTL_PIN or type it at the prompt")


def set_pin(session: Session, *, code: str, pin: str) -> dict:
    """Give a staff member a PIN (stored as a salted scrypt hash). Managers only, once PINs exist."""
    from storectl.services.shop import lookup

    pin = validate_pin(pin)
    staff = lookup.staff(session, code)
    require_manager(session, f"setting {staff.code}'s PIN")
    staff.pin_hash = hash_pin(pin)
    session.add(staff)
    session.flush()
    return {"staff": staff.code, "role": staff.role, "pins_in_force": pins_in_force(session)}
