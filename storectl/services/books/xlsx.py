"""Writing sheets the accountant can trust, streamed with openpyxl's write-only mode.

Money is a number with a ¥ format, dates are dates, codes are text cells, user text that could
be read as a formula (=, +, -, @, tab, CR, LF first) is kept as a quote-prefixed text cell, totals
are SUM formulas, headers are bold, frozen and filtered.

Every formula is written with its value (issue 17): a reader that does not recalculate (a phone's
preview, pandas with calamine) shows the figure, and Excel or LibreOffice, recalculating, find the
same one. openpyxl writes a formula cell as `<f>…</f><v/>`, never with the value it stands for, so
the sheets here are written by `CachedWriter`, openpyxl's own worksheet writer with one addition:
a `CachedFormulaCell` is written as `<f>…</f><v>value</v>`.

Every sheet prints: A4, landscape when it is wide, one page wide, its header rows on every page,
and a page header naming the shop, the period and the sheet (`print_setup`, `page_header`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

MONEY_FORMAT = '"¥"#,##0.00;[Red]-"¥"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PCT_FORMAT = "0.0%"
INT_FORMAT = "#,##0"
# Excel opens at most this many rows per sheet (and silently drops the rest). A longer sheet goes
# on in "Inventory (2)", "Inventory (3)", … with the header repeated; totals sum over all of them.
SHEET_ROWS = 1_048_576
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def display_width(text: str) -> int:
    """Columns a text takes on screen or paper: wide (CJK, full-width) characters count 2."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def column_width(texts: Iterable[str], *, least: float = 8.0, most: float = 60.0) -> float:
    """A column width (Excel's unit, about one Latin character) that fits the widest text."""
    widest = max((display_width(t) for t in texts if t is not None), default=0)
    return max(least, min(most, widest * 1.1 + 2))


# --- formulas with their values ----------------------------------------------------------------

_CACHED_CELL = None


def cached_formula_cell(ws, expr: str, value: Any):  # noqa: ANN001, ANN201
    """A formula cell that carries its value: `value` is what `expr` evaluates to (a number, or ""
    for a formula whose result is an empty text)."""
    global _CACHED_CELL
    if _CACHED_CELL is None:
        from openpyxl.cell.cell import Cell

        class CachedFormulaCell(Cell):
            __slots__ = ("cached",)

        _CACHED_CELL = CachedFormulaCell
    cell = _CACHED_CELL(ws, row=1, column=1, value=expr)
    cell.cached = value
    return cell


def _write_cached(xf, cell, styled: bool) -> None:  # noqa: ANN001
    """`<c r= s= [t="str"]><f>expr</f><v>value</v></c>` (SpreadsheetML: a formula cell's <v> is
    the last computed value; t="str" when that value is text)."""
    from openpyxl.compat import safe_string
    from openpyxl.xml.functions import Element, SubElement

    attrs = {"r": cell.coordinate}
    if styled:
        attrs["s"] = f"{cell.style_id}"
    value = cell.cached
    if isinstance(value, str):
        attrs["t"] = "str"
    el = Element("c", attrs)
    SubElement(el, "f").text = cell._value[1:]
    v = SubElement(el, "v")
    if value is not None and value != "":
        v.text = safe_string(value)
    xf.write(el)


def start_sheet(ws) -> None:  # noqa: ANN001
    """Begin writing a write-only sheet with CachedWriter. Call it once the sheet's properties,
    view and columns are set (they are written here, before the first row) and before any row."""
    from openpyxl.cell._writer import write_cell
    from openpyxl.comments.comment_sheet import CommentRecord
    from openpyxl.worksheet._writer import WorksheetWriter

    class CachedWriter(WorksheetWriter):
        """openpyxl's worksheet writer; a CachedFormulaCell is written with its value."""

        def write_row(self, xf, row, row_idx):  # noqa: ANN001, ANN202
            attrs = {"r": f"{row_idx}"}
            attrs.update(self.ws.row_dimensions.get(row_idx, {}))
            with xf.element("row", attrs):
                for cell in row:
                    if cell._comment is not None:
                        self.ws._comments.append(CommentRecord.from_cell(cell))
                    if cell._value is None and not cell.has_style and not cell._comment:
                        continue
                    if _CACHED_CELL is not None and isinstance(cell, _CACHED_CELL):
                        _write_cached(xf, cell, cell.has_style)
                    else:
                        write_cell(xf, self.ws, cell, cell.has_style)

    if ws._writer is not None:
        raise RuntimeError(f"sheet {ws.title} has already begun")
    ws._writer = CachedWriter(ws)
    ws._writer.write_top()


