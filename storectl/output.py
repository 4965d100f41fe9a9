"""Rendering: one JSON document on stdout, or Rich tables for people; errors and exit codes.

This is the only place that turns a StoreError into text or JSON and an exit code.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import Any, Callable, Iterable, Iterator, Sequence

import typer

from storectl.errors import StoreError

EXIT_USER = 1
EXIT_INTERNAL = 70  # a bug, not the user's fault: never 0, 1 or 2


def _default(obj: Any) -> Any:
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


@cache
def _console_type():  # noqa: ANN202
    """Rich's Console, except that text with brackets that are not markup (a name such as "[/]王")
    is printed as it is, never an error: the safety net under `table`, `details` and `notice`,
    which never read data as markup."""
    from rich.console import Console
    from rich.errors import MarkupError

    class SafeConsole(Console):
        def render_str(self, text, **kwargs):  # noqa: ANN001, ANN003, ANN201
            try:
                return super().render_str(text, **kwargs)
            except MarkupError:
                return super().render_str(text, **{**kwargs, "markup": False})

    return SafeConsole


def console(stderr: bool = False):
    # stderr carries messages, one to a line: never hard-wrapped at the width Rich guesses for a pipe
    return _console_type()(stderr=stderr, highlight=False, soft_wrap=stderr)


class OutputFailed(Exception):
    """stdout could not be written (a full disk behind `> file`, a closed pipe)."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc.strerror or str(exc))
        self.errno = exc.errno


