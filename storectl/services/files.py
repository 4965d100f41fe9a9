"""Reading the files people bring: .csv and .xlsx with a header row, .txt one value per line."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

from storectl.errors import invalid

MAX_BYTES = 200 * 1024 * 1024


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
        rows = list(csv.reader(io.StringIO(_decode(p.read_bytes(), p.name))))
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(p)
    else:
        raise invalid(f"{p.name}: unsupported file type {suffix or '(none)'}", "use .csv or .xlsx with a header row")
    if not rows or not any(c.strip() for c in rows[0]):
        raise invalid(f"{p.name} has no header row", "the first row names the columns")
    headers = [h.strip().lower() for h in rows[0]]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        values = [c.strip() for c in row] + [""] * (len(headers) - len(row))
        out.append((number, dict(zip(headers, values))))
    return headers, out


def _xlsx_rows(p: Path) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise invalid(f"{p.name} is not a readable .xlsx file ({type(exc).__name__})", "save it again from Excel as .xlsx") from None
    try:
        ws = wb.worksheets[0]
        return [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """A .txt file: each non-empty line with its number."""
    p = _check(path)
    text = _decode(p.read_bytes(), p.name)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line.strip()
