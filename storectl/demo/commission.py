"""The demo's commission (提成 / 三级分佣, issue 20): rules for phones and accessories, two partners
(a property manager who introduced a decorator), a chain of referred members, payouts in the middle
and at the end of the month, and a return after a payout.

`plan(month, day)` puts the day's commission events on the month's agenda. It draws nothing from
the month's random stream and sells nothing itself, so every other figure of the demo stays as it
was: the lines come from the sales the month makes anyway.
"""

from __future__ import annotations

from datetime import date, timedelta

PARTNERS = (
    ("P-WY01", "万科城物业 李经理 (物业经理)", None),
    ("P-ZX02", "家美装饰 装修公司 陈总", "P-WY01"),  # the property manager brought the decorator in
)
# (category or None for all, role, --pct, --amount, --base); phones pay per unit, accessories on profit
RULES = (
    ("手机", "seller", None, "50", None),
    ("笔记本", "seller", None, "80", None),
    ("平板", "seller", None, "40", None),
    *((c, "seller", "10", None, "profit") for c in ("保护壳", "贴膜", "充电器", "数据线", "耳机", "移动电源")),
    (None, "ref1", "1", None, None),
    (None, "ref2", "0.5", None, None),
    (None, "ref3", "0.2", None, None),
)
FAN_REFERRER = "P-ZX02"  # the decorator sent the month's first daily member (who buys a phone the day they join)
CHAIN_HEAD = ("18681714341", "P-ZX02")  # 冯嘉豪 came through the decorator; he referred 蔡欣怡 (members.csv)


def plan(month, day: date) -> None:  # noqa: ANN001
    from storectl.services.commission import partners, payouts, rules

    boss = month.manager["SZ01"]
    desk = month.sellers["WH01"][0]
    n = day.day
    if n == 1:
        for code, name, ref in PARTNERS:
            month.plan(day, "08:45", boss, "partner add", lambda s, a=(code, name, ref): partners.add_partner(
                s, code=a[0], name=a[1], referrer=a[2]))
        for category, role, pct, amount, base in RULES:
            month.plan(day, "08:50", boss, "commission rule add", lambda s, a=(category, role, pct, amount, base): rules.add_rule(
                s, category=a[0], all_=a[0] is None, role=a[1], pct=a[2], amount=a[3], base=a[4]))
    if n == 2:
        month.plan(day, "09:05", boss, "member set-referrer", lambda s: partners.set_member_referrer(
            s, phone=CHAIN_HEAD[0], referrer=CHAIN_HEAD[1]))
    if day == month.fan.joined:  # after they join (by 21:02), before their phone (21:30)
        month.plan(day, "21:20", month.fan.staff or boss, "member set-referrer", lambda s: partners.set_member_referrer(
            s, phone=month.fan.phone, referrer=FAN_REFERRER))
    if n == 15:  # the wholesale desk's 提成 of the 5th's order is payable; one phone of it comes back tomorrow
        for earner in (desk, "P-ZX02", "P-WY01"):
            month.plan(day, "18:00", boss, "commission pay", lambda s, e=earner: _pay(s, payouts, e, "transfer"))
    if (day + timedelta(days=1)).month != day.month:  # month end: everyone owed something is paid, clawbacks netted
        month.plan(day, "20:30", boss, "commission pay", lambda s: _pay_everyone(s, payouts))


def _pay(s, payouts, earner: str, method: str) -> None:  # noqa: ANN001
    owed = {r["earner"]: r for r in payouts.payable(s)}
    if earner in owed and owed[earner]["lines"] and not owed[earner]["payable"].startswith("-"):
        payouts.pay(s, earner=earner, method=method)


def _pay_everyone(s, payouts) -> None:  # noqa: ANN001
    for row in payouts.payable(s):
        if row["lines"] and not row["payable"].startswith("-"):
            payouts.pay(s, earner=row["earner"], method="transfer" if row["kind"] != "staff" else "cash")
