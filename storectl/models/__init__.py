"""The tables. Money is integer cents (`*_cents`), times aware UTC, codes text.

History tables (movement, points_entry, audit, sale, sale_return, payment, …) are append-only;
state columns (unit.status, stock_level.qty, customer.balance_cents, customer.points) are caches
of that history which `db check` proves agree with it.

One module per area, each defining a few tables. `from storectl.models import Unit` works as if
they were one module, but only the area that holds `Unit` is imported: defining a SQLModel table
costs ~5 ms, and a lookup such as `sn show` needs 12 of the 53 (see bench/, issue #10). Code that
needs the whole metadata (Alembic, `db check`) calls `load_all()`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# area module → the names it defines
AREAS: dict[str, tuple[str, ...]] = {
    "base": ("UNIT_STATUSES", "ROLES", "one_of"),
    "setting": ("Setting",),
    "journal": ("DocCounter", "Audit", "Period"),
    "store": ("Store", "Staff"),
    "supplier": ("Supplier",),
    "product": ("Product",),
    "channel": ("Channel",),
    "level": ("Level",),
    "customer": ("Customer",),
    "unit": ("StockDoc", "Unit", "UnitCode", "Movement"),
    "stock": ("StockLevel",),
    "transfer": ("Transfer", "TransferLine", "StockCount"),
    "price": ("PriceRule",),
    "sale": ("Sale", "SaleLine", "SalePayment"),
    "sales_day": ("SalesDay",),
    "returns": ("SaleReturn", "ReturnLine", "Payment"),
    "points": ("PointsEntry",),
    "checkin": ("CheckinRule", "Checkin", "CheckinPayout"),
    "commission": ("Partner", "MemberPartner", "CommissionRule", "CommissionPayout", "CommissionLine"),
    "crm": ("CustomerTag", "Campaign", "CampaignMember", "Lead", "LeadNote", "LEAD_STATUSES"),
    "aftersales": ("ServiceTicket", "ServiceStep", "ServiceCost"),
    "promo": ("Coupon", "CouponInstance", "SaleCoupon", "FlashTake", "CouponRule"),
    "trade": ("TradeIn", "SaleOrder", "OrderLine", "OrderPayment"),
}
_HOME = {name: area for area, names in AREAS.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    area = _HOME.get(name)
    if area is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{area}"), name)
    globals()[name] = value  # next time, a plain attribute
    return value


def __dir__() -> list[str]:
    return __all__


def load_all():  # noqa: ANN201
    """Define every table; returns the metadata that holds them all."""
    for area in AREAS:
        importlib.import_module(f"{__name__}.{area}")
    from sqlmodel import SQLModel

    return SQLModel.metadata


if TYPE_CHECKING:  # for type checkers and editors: the names as plain imports
    from storectl.models.base import ROLES, UNIT_STATUSES, one_of  # noqa: F401
    from storectl.models.channel import Channel  # noqa: F401
    from storectl.models.aftersales import ServiceCost, ServiceStep, ServiceTicket  # noqa: F401
    from storectl.models.checkin import Checkin, CheckinPayout, CheckinRule  # noqa: F401
    from storectl.models.crm import LEAD_STATUSES, Campaign, CampaignMember, CustomerTag, Lead, LeadNote  # noqa: F401
    from storectl.models.customer import Customer  # noqa: F401
    from storectl.models.journal import Audit, DocCounter, Period  # noqa: F401
    from storectl.models.level import Level  # noqa: F401
    from storectl.models.points import PointsEntry  # noqa: F401
    from storectl.models.price import PriceRule  # noqa: F401
    from storectl.models.promo import Coupon, CouponInstance, CouponRule, FlashTake, SaleCoupon  # noqa: F401
    from storectl.models.product import Product  # noqa: F401
    from storectl.models.returns import Payment, ReturnLine, SaleReturn  # noqa: F401
    from storectl.models.sale import Sale, SaleLine, SalePayment  # noqa: F401
    from storectl.models.sales_day import SalesDay  # noqa: F401
    from storectl.models.setting import Setting  # noqa: F401
    from storectl.models.stock import StockLevel  # noqa: F401
    from storectl.models.store import Staff, Store  # noqa: F401
    from storectl.models.supplier import Supplier  # noqa: F401
    from storectl.models.transfer import StockCount, Transfer, TransferLine  # noqa: F401
    from storectl.models.trade import OrderLine, OrderPayment, SaleOrder, TradeIn  # noqa: F401
    from storectl.models.unit import Movement, StockDoc, Unit, UnitCode  # noqa: F401
