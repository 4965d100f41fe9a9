"""Receivables: payments, statements with running balances, who owes what."""

from __future__ import annotations

import pytest

from conftest import fails, ok, run
from test_sell import put_units


@pytest.fixture
def owing(shop, monkeypatch):
    """C001 buys on credit on 1 and 3 November, returns a laptop, pays twice."""
    put_units("MBA13", "SZ01", "C02AAA", "C02BBB", "C02CCC", cost="6000")
    monkeypatch.setenv("STORECTL_NOW", "2026-10-31T16:30:00+00:00")  # 1 Nov 00:30 in Shanghai
    ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C001", "C02AAA", "C02BBB", "--pay", "cash=998", "--on-credit")
    monkeypatch.setenv("STORECTL_NOW", "2026-11-02T10:00:00+08:00")
    ok("customer", "pay", "C001", "5000", "--method", "transfer")
    monkeypatch.setenv("STORECTL_NOW", "2026-11-03T10:00:00+08:00")
    ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C001", "C02CCC", "--on-credit")
    ok("return", "S-000001", "C02BBB")
    monkeypatch.setenv("STORECTL_NOW", "2026-12-01T09:00:00+08:00")
    ok("customer", "pay", "C001", "¥1,000")


def test_a_statement_runs_the_balance_from_opening_to_closing(owing):
    st = ok("customer", "statement", "C001")
    assert (st["customer"], st["opening"], st["closing"]) == ("C001", "0.00", "9000.00")
    assert [(l["date"], l["doc"], l["kind"], l["amount"], l["balance"]) for l in st["lines"]] == [
        ("2026-11-01", "S-000001", "sale", "15000.00", "15000.00"),
        ("2026-11-02", "PAY-000001", "payment", "-5000.00", "10000.00"),
        ("2026-11-03", "S-000002", "sale", "7999.00", "17999.00"),
        ("2026-11-03", "RT-000001", "return", "-7999.00", "10000.00"),
        ("2026-12-01", "PAY-000002", "payment", "-1000.00", "9000.00"),
    ]
    assert ok("customer", "show", "C001")["balance"] == st["closing"]
    from storectl.services.till import receivables
    from storectl.services.till import sales
    from test_sell import _db

    with _db().read() as s:
        assert receivables.invariants(s) == [] and sales.invariants(s) == []


def test_a_statement_for_a_period_starts_from_the_opening_balance(owing):
    dec = ok("customer", "statement", "C001", "-p", "2026-12")
    assert (dec["opening"], dec["closing"]) == ("10000.00", "9000.00")
    assert [(l["doc"], l["balance"]) for l in dec["lines"]] == [("PAY-000002", "9000.00")]
    nov = ok("customer", "statement", "C001", "-p", "2026-11")
    assert (nov["opening"], nov["closing"]) == ("0.00", "10000.00")
    assert [l["doc"] for l in nov["lines"]] == ["S-000001", "PAY-000001", "S-000002", "RT-000001"]
    assert ok("customer", "statement", "C001", "-p", "2026-10")["lines"] == []


def test_balances_list_who_owes_oldest_debt_first(owing, monkeypatch):
    ok("customer", "add", "C003", "龙华电子", "--credit-limit", "10000")
    put_units("MBA13", "SZ01", "C02DDD")
    ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C003", "C02DDD", "--on-credit")
    rows = ok("customer", "balances")
    # C001's first sale (15000 owed) is covered by 5000 + 7999 + 1000 only in part: still the oldest
    assert [(r["customer"], r["balance"], r["oldest"]) for r in rows] == [
        ("C001", "9000.00", "2026-11-01"), ("C003", "7999.00", "2026-12-01")]
    ok("customer", "pay", "C001", "9000")
    assert [r["customer"] for r in ok("customer", "balances")] == ["C003"]


def test_a_payment_cannot_exceed_what_is_owed(owing):
    err = fails("invalid_input", "customer", "pay", "C001", "9000.01")
    assert "owes 9000.00" in err["message"] and err["hint"] == "storectl customer pay C001 9000.00"
    assert "owes nothing" in fails("invalid_input", "customer", "pay", "C002", "1")["message"]
    fails("invalid_input", "customer", "pay", "C001", "0")
    assert run("customer", "pay", "C001", "--json", "--", "-5").json["error"]["code"] == "invalid_input"
    fails("invalid_input", "customer", "pay", "C001", "5", "--method", "iou")
    fails("not_found", "customer", "pay", "C404", "5")
    assert ok("customer", "show", "C001")["balance"] == "9000.00"
    for args in (("customer", "statement", "☃"), ("customer", "statement", "C001", "-p", "2026-13"),
                 ("customer", "pay", "C001", "abc"), ("customer", "statement", "")):
        r = run(*args, "--json")
        assert r.code == 1 and "Traceback" not in r.stdout + r.stderr, (args, r.stdout, r.stderr)
        assert r.json["error"]["code"] in ("not_found", "invalid_input")
    human = run("customer", "statement", "C001")
    assert human.code == 0 and "PAY-000001" in human.stdout
    assert run("customer", "balances").code == 0

