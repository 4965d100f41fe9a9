"""What every command shares: the --json option, the database in use, the write transaction."""

from __future__ import annotations

import getpass
import os
import re
import sys
from typing import Annotated, Optional

import typer

from storectl.output import emit, guard, notice  # noqa: F401  (re-exported for the command modules)

def WHOLE(value) -> int:  # noqa: ANN001, N802  (a typer `parser=`)
    """An integer option, read the way money reads digits: ASCII or full-width (３), nothing else
    (click's own INT takes Arabic-Indic digits and 1_000). The range is each command's
    `in_range`, so a value out of it is `invalid_input`, not a Python OverflowError."""
    if isinstance(value, int):
        return value
    from storectl.money import _FULL_WIDTH

    text = str(value).strip().translate(_FULL_WIDTH)
    if not re.fullmatch(r"[+-]?[0-9]{1,40}", text):
        raise typer.BadParameter(f"{value!r} is not a whole number (digits 0-9)")
    return int(text)


def in_range(value: int | None, option: str, low: int, high: int) -> int | None:
    """Refuse an integer option outside [low, high] (`invalid_input`)."""
    if value is not None and not low <= value <= high:
        from storectl.errors import invalid

        raise invalid(f"{option} {value} is out of range: give a whole number from {low:,} to {high:,}", f"e.g. {option} {max(low, 1)}")
    return value


def _json_or_root(value: bool) -> bool:
    """`storectl --json product show X` means the same as `storectl product show X --json`."""
    return bool(value) or state.json


JsonOpt = Annotated[bool, typer.Option("--json", callback=_json_or_root, help="Print exactly one JSON document on stdout.")]
StoreOpt = Annotated[Optional[str], typer.Option("--store", help="Store code.")]
PeriodOpt = Annotated[Optional[str], typer.Option("--period", "-p", help="2026-11, 2026-11-03, 2026Q4, 2026 or A..B.")]


class State:
    """Set by the root callback from --db / --operator and their environment variables."""

    db: Optional[str] = None
    operator: Optional[str] = None
    json: bool = False  # `storectl --json …`: the default of every command's --json
    command: str = ""  # e.g. "stock in", set when the root resolves the command
    settled: bool = False  # `_settle` has run in this process


state = State()


def operator() -> str:
    if state.operator and state.operator.strip():
        from storectl.codes import clean_operator

        return clean_operator(state.operator)
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001  (no user name in some containers)
        return "unknown"


def counter(store: str | None = None, staff: str | None = None, *, want_staff: bool = False,
            store_option: str = "--store", example: str = "") -> tuple[str, str | None]:
    """The store (and salesperson) at the counter: the options given, else the operator's own when the
    operator is an active staff member (SPEC §10). An explicit option always wins; with no usable
    default, the missing option is `invalid_input` naming it."""
    if store is not None and (staff is not None or not want_staff):
        return store, staff
    person = None
    if state.operator and state.operator.strip():
        from storectl.services.shop import lookup

        with read() as s:
            person = lookup.counter_person(s, state.operator)
    if person is not None:
        return (store if store is not None else person[1]), (staff if staff is not None else person[0])
    from storectl.services.shop import lookup

    missing = [name for name, value in ((store_option, store), ("--staff", staff if want_staff else "")) if value is None]
    raise lookup.no_counter_default(missing, state.operator, example)


def _prompt_pin(label: str) -> str:
    return typer.prompt(label, hide_input=True, err=True)


def interactive() -> bool:
    """Whether a person can be asked (stdin is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


def _settle() -> None:
    """Once per process, when the command first opens the database (its code is loaded by then):
    move what is alive into the collector's permanent generation. A command is short-lived; without
    this every full collection walks SQLAlchemy, pydantic and the models again, a third of a
    100,000-line statement. Collections of what the command itself makes go on as before."""
    import gc

    if not state.settled:
        state.settled = True
        gc.freeze()


def database():
    from storectl.db import Database, resolve_url

    _settle()
    return Database(
        resolve_url(state.db),
        operator=operator(),
        pin=os.environ.get("STORECTL_PIN"),
        pin_prompt=_prompt_pin if interactive() else None,
    )


def command_name() -> str:
    return state.command


def write(*, manager: bool = False):
    """The command's one write transaction (BEGIN IMMEDIATE … COMMIT, audited).

    `manager=True` when the command may be manager-only: a PIN is then asked (or read from
    STORECTL_PIN) before the write lock is taken, never while holding it.
    """
    return database().write(command_name(), manager=manager)


def read():
    """The command's one read snapshot."""
    return database().read(command_name())
