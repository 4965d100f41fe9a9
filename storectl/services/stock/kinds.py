"""The closed set of stock movement kinds, each with its direction: what a unit must be before and
becomes, whether stock leaves `from_store` or arrives at `to_store`, and whether the shop owns more
or less of it afterwards. The ledger moves stock by these rules, and `db check`, the month end
and the moving average read movements by them. (A CHECK on `movement.kind` holds the set in the
database.)"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    IN = "in"
    OUT = "out"
    COUNT = "count"
    SALE = "sale"
    RETURN = "return"
    TRANSFER_SEND = "transfer_send"
    TRANSFER_RECEIVE = "transfer_receive"
    TRANSFER_CANCEL = "transfer_cancel"
    SERVICE_PART = "service_part"  # a part used on a service ticket (services/aftersales)
    EXCHANGE_IN = "exchange_in"  # the customer's faulty unit back into the ticket's store
    EXCHANGE_OUT = "exchange_out"  # the replacement out to the customer
    REPAIR = "repair"  # a faulty unit repaired and back in stock (stock repair)
    FAULTY_OUT = "faulty_out"  # a faulty unit sent back to its supplier (stock out --reason supplier-return)
    TRADEIN = "tradein"  # a used unit bought from a customer (TI-): new to the shop, or one it sold before
    RESERVE = "reserve"  # held for a pre-order (SO-): out of what can be sold, still the shop's, still in its store
    RELEASE = "release"  # back to sale: the order cancelled, or completed (then sold in the same transaction)


@dataclass(frozen=True)
class Rule:
    before: str | None  # a unit's status before the move (None: units arrive new, see receive_units)
    after: str | None  # its status after (None: the caller says, e.g. stock out's reason)
    takes: bool  # leaves from_store's stock
    adds: bool  # arrives at to_store's stock
    relocates: bool = False  # a unit's store becomes to_store
    costed: bool = False  # arrives at a cost of its own, which moves the average
    owned: int = 0  # +1 the shop owns more, -1 less, 0 it only moves (the road is the shop's too)
    revalues: bool = False  # a unit takes the line's cost as its own (a trade-in: the price paid)


RULES: dict[Kind, Rule] = {
    Kind.IN: Rule(None, "in_stock", takes=False, adds=True, costed=True, owned=1),
    Kind.OUT: Rule("in_stock", None, takes=True, adds=False, owned=-1),
    Kind.COUNT: Rule("in_stock", "lost", takes=True, adds=False, owned=-1),
    Kind.SALE: Rule("in_stock", "sold", takes=True, adds=False, owned=-1),
    Kind.RETURN: Rule("sold", "in_stock", takes=False, adds=True, relocates=True, costed=True, owned=1),
    Kind.TRANSFER_SEND: Rule("in_stock", "in_transit", takes=True, adds=False),  # on the road: in no store
    Kind.TRANSFER_RECEIVE: Rule("in_transit", "in_stock", takes=False, adds=True, relocates=True),
    Kind.TRANSFER_CANCEL: Rule("in_transit", "in_stock", takes=False, adds=True),
    # after-sales: a faulty unit is owned but not in stock (it is in no store's on-hand count), so
    # exchange_in and faulty_out neither add nor take; repair adds it back at its store
    Kind.SERVICE_PART: Rule("in_stock", "internal_use", takes=True, adds=False, owned=-1),
    Kind.EXCHANGE_IN: Rule("sold", "faulty", takes=False, adds=False, relocates=True, owned=1),
    Kind.EXCHANGE_OUT: Rule("in_stock", "sold", takes=True, adds=False, owned=-1),
    Kind.REPAIR: Rule("faulty", "in_stock", takes=False, adds=True),
    Kind.FAULTY_OUT: Rule("faulty", "supplier_returned", takes=False, adds=False, owned=-1),
    # a unit the shop sold before comes back at the price paid (one never seen arrives by ledger.receive_used)
    Kind.TRADEIN: Rule("sold", "in_stock", takes=False, adds=True, relocates=True, costed=True, owned=1, revalues=True),
    Kind.RESERVE: Rule("in_stock", "reserved", takes=True, adds=False),
    Kind.RELEASE: Rule("reserved", "in_stock", takes=False, adds=True),
}
ADDS = tuple(k.value for k, r in RULES.items() if r.adds)  # stock arrives at to_store
TAKES = tuple(k.value for k, r in RULES.items() if r.takes)  # stock leaves from_store
COSTED = tuple(k.value for k, r in RULES.items() if r.costed)  # arrives at its own cost: the average moves
LEAVES_SHOP = tuple(k.value for k, r in RULES.items() if r.owned < 0)  # leaves at the average
