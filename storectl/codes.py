"""Codes (SN, IMEI, SKU, store, staff, customer, channel): the one place they are cleaned and checked.

Codes are text, never numbers, so leading zeros survive. Unit codes (SN/IMEI) are upper-cased
because scanners and people disagree on case; every other code keeps the case it was given.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Iterator

from storectl.errors import invalid

MAX_CODE_LENGTH = 64
TOKEN_BYTES = 16


def new_token() -> str:
    """An unguessable code for a link or a printed QR code (a receipt, a service ticket, a campaign):
    128 random bits, URL-safe, never starting with '-' (a command line would take it for an option)."""
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if not token.startswith("-"):
            return token
MAX_KINDS = 5
IMEI_HINT = "an IMEI has 15 digits; check the last digit"

_UNIT_CODE = re.compile(r"[A-Za-z0-9\-_/.]+")
_KIND = re.compile(r"[A-Z][A-Z0-9_]{0,15}")
_DIGITS = re.compile(r"[0-9]+")
# Scanners and spreadsheets separate a unit's codes with tabs or semicolons; Chinese input
# methods type full-width commas and semicolons.
_UNIT_SEPARATORS = re.compile(r"[,;\t，；]")


def clean_code(text: str, what: str = "code") -> str:
    """Strip surrounding whitespace; refuse empty, control or invisible characters, or > 64 chars."""
    code = (text or "").strip()
    if not code:
        raise invalid(f"{what} is empty", f"give a {what}, e.g. A001")
    for ch in code:
        # Category C covers control, format (zero-width), unassigned and private-use characters:
        # invisible in a terminal, so two codes that look equal would not be.
        if unicodedata.category(ch).startswith("C"):
            raise invalid(
                f"{what} {code!r} contains an invisible or control character (U+{ord(ch):04X})",
                "retype the code, or scan it again",
            )
    if len(code) > MAX_CODE_LENGTH:
        raise invalid(
            f"{what} is {len(code)} characters long; at most {MAX_CODE_LENGTH} are allowed",
            f"a {what} is short, e.g. A001",
        )
    return code


_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]*)?[eE]\+[0-9]{1,3}")


def normalize_unit_code(text: str) -> str:
    """An SN or IMEI: cleaned, ASCII letters/digits and - _ / . only, upper-cased.

    NFKC first, as phones: a Chinese input method types full-width digits and letters (３５６…, ＡＢ),
    which are the same code."""
    code = unicodedata.normalize("NFKC", clean_code(text, "unit code")).strip()
    if _SCIENTIFIC.fullmatch(code):
        raise invalid(
            f"unit code {code!r} is a number in Excel's scientific notation: Excel turned the codes into "
            "numbers and the digits are lost",
            "in Excel, format the code column as Text and enter the codes again, or send the .xlsx itself rather than a CSV saved from it",
        )
    # Checked before upper(): some non-ASCII letters change length when upper-cased.
    if not _UNIT_CODE.fullmatch(code):
        raise invalid(
            f"unit code {code!r} may contain only letters, digits and - _ / .",
            "e.g. 356938035643809 or C02XK1ZAJG5J",
        )
    return code.upper()


def luhn_check_digit(body: str) -> str:
    """The Luhn digit that makes body + digit valid ('35693803564380' -> '9')."""
    if not _DIGITS.fullmatch(body or ""):
        raise invalid(f"{body!r} is not a string of digits", "e.g. 35693803564380")
    total = 0
    # The check digit will sit to the right, so the doubling starts at the body's last digit.
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return str(-total % 10)


def is_valid_imei(code: str) -> bool:
    return (
        len(code) == 15
        and _DIGITS.fullmatch(code) is not None
        and luhn_check_digit(code[:14]) == code[14]
    )


def validate_unit_code(kind: str, code: str) -> str:
    """Normalise a unit code; a kind starting with IMEI must also be a Luhn-valid 15-digit IMEI."""
    normal = normalize_unit_code(code)
    label = (kind or "").strip().upper()
    if label.startswith("IMEI") and not is_valid_imei(normal):
        if len(normal) != 15 or not _DIGITS.fullmatch(normal):
            reason = f"has {len(normal)} characters, not 15 digits"
        else:
            reason = f"fails the check digit (expected last digit {luhn_check_digit(normal[:14])})"
        raise invalid(f"{label} {normal} is not a valid IMEI: it {reason}", IMEI_HINT)
    return normal


def parse_code_kinds(text: str) -> list[str]:
    """'imei1, IMEI2,sn' -> ['IMEI1', 'IMEI2', 'SN']: the code kinds one unit carries."""
    hint = "e.g. IMEI1,IMEI2,SN"
    raw = (text or "").strip()
    if not raw:
        raise invalid("code kinds are empty", hint)
    kinds = [part.strip().upper() for part in raw.split(",")]
    for kind in kinds:
        if not _KIND.fullmatch(kind):
            raise invalid(
                f"code kind {kind!r} in {raw!r} is not a name (a letter, then up to 15 letters, digits or _)",
                hint,
            )
    if len(set(kinds)) != len(kinds):
        dup = next(k for k in kinds if kinds.count(k) > 1)
        raise invalid(f"code kind {dup} appears twice in {raw!r}", hint)
    if len(kinds) > MAX_KINDS:
        raise invalid(f"{len(kinds)} code kinds in {raw!r}; a unit carries at most {MAX_KINDS}", hint)
    return kinds


def split_unit_codes(text: str) -> list[str]:
    """One unit written 'IMEI1,IMEI2,SN' (or tab/semicolon separated) -> its normalised codes."""
    hint = "e.g. 356938035643809,356938035643817,C02XK1ZAJG5J"
    raw = (text or "").strip()
    if not raw:
        raise invalid("unit codes are empty", hint)
    parts = [part.strip() for part in _UNIT_SEPARATORS.split(raw)]
    if not all(parts):
        raise invalid(f"{raw!r} has an empty code between separators", hint)
    return [normalize_unit_code(part) for part in parts]


def normalize_phone(value: str | None) -> str | None:
    """A mainland phone as stored: `+86 138-0013-8000` or full-width `１３８…` → `13800138000`.

    None for an empty value; invalid_input for anything that is not 5–15 ASCII digits.
    """
    if value is None or not value.strip():
        return None
    # NFKC: Chinese input methods type full-width digits (１３８…), which must equal 138….
    phone = unicodedata.normalize("NFKC", value).strip().replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    # ASCII digits only: str.isdigit() also accepts e.g. Arabic-Indic or superscript digits.
    if not (phone.isascii() and phone.isdigit()) or not (5 <= len(phone) <= 15):
        raise invalid(f"{value!r} is not a phone number", "digits only, e.g. 13812345678")
    return phone


_LINE_END = re.compile(r"\r\n|\r|\n")


def scanned_lines(stream) -> Iterator[str]:  # noqa: ANN001
    """The lines of a text stream, each without its end: CR, LF and CR LF all end a line (a serial
    scanner ends its codes with CR only, which Python's stdin does not split on)."""
    while True:
        chunk = stream.readline()
        if not chunk:
            return
        parts = _LINE_END.split(chunk)
        if parts and parts[-1] == "":  # the chunk ended with a line end
            parts.pop()
        yield from parts


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def strip_controls(text: str, *, keep_newlines: bool = False) -> str:
    """Text safe to print on a terminal: each control character (C0, DEL, C1 — ESC among them) and
    each bidi override is shown as its escape (``\\x1b``), so stored text can never recolour the
    screen, move the cursor or reorder what is shown. Newlines and tabs stay when asked."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if keep_newlines and ch in "\n\t":
            out.append(ch)
        elif ch in _BIDI or unicodedata.category(ch) == "Cc":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def clean_operator(text: str) -> str:
    """--operator / STORECTL_OPERATOR: a name shown in the audit log, so no control or invisible
    character (an ESC there would be replayed on every screen that shows the log)."""
    return clean_code(text, "operator")


def parse_doc_no(text: str, prefix: str, *, what: str, hint: str) -> str:
    """A document id as people type it: 'S-12', 's12', 'S-000012' -> 'S-000012' (for `prefix` "S").
    `what` names it in the refusal ("an order id"), `hint` says where to find one."""
    raw = (text or "").strip()
    m = re.fullmatch(rf"{prefix}-?0*([0-9]{{1,9}})", raw, flags=re.IGNORECASE)
    if m is None:
        raise invalid(f"{raw!r} is not {what}", hint)
    return f"{prefix}-{int(m[1]):06d}"
