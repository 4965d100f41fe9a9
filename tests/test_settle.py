"""The money arithmetic of a sale (`payments.settle`), a pure function, by properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storectl.errors import StoreError
from storectl.services.till.payments import METHODS, settle

cents = st.integers(min_value=1, max_value=10**9)
handed = st.dictionaries(st.sampled_from(METHODS), cents, max_size=len(METHODS))


@given(total=st.integers(min_value=0, max_value=10**9), points_share=st.floats(0, 1), payments=handed,
       on_credit=st.booleans(), has_customer=st.booleans())
def test_a_settled_sale_adds_up_or_is_refused(total, points_share, payments, on_credit, has_customer):
    points_value = int(total * points_share)
    try:
        s = settle(total, points_value, payments, on_credit=on_credit, has_customer=has_customer)
    except StoreError as err:
        assert err.code == "invalid_input"
        money_due = total - points_value
        handed_total = sum(payments.values())
        over = handed_total - money_due
        assert (over > payments.get("cash", 0)) or (on_credit and not has_customer) or (over < 0 and not on_credit)
        return
    assert s.paid + points_value + s.due == total  # what db check proves of every sale
    assert s.paid == sum(s.payments.values()) and s.tendered == sum(payments.values())
    assert s.change == s.tendered - s.paid and s.change >= 0 and s.due >= 0
    assert all(v > 0 for v in s.payments.values())
    assert s.change == 0 or s.payments.get("cash", 0) == payments["cash"] - s.change  # only cash gives change
    assert s.due == 0 or (on_credit and has_customer)
    assert {m: v for m, v in s.payments.items() if m != "cash"} == {m: v for m, v in payments.items() if m != "cash"}


@given(total=cents, cash=cents)
def test_cash_over_what_is_due_comes_back_as_change(total, cash):
    if cash < total:
        cash += total
    s = settle(total, 0, {"cash": cash}, on_credit=False, has_customer=False)
    assert (s.change, s.paid, s.due) == (cash - total, total, 0)


def test_only_cash_can_be_overpaid():
    with pytest.raises(StoreError, match="only cash can be overpaid"):
        settle(10000, 0, {"card": 10001}, on_credit=False, has_customer=False)


def test_credit_needs_a_customer_and_leaves_the_rest_owed():
    with pytest.raises(StoreError, match="needs a customer"):
        settle(10000, 0, {}, on_credit=True, has_customer=False)
    assert settle(10000, 2500, {"transfer": 5000}, on_credit=True, has_customer=True).due == 2500
