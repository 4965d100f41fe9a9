"""The month-end workbook's Commission sheet (issue 20): every commission line dated in the month
(returns negative), with a totals row the Summary's commission expense refers to."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from storectl.models import CommissionLine, CommissionPayout, Customer, Partner, Staff
from storectl.services.books.xlsx import Col, SheetWriter, local_naive

COLS = [
    Col("日期 Date", "datetime", 17),
    Col("单据 Document", "code", 12),
    Col("提成人 Earner", "code", 14),
    Col("姓名 Name", "text", 16),
    Col("角色 Role", "code", 8),
    Col("规则 Rule", "int", 7),
    Col("数量 Qty", "int", 8),
    Col("基数 Base", "money", 13),
    Col("佣金 Commission", "money", 13, True),
    Col("付款 Payout", "code", 11),
]
AMOUNT = "佣金 Commission"


def commission_sheet(session: Session, wb, start, end, tz) -> SheetWriter:  # noqa: ANN001
    sheet = SheetWriter(wb, "Commission", COLS)
    names = {
        "staff": {r.id: (r.code, r.name) for r in session.execute(select(Staff.id, Staff.code, Staff.name))},
        "partner": {r.id: (r.code, r.name) for r in session.execute(select(Partner.id, Partner.code, Partner.name))},
    }
    members = session.execute(
        select(Customer.id, Customer.code, Customer.phone, Customer.name)
        .where(Customer.id.in_(select(CommissionLine.earner_id).where(CommissionLine.earner_kind == "member")))
    ).all()
    names["member"] = {r.id: (r.phone or r.code, r.name) for r in members}
    payouts = dict(session.execute(select(CommissionPayout.id, CommissionPayout.doc_no)).all())
    query = (
        select(CommissionLine).where(CommissionLine.at >= start, CommissionLine.at < end)
        .order_by(CommissionLine.at, CommissionLine.id)
    )
    for line in session.execute(query.execution_options(yield_per=5000)).scalars():
        code, name = names[line.earner_kind].get(line.earner_id, ("?", ""))
        sheet.append([local_naive(line.at, tz), line.doc_no, code, name, line.role, line.rule_id, line.qty,
                      line.base_cents, line.amount_cents, payouts.get(line.payout_id)])
    sheet.totals()
    sheet.filter()
    return sheet
