"""November's trade-ins and pre-orders (issue 23), planned into the demo's month.

Three trade-ins: an iPhone 16 netted on an iPhone 17 sale (以旧换新, the 7th), a Mate 70 Pro paid
out in cash and still on the shelf at month end (the 12th), a 小米 15 paid out in cash on the 9th
and resold used on the 21st. Two pre-orders: an iPhone 17 Pro Max reserved on the 15th with a
¥2,000 定金 taken by 李娜, the 尾款 taken by 王磊 on the 18th; a phone reserved at SZ02 on the 22nd
whose customer never comes back: cancelled on the 27th, the ¥500 定金 kept.
"""

from __future__ import annotations

from datetime import date

from storectl.codes import luhn_check_digit

# the customers who trade in and pre-order: members' phones, as a clerk types them
UPGRADER, BUYER, PRE_ORDER, NO_SHOW = "13052079042", "15955989154", "19832756647", "18681714341"
Skip = Exception  # demo.month's Skip, handed in by plan_story (this module must not import demo.month: it calls here)


def _imei(body14: str) -> str:
    return body14 + luhn_check_digit(body14)


# a used phone's codes: IMEI1,IMEI2,SN (valid IMEIs: the TAC of the model, a serial of our own)
IPHONE16 = f"{_imei('35391811402613')},{_imei('35391811402614')},F4GXQ2P1N7"
MATE70 = f"{_imei('86759607331842')},{_imei('86759607331843')},HWM70PK3R8T2"
MI15 = f"{_imei('86881307215506')},{_imei('86881307215507')},MI15X8Q2W4"


def plan_story(m, day: date, skip: type[Exception]) -> None:  # noqa: ANN001  (m: demo.month.Month)
    global Skip
    Skip = skip
    n = day.day
    if n == 7:
        m.plan(day, "15:20", "E003", "tradein", lambda s: _trade(m, s, "netted", IPHONE16, "IP16-128-BK", "A", 260000, "SZ01", "E003", None, UPGRADER))
        m.plan(day, "15:26", "E003", "sell", lambda s: _netted_sale(m, s))
    if n == 9:
        m.plan(day, "11:05", "E004", "tradein", lambda s: _trade(m, s, "resold", MI15, "MI15-256-BK", "B", 200000, "SZ01", "E004", "cash", BUYER))
    if n == 12:
        m.plan(day, "16:45", "E007", "tradein", lambda s: _trade(m, s, "kept", MATE70, "HWM70P-512-BK", "B", 380000, "SZ02", "E007", "cash", None))
    if n == 21:
        m.plan(day, "18:10", "E002", "sell", lambda s: _resale(m, s))
    if n == 15:
        m.plan(day, "13:30", "E002", "order add", lambda s: _pre_order(m, s, "completed", "SZ01", "E002", "IP17PM", PRE_ORDER, ("wechat", 200000), "2026-11-20"))
    if n == 18:
        m.plan(day, "19:40", "E003", "order complete", lambda s: _complete(m, s))
    if n == 22:
        m.plan(day, "12:15", "E006", "order add", lambda s: _pre_order(m, s, "forfeited", "SZ02", "E006", "IP17P", NO_SHOW, ("cash", 50000), "2026-11-26"))
    if n == 27:
        m.plan(day, "20:30", "E005", "order cancel", lambda s: _forfeit(m, s))


def _trade(m, s, key: str, codes: str, sku: str, grade: str, cents: int, store: str, staff: str, pay: str | None, customer: str | None) -> None:  # noqa: ANN001
    from storectl.services.trade import tradeins

    done = tradeins.trade_in(s, codes=codes, sku=sku, grade=grade, price_cents=cents, store=store, staff=staff, customer=customer, pay_method=pay)
    m.docs["ti_" + key] = done["id"]


def _netted_sale(m, s) -> None:  # noqa: ANN001
    """The iPhone 16's ¥2,600 pays part of a new iPhone 17; the rest by WeChat."""
    from storectl.services.shop import lookup
    from storectl.services.till import sales

    shelf = [u for u in m.units_at(s, "SZ01") if u.sku.startswith("IP17-")]
    if not shelf:
        raise Skip
    price = m.price(s, shelf[0].sku, lookup.customer(s, UPGRADER))
    sales.sell(s, store="SZ01", staff="E003", items=[shelf[0].code], customer=UPGRADER, tradein=[m.docs["ti_netted"]],
               payments=[("wechat", price - 260000)])


def _resale(m, s) -> None:  # noqa: ANN001
    """The 小米 15 bought back on the 9th goes out again, used, at ¥2,599."""
    from storectl.services.till import sales

    code = MI15.split(",")[0]
    sales.sell(s, store="SZ01", staff="E002", items=[code], prices=[(code, 259900)], payments=[("wechat", 259900)])


def _pre_order(m, s, key: str, store: str, staff: str, family: str, customer: str, deposit: tuple[str, int], until: str) -> None:  # noqa: ANN001
    from storectl.services.trade import orders

    shelf = [u for u in m.units_at(s, store) if u.sku.startswith(family + "-")]
    if not shelf:
        raise Skip
    done = orders.add(s, items=[shelf[-1].code], customer=customer, deposit=deposit, store=store, staff=staff, until=until)
    m.docs["so_" + key] = done["id"]


def _complete(m, s) -> None:  # noqa: ANN001
    """王磊 takes the 尾款 by card; 李娜 took the 定金."""
    from storectl.services.trade import orders

    if "so_completed" not in m.docs:
        raise Skip
    shown = orders.show(s, m.docs["so_completed"])
    due = int(shown["due"].replace(".", ""))
    orders.complete(s, order=m.docs["so_completed"], payments=[("card", due)], staff="E003")


def _forfeit(m, s) -> None:  # noqa: ANN001
    from storectl.services.trade import orders

    if "so_forfeited" not in m.docs:
        raise Skip
    orders.cancel(s, order=m.docs["so_forfeited"], forfeit=True, staff="E005")
