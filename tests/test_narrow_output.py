"""Human output on a narrow screen, or piped (Rich takes a pipe as 80 columns): a table is printed
whole at its own width, never with a figure cut short ("¥164,97…") or a column squeezed away."""

from conftest import imei, ok, run


def _sell_two(shop):  # noqa: ANN001
    first, second = imei("86000001600030"), imei("86000001600040")
    ok("stock", "in", "--sku", "IP17P", "--store", "SZ01", "--cost", "6299", "--supplier", "SUP01",
       f"{first},{imei('86000001600031')},F2LXK0030", f"{second},{imei('86000001600041')},F2LXK0040")
    ok("sell", "--store", "SZ01", "--staff", "E002", first, "--price", f"{first}=8888.88", "--pay", "wechat=8888.88",
       "--customer", "C002")
    ok("sell", "--store", "SZ01", "--staff", "E001", second, "--pay", "cash=8999")
    return first


def _money(amount: str) -> str:
    whole, _, cents = amount.partition(".")
    return f"¥{int(whole):,}.{cents}"


def test_report_staff_at_80_columns_shows_every_figure_whole(shop):
    _sell_two(shop)
    rows = ok("report", "staff", "-p", "2026-11")
    narrow = run("report", "staff", "-p", "2026-11", env={"COLUMNS": "80"})
    assert narrow.code == 0
    assert "…" not in narrow.stdout
    for row in rows:
        assert row["staff"] in narrow.stdout and row["name"] in narrow.stdout
        for key in ("revenue", "cost", "profit", "avg_ticket"):
            assert _money(row[key]) in narrow.stdout, (key, row[key])


def test_sn_show_at_80_columns_keeps_the_sale_price_and_customer(shop):
    unit = _sell_two(shop)
    narrow = run("sn", "show", unit, env={"COLUMNS": "80"})
    assert narrow.code == 0
    assert "…" not in narrow.stdout
    assert "¥8,888.88" in narrow.stdout and "C002" in narrow.stdout