# --- printing ------------------------------------------------------------------------------------

# A4's printable width at the margins below, in Excel column units (about 1.9 mm each): wider
# sheets print landscape, and every sheet is scaled to one page wide.
PORTRAIT_UNITS = 95


def print_setup(ws, *, widths: Sequence[float], title_rows: str | None, fit_height: bool = False) -> None:  # noqa: ANN001
    """A4, landscape when the columns are wider than a portrait page, one page wide (as many
    pages tall as it takes, or one page when `fit_height`), `title_rows` (e.g. "1:1") repeated on
    every page. Call it before the sheet's first row: fitToPage lives in the sheet's properties."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.paperSize = 9  # A4 (Worksheet.PAPERSIZE_A4; write-only sheets lack the name)
    ws.page_setup.orientation = "landscape" if sum(widths) > PORTRAIT_UNITS else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if fit_height else 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_options.gridLines = False
    if title_rows:
        ws.print_title_rows = title_rows


def page_header(ws, title: str) -> None:  # noqa: ANN001
    """The printed page's header (`title`: shop and period, then the sheet) and a page count."""
    text = title.replace("&", "&&")  # & starts a header code (&P, &N, …)
    ws.HeaderFooter.oddHeader.center.text = f"{text} · {ws.title.replace('&', '&&')}"
    ws.HeaderFooter.oddHeader.center.size = 9
    ws.HeaderFooter.oddFooter.center.text = "&P / &N"
    ws.HeaderFooter.oddFooter.center.size = 8


def col_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


@dataclass(frozen=True)
class Col:
    title: str
    kind: str = "text"  # text | code | int | money | date | datetime | pct | formula
    width: float | None = None
    total: bool = False  # a SUM in the totals row


@dataclass(frozen=True)
class Formula:
    """A formula and the value it evaluates to (written together: see CachedWriter)."""

    expr: str
    value: Any


def is_dangerous(text: str) -> bool:
    return bool(text) and text.startswith(DANGEROUS_START)