def _write_stdout(text: str) -> None:
    """Write and flush now, so a full disk behind `>` fails here, inside the guard, and not at exit."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        _silence_stdout()
        raise OutputFailed(exc) from None


def _silence_stdout() -> None:
    """After stdout failed, point it at /dev/null so the interpreter's final flush of what is still
    buffered does not print "Exception ignored … OSError" (Python's documented advice for EPIPE)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def emit(data: Any, as_json: bool, human: Callable[[Any], None] | None = None) -> None:
    """Print a command's result: the JSON document, or the human rendering."""
    if as_json:
        _write_stdout(dumps(data) + "\n")
        return
    try:
        if human is not None:
            human(data)
        else:
            console().print(dumps(data))
        sys.stdout.flush()
    except OSError as exc:
        _silence_stdout()
        raise OutputFailed(exc) from None


def emit_long(data: dict, key: str, as_json: bool, human: Callable[[Any], None] | None = None) -> None:
    """`emit`, with the long list `data[key]` written one compact object to a line (the same JSON
    document; json's C encoder instead of its indenting Python one: a 100,000-line statement)."""
    if not as_json:
        emit(data, as_json, human)
        return
    head = dumps({k: v for k, v in data.items() if k != key})
    rows = "    " + ",\n    ".join(map(_line_encoder(), data[key])) if data[key] else ""
    body = f'  "{key}": [\n{rows}\n  ]' if rows else f'  "{key}": []'
    _write_stdout((head[:-2] + ",\n" if len(data) > 1 else "{\n") + body + "\n}\n")


def _line_encoder() -> Callable[[Any], str]:
    """One compact JSON object per call, as `json.dumps(row, ensure_ascii=False)` writes it; the
    C encoder made once (json.dumps makes an encoder per call: a third of a 100,000-line statement)."""
    from json import encoder

    if encoder.c_make_encoder is None:  # a Python without the C accelerator
        return lambda row: json.dumps(row, ensure_ascii=False, default=_default)
    make = encoder.c_make_encoder(None, _default, encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda row: "".join(make(row, 0))


def print_wide(renderable) -> None:  # noqa: ANN001
    """Print a table so it fits the screen (80 columns at least; a pipe counts as 80): as it is when
    it fits, else one record per block (`records`) — never a figure cut short ("¥164,97…"), never a
    table the terminal wraps into a jumble."""
    from rich.measure import Measurement
    from rich.table import Table

    out = console()
    natural = Measurement.get(out, out.options.update(max_width=10_000), renderable).maximum
    if natural > out.width and isinstance(renderable, Table) and renderable.columns:
        records(renderable, out)
        return
    out.print(renderable)


def _plain(cell) -> str:  # noqa: ANN001
    from rich.text import Text

    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        from rich.errors import MarkupError

        try:
            return Text.from_markup(cell).plain
        except MarkupError:  # brackets that are not markup: the text as it is
            return cell
    return str(cell)


def records(t, out=None) -> None:  # noqa: ANN001
    """A table too wide for the screen, one record per block: the leading text columns (code, name)
    as the record's first line, then its other columns as "label value" pairs, as many to a line as
    fit. Every value is printed whole."""
    from rich.cells import cell_len
    from rich.markup import escape

    out = out or console()
    width = max(out.width, 40)
    columns = t.columns
    rows = [[_plain(c) for c in col._cells] for col in columns]
    count = len(rows[0]) if rows else 0
    heads = []
    for i, col in enumerate(columns[:3]):
        if col.justify == "right" and i > 0:
            break
        heads.append(i)
        if i >= 1 and col.justify != "right":
            # two text columns (code and name) head the record; a third is usually a figure's label
            if i == 2:
                break
    if t.title:
        out.print(f"[bold]{escape(_plain(t.title))}[/]")
    for r in range(count):
        head = "  ".join(rows[i][r] for i in heads if rows[i][r])
        out.print(f"[bold]{escape(head)}[/]" if head else "")
        line, pieces = "  ", []
        for i, col in enumerate(columns):
            if i in heads:
                continue
            value = rows[i][r]
            if value == "":
                continue
            label = _plain(col.header) or ""
            piece = f"{label} {value}".strip()
            if cell_len(line) + cell_len(piece) + 3 > width and line.strip():
                pieces.append(line)
                line = "  "
            line += ("   " if line.strip() else "") + piece
        if line.strip():
            pieces.append(line)
        for text in pieces:
            out.print(escape(text))  # a long text value wraps between words; a figure is never split
    if t.caption:
        out.print(f"[dim]{escape(_plain(t.caption))}[/]")


def notice(message: str) -> None:
    """A confirmation or progress note: always stderr, so stdout stays one document."""
    console(stderr=True).print(clean(message), markup=False)


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    right: Iterable[str] = (),
    caption: str | None = None,
    bar_last: bool = False,
) -> None:
    from rich.table import Table

    from rich.text import Text

    right = set(right)
    # data is text, never markup: a name like "[/]王" or "[link=…]" prints as typed
    t = Table(title=None if title is None else Text(clean(title)), caption=None if caption is None else Text(clean(caption)),
              show_lines=False, header_style="bold")
    for i, col in enumerate(columns):
        if bar_last and i == len(columns) - 1:  # the bar is what gives way on a narrow terminal
            t.add_column(col, overflow="crop", no_wrap=True, min_width=0, ratio=1)
        elif col in right:  # figures never wrap: a price split over two lines misreads
            t.add_column(col, justify="right", no_wrap=True)
        else:
            t.add_column(col, justify="left", overflow="fold", min_width=min(max(len(col), 4), 8))
    count = 0
    for row in rows:
        t.add_row(*[Text(clean(v)) if v is not None else "" for v in row])
        count += 1
    if count == 0:
        t.add_row(*(["(none)"] + [""] * (len(columns) - 1)))
    print_wide(t)


def details(title: str, rows: Iterable[tuple[str, Any]]) -> None:
    """One record (a member, a product, a unit): its title in bold, then a label and its value to a
    line, labels dim, an empty value a dash. Long values wrap under their own column."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.print(Text(clean(title), style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(label, Text(clean(value)) if value not in (None, "") else Text("—", style="dim"))
    out.print(grid)


def money(text_amount: str | None) -> str:
    """'4999.50' (the JSON form) → '¥4,999.50' for people."""
    if text_amount is None:
        return ""
    negative = text_amount.startswith("-")
    whole, _, frac = text_amount.lstrip("-").partition(".")
    shown = f"¥{int(whole):,}.{frac or '00'}"
    return "-" + shown if negative else shown


def when(iso: str | None) -> str:
    """The one human time format: '2026-11-20 09:30' (shop time, as the JSON's ISO 8601 carries it)."""
    if not iso:
        return ""
    text = str(iso)
    if "T" not in text and " " not in text:
        return text  # a date
    return text.replace("T", " ")[:16]


def render_error(err: StoreError, as_json: bool) -> None:
    if as_json:
        try:
            _write_stdout(dumps(err.as_dict()) + "\n")
            return
        except OutputFailed:
            pass  # stdout is gone: say it on stderr rather than not at all
    from rich.markup import escape

    out = console(stderr=True)
    try:
        out.print(f"[bold red]error[/] ({err.code}): {escape(clean(err.message))}")
        if err.hint:
            out.print(f"[dim]hint:[/] {escape(clean(err.hint))}")
    except OSError:
        pass  # stderr is gone too: the exit code is all that is left


def clean(text: Any) -> str:
    """Text from the database or the command line, safe for a terminal: control characters (ESC,
    BEL, CR, …, and C1 controls) become '?', so stored text can never move the cursor, recolour
    the screen or retitle the window. Newlines and tabs are kept; bidi overrides are made visible."""
    from storectl.codes import strip_controls

    return strip_controls("" if text is None else str(text), keep_newlines=True)


@contextmanager
def guard(as_json: bool) -> Iterator[None]:
    """Run a command body: StoreError → message and exit 1; a bug → short message and exit 70."""
    try:
        yield
    except StoreError as err:
        render_error(err, as_json)
        raise typer.Exit(EXIT_USER) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except KeyboardInterrupt:
        console(stderr=True).print("interrupted: nothing was saved")
        raise typer.Exit(130) from None
    except OutputFailed as exc:
        # `--json > /dev/full`: say so in one line on stderr (a closed pipe says nothing), exit 1
        if exc.errno != errno.EPIPE:
            try:
                console(stderr=True).print(f"[bold red]error[/] (storage): cannot write the output: {exc}")
            except OSError:
                pass
        raise typer.Exit(EXIT_USER) from None
    except UnicodeEncodeError as exc:
        if "surrogates not allowed" not in str(exc):
            _internal(exc, as_json)
        # Bytes that are not UTF-8 in argv, stdin or the environment (a GBK terminal, a binary
        # file) reach Python as lone surrogates; the database cannot store them.
        render_error(StoreError("invalid_input", "the text given is not valid UTF-8 (a byte that is not UTF-8 was typed or piped in)",
                                "check the terminal's encoding (e.g. LANG=zh_CN.UTF-8) and type it again"), as_json)
        raise typer.Exit(EXIT_USER) from None
    except Exception as exc:  # noqa: BLE001
        from storectl.db import translate_db_error

        if isinstance(exc, MemoryError):
            render_error(StoreError("storage", "storectl ran out of memory", "give it a smaller file, or run it on a machine with more memory"), as_json)
            raise typer.Exit(EXIT_USER) from None

        mapped = translate_db_error(exc)
        if mapped is not None:
            render_error(mapped, as_json)
            raise typer.Exit(EXIT_USER) from None
        if os.environ.get("STORECTL_DEBUG"):
            raise
        _internal(exc, as_json)


def _internal(exc: Exception, as_json: bool) -> None:
    """A bug: a short message and exit 70 (the traceback with STORECTL_DEBUG=1)."""
    if os.environ.get("STORECTL_DEBUG"):
        raise exc
    from rich.markup import escape

    from storectl.db import driver_message

    # the driver's one line, never SQLAlchemy's text with the SQL and every bound parameter
    text = clean(driver_message(exc))
    err = {"error": {"code": "internal", "message": f"storectl failed: {type(exc).__name__}: {text}", "hint": "this is a bug; rerun with STORECTL_DEBUG=1 for details and report it"}}
    try:
        if as_json:
            _write_stdout(dumps(err) + "\n")
        else:
            console(stderr=True).print(f"[bold red]internal error[/]: {type(exc).__name__}: {escape(text)}")
    except (OSError, OutputFailed):
        pass
    raise typer.Exit(EXIT_INTERNAL) from None
