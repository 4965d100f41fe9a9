"""Reading the files people bring: .csv and .xlsx with a header row, .txt one value per line."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

from storectl.errors import invalid

MAX_BYTES = 200 * 1024 * 1024
# A spreadsheet's declared size is not trusted (a 4.8 KB .xlsx can declare A1:XFD1048576, and
# openpyxl's read-only mode pads every row to the declared width): rows are read one at a time, and
# these limits end the read with a clear message. A real file of unit codes or customers has a
# handful of columns; a million rows is already more than one stock-in or import should be.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 64
MAX_CELLS = 5_000_000


def _check(path: str | Path) -> Path:
    p = Path(str(path)).expanduser()
    if not str(path).strip():
        raise invalid("no file given", "give a .csv, .xlsx or .txt file")
    if not p.exists():
        raise invalid(f"file {str(path)!r} does not exist", "check the path")
    if not p.is_file():
        raise invalid(f"{str(path)!r} is not a regular file", "give a .csv, .xlsx or .txt file")
    if p.stat().st_size > MAX_BYTES:
        raise invalid(f"{p.name} is larger than 200 MB", "split it into smaller files")
    return p


def _cell(value) -> str:  # noqa: ANN001
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise invalid(f"{name} is not text (neither UTF-8 nor GBK)", "save it as CSV UTF-8 or as .xlsx")


def read_table(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header names (lower-cased) and the data rows with their line numbers (header is line 1)."""
    p = _check(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        numbered = _limited(p, enumerate(csv.reader(io.StringIO(_decode(p.read_bytes(), p.name))), start=1))
    elif suffix in (".xlsx", ".xlsm"):
        numbered = _xlsx_rows(p)
    else:
        raise invalid(f"{p.name}: unsupported file type {suffix or '(none)'}", "use .csv or .xlsx with a header row")
    first = next(numbered, None)
    if first is None or first[0] != 1 or not any(c.strip() for c in first[1]):
        raise invalid(f"{p.name} has no header row", "the first row names the columns")
    headers = [h.strip().lower() for h in first[1]]
    out = []
    for number, row in numbered:
        values = [c.strip() for c in row] + [""] * (len(headers) - len(row))
        out.append((number, dict(zip(headers, values))))
    return headers, out


def _limited(p: Path, rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list[str]]]:
    """The non-empty rows, numbered, trailing empty cells dropped; refused past the limits."""
    cells = 0
    for number, raw in rows:
        row = [_cell(v) for v in raw]
        while row and not row[-1]:
            row.pop()
        if not row:
            continue
        if number > MAX_ROWS + 1:
            raise invalid(f"{p.name} has data on line {number:,}; at most {MAX_ROWS:,} rows are read", "split it into smaller files")
        if len(row) > MAX_COLUMNS:
            from openpyxl.utils import get_column_letter

            raise invalid(f"{p.name} has data in column {get_column_letter(min(len(row), 18278))} on line {number:,}; at most {MAX_COLUMNS} columns are read",
                          "keep only the columns storectl needs (one per code kind, or the import's columns) and save it again")
        cells += len(row)
        if cells > MAX_CELLS:
            raise invalid(f"{p.name} holds more than {MAX_CELLS:,} cells", "split it into smaller files")
        yield number, row


def _xlsx_rows(p: Path) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise invalid(f"{p.name} is not a readable .xlsx file ({type(exc).__name__})", "save it again from Excel as .xlsx") from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the rows as they are in the file, not as wide as the sheet claims
        yield from _limited(p, enumerate(ws.iter_rows(values_only=True), start=1))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise invalid(f"{p.name} is not a readable .xlsx file ({type(exc).__name__})", "save it again from Excel as .xlsx") from None
    finally:
        wb.close()


def read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """A .txt file: each non-empty line with its number."""
    p = _check(path)
    text = _decode(p.read_bytes(), p.name)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line.strip()