class SheetWriter:
    """One write-only worksheet: header, typed rows, an optional totals row."""

    def __init__(self, wb, title: str, columns: Sequence[Col], *, heading: Sequence[str] = ()) -> None:  # noqa: ANN001
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._Cell = WriteOnlyCell
        self.wb = wb
        self.ws = wb.create_sheet(title)
        self.first_ws = self.ws
        self.title = title  # the first sheet's; `sheet_title` is the one being written
        self.sheet_title = title
        self.columns = list(columns)
        self.bold = Font(bold=True)
        self.row = 0
        self.data_rows = 0  # rows written by append(), over all the sheets
        self.sheets = 1
        self.header_row = len(heading) + 1
        self._sums: dict[int, Any] = {i: 0 for i, c in enumerate(self.columns) if c.total}
        self._view(self.header_row)
        for text in heading:  # a few lines above the table (titles, notes)
            self.ws.append([self._text_cell(text, bold=True)])
            self.row += 1
        self.repeat = [c.title for c in self.columns]
        self.ws.append([self._text_cell(c.title, bold=True) for c in self.columns])
        self.row += 1
        self.first_data_row = self.row + 1
        self._ranges: list[tuple[str, int]] = [(title, self.first_data_row)]  # (sheet, first data row)
        # money and date cells share style objects: building them once keeps 100k rows fast
        self._money = self._styled(MONEY_FORMAT)
        self._dates = self._styled(DATE_FORMAT)
        self._datetimes = self._styled(DATETIME_FORMAT)
        self._pct = self._styled(PCT_FORMAT)

    def _view(self, header_row: int) -> None:
        # write-only sheets emit their view and columns with the first row: set them before it
        self.ws.freeze_panes = f"A{header_row + 1}"
        widths = []
        for i, col in enumerate(self.columns, start=1):
            # a header fits its column (CJK characters are two wide), bold and with the filter button
            width = max(col.width or 10.0, column_width([col.title], most=40.0) + 2)
            self.ws.column_dimensions[col_letter(i)].width = width
            widths.append(width)
        print_setup(self.ws, widths=widths, title_rows=f"1:{header_row}")
        start_sheet(self.ws)

    def _wrote(self) -> None:
        """After each row: a full sheet goes on in the next one at once, so `row + 1` is always the
        number the next row gets (callers build formulas such as `=L{r}-M{r}` from it)."""
        self.row += 1
        if self.row >= SHEET_ROWS:
            self.sheets += 1
            self.sheet_title = f"{self.title} ({self.sheets})"
            self.ws = self.wb.create_sheet(self.sheet_title)
            self._view(1)  # (and the same print setup, with the header repeated)
            self.ws.append([self._text_cell(t, bold=True) for t in self.repeat])
            self.row = 1
            self._ranges.append((self.sheet_title, 2))

    def header(self, titles: Sequence[str]) -> None:
        """A bold header row inside the sheet (a second table below the first): repeated at the top
        of each continuation sheet from here on."""
        self.repeat = list(titles)
        self.append_raw([self._text_cell(t, bold=True) for t in titles])

    def _styled(self, number_format: str):  # noqa: ANN202
        cell = self._Cell(self.ws, value=0)
        cell.number_format = number_format
        return cell._style

    def _cell_with(self, value: Any, style) -> Any:  # noqa: ANN001
        cell = self._Cell(self.ws, value=value)
        cell._style = style  # the same immutable style array: no per-cell style lookups
        return cell

    def _text_cell(self, text: Any, *, bold: bool = False):  # noqa: ANN202
        cell = self._Cell(self.ws, value=None if text is None else str(text))
        if cell.value is not None and is_dangerous(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
        if bold:
            cell.font = self.bold
        return cell

    def text(self, value: Any) -> Any:
        """User text or a code: always a text cell, never a formula, zeros kept."""
        if value is None:
            return None
        value = str(value)
        if is_dangerous(value):
            return self._text_cell(value)
        return value

    def money(self, cents: int | None) -> Any:
        if cents is None:
            return None
        return self._cell_with(Decimal(int(cents)).scaleb(-2), self._money)

    def value(self, col: Col, value: Any) -> Any:
        kind = col.kind
        if value is None:
            return None
        if isinstance(value, Formula):
            return self.formula(value, col)
        if kind in ("text", "code"):
            return self.text(value)
        if kind == "money":
            return self.money(value)
        if kind == "int":
            return int(value)
        if kind == "date":
            return self._cell_with(value, self._dates)
        if kind == "datetime":
            return self._cell_with(value, self._datetimes)
        if kind == "pct":
            return self._cell_with(value, self._pct)
        if kind == "formula":
            return self.formula(value, col)
        raise ValueError(kind)

    def formula(self, formula: Formula, col: Col | None = None) -> Any:
        """A formula cell with its value (money format in money and formula columns)."""
        if not isinstance(formula, Formula):
            raise TypeError("a formula is written with its value: Formula(expr, value)")
        style = self._money if col is not None and col.kind in ("money", "formula") else None
        cell = cached_formula_cell(self.ws, formula.expr, formula.value)
        if col is not None and col.kind == "pct":
            style = self._pct
        if style is not None:
            cell._style = style
        return cell

    @staticmethod
    def number(col: Col, value: Any) -> Any:
        """The number a cell of `col` holds for `value` (what a SUM over it adds)."""
        if value is None:
            return 0
        if isinstance(value, Formula):
            return value.value if isinstance(value.value, (int, Decimal)) else 0
        if col.kind == "money":
            return Decimal(int(value)).scaleb(-2)
        return value

    def append(self, values: Sequence[Any]) -> None:
        values = list(values)
        self.ws.append([self.value(c, v) for c, v in zip(self.columns, values)])
        for i in self._sums:
            if i < len(values):
                self._sums[i] += self.number(self.columns[i], values[i])
        self.data_rows += 1
        self._wrote()

    def append_raw(self, cells: Sequence[Any]) -> None:
        self.ws.append(list(cells))
        self._wrote()

    @property
    def last_data_row(self) -> int:
        return self.row

    def totals(self, label: str = "合计 Total") -> int:
        """A totals row of SUM formulas under the data; returns its row number."""
        first, last = self.first_data_row, max(self.row, self.first_data_row - 1)
        # the data's rows on each sheet it spans: [(sheet, first, last)]
        spans = [(t, a, SHEET_ROWS if i < len(self._ranges) - 1 else self.row) for i, (t, a) in enumerate(self._ranges)]
        spans = [(t, a, b) for t, a, b in spans if b >= a]
        cells: list[Any] = []
        for i, col in enumerate(self.columns, start=1):
            if i == 1:
                cells.append(self._text_cell(label, bold=True))
            elif col.total:
                letter = col_letter(i)
                if len(self._ranges) > 1:
                    parts = [f"'{t}'!{letter}{a}:{letter}{b}" for t, a, b in spans]
                    expr = f"=SUM({','.join(parts)})" if parts else "=0"
                else:
                    expr = f"=SUM({letter}{first}:{letter}{last})" if last >= first else "=0"
                cell = cached_formula_cell(self.ws, expr, self._sums[i - 1])
                if col.kind in ("money", "formula"):
                    cell._style = self._money
                cell.font = self.bold
                cells.append(cell)
            else:
                cells.append(None)
        self.total_row = self.row + 1
        self.total_sheet = self.sheet_title
        self.data_end = last if len(self._ranges) == 1 else SHEET_ROWS
        self.ws.append(cells)
        self._wrote()
        return self.total_row

    def filter(self) -> None:
        last = max(self.data_end if hasattr(self, "data_end") else (self.row if self.sheets == 1 else SHEET_ROWS), self.header_row)
        self.first_ws.auto_filter.ref = f"A{self.header_row}:{col_letter(len(self.columns))}{last}"

    def total(self, title: str) -> Any:
        """The value of the totals cell of the column titled `title` (what its SUM comes to)."""
        return self._sums[[c.title for c in self.columns].index(title)]

    def letter(self, title: str) -> str:
        """The column letter of the column titled `title`."""
        return col_letter([c.title for c in self.columns].index(title) + 1)

    def ref(self, title: str) -> str:
        """A cell reference to this sheet's totals cell of the column titled `title`."""
        index = [c.title for c in self.columns].index(title) + 1
        return f"'{self.total_sheet}'!{col_letter(index)}{self.total_row}"


def local_naive(moment: datetime, tz) -> datetime:  # noqa: ANN001
    """Excel has no time zones: show the shop's wall-clock time."""
    return moment.astimezone(tz).replace(tzinfo=None)


def rows_written(sheets: Iterable[SheetWriter]) -> int:
    return sum(s.row for s in sheets)


def codes_for(session, unit_ids: set[int]) -> dict[int, str]:  # noqa: ANN001
    """Each unit's codes joined as "IMEI1 / IMEI2 / SN", fetched in chunks."""
    from sqlalchemy import select

    from storectl.models import UnitCode

    codes: dict[int, list[str]] = {}
    ids = list(unit_ids)
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        for unit_id, code in session.execute(
            select(UnitCode.unit_id, UnitCode.code).where(UnitCode.unit_id.in_(chunk)).order_by(UnitCode.unit_id, UnitCode.position)
        ):
            codes.setdefault(unit_id, []).append(code)
    return {k: " / ".join(v) for k, v in codes.items()}


__all__ = ["Col", "Formula", "SheetWriter", "cached_formula_cell", "local_naive", "is_dangerous", "date", "print_setup", "page_header", "start_sheet"]
