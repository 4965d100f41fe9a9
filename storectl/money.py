"""Parsing and formatting of money (integer cents), percentages and multipliers.

Money lives as an int of cents (fen) everywhere; text is only turned into it here. The
parsers work on digit strings and ints, so no binary float ever touches an amount.
"""

from __future__ import annotations

import re

from storectl.errors import invalid

MONEY_HINT = "e.g. 4999, 4999.50, 4,999.00 or ¥4999"
PERCENT_HINT = "e.g. 5, 7.5 or 12.25 (a percentage between 0 and 100)"
MULTIPLIER_HINT = "e.g. 1, 1.5 or 1.125 (greater than 0, at most 100)"

MAX_INTEGER_DIGITS = 12

# Chinese input methods type full-width digits and punctuation; treat them as their ASCII twins.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，．－％￥", "0123456789,.-%¥")

# Only ASCII digits: Python's \d and Decimal also accept e.g. Arabic-Indic digits.
_MONEY = re.compile(
    r"(?P<sign>-?)(?:¥ ?)?(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]{1,2}))?"
)
_PERCENT = re.compile(r"(?P<int>[0-9]{1,6})(?:\.(?P<frac>[0-9]{1,2}))? ?%?")
_MULTIPLIER = re.compile(r"(?P<int>[0-9]{1,6})(?:\.(?P<frac>[0-9]{1,3}))?")


def _scaled(int_part: str, frac: str | None, places: int) -> int:
    """'12', '5', 2 -> 1250: the number in units of 10**-places, exactly."""
    return int(int_part) * 10**places + int((frac or "").ljust(places, "0"))


def parse_money(
    text: str, *, allow_negative: bool = False, allow_zero: bool = True, what: str = "amount"
) -> int:
    """'¥4,999.50' -> 499950 (cents). Anything doubtful is refused rather than guessed."""
    raw = (text or "").strip()
    if not raw:
        raise invalid(f"{what} is empty", MONEY_HINT)
    norm = raw.translate(_FULL_WIDTH)
    m = _MONEY.fullmatch(norm)
    if m is None:
        if re.fullmatch(r"-?(?:¥ ?)?[0-9,]+\.[0-9]{3,}", norm):
            raise invalid(f"{what} {raw!r} has more than two decimals", MONEY_HINT)
        if "," in norm and _MONEY.fullmatch(norm.replace(",", "")):
            raise invalid(f"{what} {raw!r} has misplaced thousands separators", MONEY_HINT)
        raise invalid(f"{what} {raw!r} is not an amount of money", MONEY_HINT)
    digits = m["int"].replace(",", "").lstrip("0")
    # Checked before int(): a 5000-digit string would otherwise hit Python's int-size guard.
    if len(digits) > MAX_INTEGER_DIGITS:
        raise invalid(f"{what} {raw!r} is too large", MONEY_HINT)
    cents = _scaled(digits or "0", m["frac"], 2)
    if m["sign"]:
        if not allow_negative:
            raise invalid(f"{what} {raw!r} cannot be negative", MONEY_HINT)
        cents = -cents
    if cents == 0 and not allow_zero:
        raise invalid(f"{what} cannot be zero", MONEY_HINT)
    return cents


_WHOLE = re.compile(r"[0-9]+")


def parse_whole(text: str, *, what: str = "number", low: int = 0, high: int, hint: str = "") -> int:
    """A whole number typed by a person: ASCII digits, or the full-width digits of a Chinese input
    method (３ → 3), as money accepts them. Superscripts (²), circled numbers (①) and other scripts'
    digits (Arabic-Indic ٣) are refused, as money refuses them: Python's isdigit() and int() take
    some of them, and a scanner never types them."""
    raw = (text or "").strip()
    norm = raw.translate(_FULL_WIDTH)
    hint = hint or f"a whole number from {low:,} to {high:,}, e.g. {max(low, 1)}"
    # the length is checked before int(): a 5000-digit string would hit Python's int-size guard
    if not _WHOLE.fullmatch(norm) or len(norm.lstrip("0")) > len(str(high)) or not low <= int(norm) <= high:
        raise invalid(f"{what} {raw!r} is not a whole number from {low:,} to {high:,}", hint)
    return int(norm)


def div_half_up(num: int, den: int) -> int:
    """num / den rounded half up (halves away from zero, as money is rounded), den > 0."""
    if den <= 0:
        raise ValueError("den must be positive")
    q = (2 * abs(num) + den) // (2 * den)
    return q if num >= 0 else -q


def format_tenths(tenths: int) -> str:
    """141 -> '14.1'; -5 -> '-0.5'."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    return f"{sign}{whole}.{frac}"


def format_money(cents: int) -> str:
    """499950 -> '4999.50': the JSON form, exact, no separators."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_money_human(cents: int) -> str:
    """499950 -> '¥4,999.50'; -1250 -> '-¥12.50'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}¥{whole:,}.{frac:02d}"


def _trim(value: int, places: int) -> str:
    """Fixed-point int to the shortest decimal text: 750, 2 -> '7.5'."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**places)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}." + f"{frac:0{places}d}".rstrip("0")


def parse_percent(text: str) -> int:
    """'7.5' or '7.5%' -> 750 (basis points), 0..100 %."""
    raw = (text or "").strip()
    m = _PERCENT.fullmatch(raw.translate(_FULL_WIDTH))
    if m is None and raw.translate(_FULL_WIDTH).startswith("-"):
        raise invalid(f"percentage {raw!r} cannot be negative", PERCENT_HINT)
    if m is None:
        raise invalid(f"percentage {raw!r} is not a number with at most two decimals", PERCENT_HINT)
    bp = _scaled(m["int"], m["frac"], 2)
    if bp > 10_000:
        raise invalid(f"percentage {raw!r} is above 100", PERCENT_HINT)
    return bp


def format_percent(bp: int) -> str:
    """750 -> '7.5'."""
    return _trim(bp, 2)


def parse_multiplier(text: str) -> int:
    """'1.5' -> 1500 (thousandths); greater than 0, at most 100."""
    raw = (text or "").strip()
    m = _MULTIPLIER.fullmatch(raw.translate(_FULL_WIDTH))
    if m is None and raw.translate(_FULL_WIDTH).startswith("-"):
        raise invalid(f"multiplier {raw!r} cannot be negative", MULTIPLIER_HINT)
    if m is None:
        raise invalid(f"multiplier {raw!r} is not a number with at most three decimals", MULTIPLIER_HINT)
    milli = _scaled(m["int"], m["frac"], 3)
    if not 0 < milli <= 100_000:
        raise invalid(f"multiplier {raw!r} must be greater than 0 and at most 100", MULTIPLIER_HINT)
    return milli


def format_multiplier(milli: int) -> str:
    """1500 -> '1.5'."""
    return _trim(milli, 3)


def cents_of(text: str) -> int:
    """The JSON form back to cents (`"-12.50"` → -1250): for sorting and re-using report rows."""
    return parse_money(text, allow_negative=True)
