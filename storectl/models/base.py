"""What every table module shares: the metadata's naming convention, deferred validators, enums.

Imported first by each table module, so it runs before any table is defined.
"""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

# A command uses a few tables: let pydantic build each model's validator on first use instead of
# at import (a third of defining a table; see bench/, issue #10).
SQLModel.model_config["defer_build"] = True

# Stable constraint names, so Alembic batch migrations on SQLite can find them.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UNIT_STATUSES = (
    "in_stock",
    "in_transit",
    "sold",
    "scrapped",
    "lost",
    "supplier_returned",
    "internal_use",
    "faulty",  # came back on a service exchange (services/aftersales); repaired or sent back to the supplier
    "reserved",  # held for a pre-order (SO-): still in its store, sold to no one else
)
UNIT_CONDITIONS = ("new", "used-A", "used-B", "used-C", "used-D")  # a trade-in's grade
ROLES = ("clerk", "manager", "accountant")
# The stock ledger's movement kinds (services/stock/kinds.Kind carries their directions).
MOVEMENT_KINDS = ("in", "out", "count", "sale", "return", "transfer_send", "transfer_receive", "transfer_cancel",
                  "service_part", "exchange_in", "exchange_out", "repair", "faulty_out", "tradein", "reserve", "release")


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression: `column` holds one of `values`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
