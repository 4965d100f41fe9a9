"""The floor for `sn show` and `sell`: open the database with SQLModel and select one unit by code.

Two table models (the columns storectl's `unit` and `unit_code` have), an engine, a session, one
SELECT … JOIN … WHERE code = ?, the unit printed as JSON. What any SQLModel program pays to
answer "which unit is this?" in a fresh process.

    python bench/floors/sqlmodel_lookup.py DATABASE_PATH CODE
"""

import json
import sys
from datetime import datetime
from typing import Optional

from sqlmodel import Field, Session, SQLModel, create_engine, select


class Unit(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    product_id: int
    store_id: int
    status: str
    cost_cents: int
    supplier_id: Optional[int] = None
    stock_in_id: Optional[int] = None
    received_at: datetime
    sold_at: Optional[datetime] = None


class UnitCode(SQLModel, table=True):
    __tablename__ = "unit_code"
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    kind: str
    code: str = Field(unique=True)
    position: int = 0


def main() -> int:
    path, code = sys.argv[1], sys.argv[2]
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        unit = session.exec(select(Unit).join(UnitCode, UnitCode.unit_id == Unit.id).where(UnitCode.code == code)).first()
    if unit is None:
        print(json.dumps({"error": f"no unit {code}"}))
        return 1
    print(json.dumps(unit.model_dump(mode="json"), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
