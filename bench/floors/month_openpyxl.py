"""The floor for the month-end workbook: a bare openpyxl write-only script writing the same rows.

The month's sale lines (the Sales sheet: same 14 columns, the same number formats, a profit
formula per row, frozen header, filter, totals) and the serial units on hand at month end (the
Inventory list), read with python's sqlite3 in two joined queries. None of storectl's other sheets,
checks or charts: the least that writing those rows into an .xlsx can cost.

    python bench/floors/month_openpyxl.py DATABASE_PATH OUT.xlsx START_UTC END_UTC
"""

import sqlite3
import sys
from datetime import datetime, timedelta
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

MONEY = '"¥"#,##0.00;[Red]-"¥"#,##0.00'
SHOP_OFFSET = timedelta(hours=8)  # Asia/Shanghai, no DST

SALES = """
SELECT s.at, s.doc_no, so.code, st.name, coalesce(c.name, c.code, '散客'), ch.code, p.sku, p.name,
       (SELECT group_concat(code, ' / ') FROM (SELECT code FROM unit_code WHERE unit_id = sl.unit_id ORDER BY position)),
       sl.qty, sl.price_cents, sl.amount_cents, sl.cost_cents
FROM sale_line sl JOIN sale s ON s.id = sl.sale_id JOIN store so ON so.id = s.store_id JOIN staff st ON st.id = sl.staff_id
JOIN product p ON p.id = sl.product_id LEFT JOIN customer c ON c.id = s.customer_id LEFT JOIN channel ch ON ch.id = s.channel_id
WHERE s.at >= ? AND s.at < ? ORDER BY s.at, s.id, sl.line_no
"""
UNITS = """
SELECT so.code, p.sku, p.name,
       (SELECT group_concat(code, ' / ') FROM (SELECT code FROM unit_code WHERE unit_id = u.id ORDER BY position)),
       u.cost_cents, u.received_at
FROM unit u JOIN store so ON so.id = u.store_id JOIN product p ON p.id = u.product_id
WHERE u.status = 'in_stock' ORDER BY so.code, p.sku, u.id
"""


def local(text: str) -> datetime:
    return datetime.fromisoformat(text) + SHOP_OFFSET


def styled(ws, value, fmt: str) -> WriteOnlyCell:  # noqa: ANN001
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = fmt
    return cell


def main() -> int:
    path, out, start, end = sys.argv[1:5]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sales")
    ws.freeze_panes = "A2"
    ws.append(["日期 Date", "单据 Document", "门店 Store", "店员 Staff", "客户 Customer", "渠道 Channel", "SKU", "商品 Product",
               "串号 Codes", "数量 Qty", "单价 Price", "金额 Amount", "成本 Cost", "毛利 Profit"])
    r = 1
    for at, doc, store, staff, customer, channel, sku, name, codes, qty, price, amount, cost in conn.execute(SALES, (start, end)):
        r += 1
        ws.append([styled(ws, local(at), "yyyy-mm-dd hh:mm"), doc, store, staff, customer, channel, sku, name, codes, qty,
                   styled(ws, Decimal(price).scaleb(-2), MONEY), styled(ws, Decimal(amount).scaleb(-2), MONEY),
                   styled(ws, Decimal(cost).scaleb(-2), MONEY), styled(ws, f"=L{r}-M{r}", MONEY)])
    ws.append(["合计 Total"] + [None] * 8 + [f"=SUM({c}2:{c}{r})" for c in "J"] + [None]
              + [styled(ws, f"=SUM({c}2:{c}{r})", MONEY) for c in "LMN"])
    ws.auto_filter.ref = f"A1:N{r}"
    inv = wb.create_sheet("Inventory")
    inv.append(["门店 Store", "SKU", "商品 Product", "串号 Codes", "成本 Cost", "入库 Received"])
    for store, sku, name, codes, cost, received in conn.execute(UNITS):
        inv.append([store, sku, name, codes, styled(inv, Decimal(cost).scaleb(-2), MONEY), styled(inv, local(received), "yyyy-mm-dd")])
    wb.save(out)
    print(f"wrote {r - 1} sale lines to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
