"""The month-end workbook's Coupons sheet (issue 22): per coupon, issued, used, expired, the
discount given on the month's sales and their revenue."""

from __future__ import annotations

from sqlmodel import Session

from storectl.services.books.xlsx import Col, SheetWriter


def coupons_sheet(session: Session, wb, start, end) -> SheetWriter:  # noqa: ANN001
    """Per coupon: issued, used, expired, the discount given on the month's sales and their revenue."""
    from storectl.services.promo import coupons

    cols = [
        Col("优惠券 Coupon", "code", 12), Col("名称 Name", "text", 22),
        Col("发放 Issued", "int", 10, True), Col("使用 Used", "int", 10, True), Col("过期 Expired", "int", 10, True),
        Col("折扣 Discount", "money", 14, True), Col("用券销售额 Revenue", "money", 16, True),
    ]
    sheet = SheetWriter(wb, "Coupons", cols)  # a sale with two coupons counts in the revenue of each
    for r in coupons.figures(session, start, end):
        sheet.append([r["code"], r["name"], r["issued"], r["used"], r["expired"], r["discount"], r["revenue"]])
    sheet.totals()
    sheet.filter()
    return sheet
