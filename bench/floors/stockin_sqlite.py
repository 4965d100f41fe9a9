"""The floor for `stock in`: plain sqlite3, executemany of the same rows into a similar schema.

`unit`, `unit_code` (UNIQUE code) and `movement` with the indexes storectl's tables carry, in a
fresh database file, in one transaction: one unit, one code and one movement per line of the file.
No validation, no duplicate check with messages, no document numbers: the least that receiving
100,000 serials into SQLite can cost from Python.

    python bench/floors/stockin_sqlite.py DATABASE_PATH CODES.txt
"""

import os
import sqlite3
import sys
from datetime import datetime, timezone

SCHEMA = """
CREATE TABLE unit (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL, store_id INTEGER NOT NULL, status TEXT NOT NULL,
  cost_cents INTEGER NOT NULL, supplier_id INTEGER, stock_in_id INTEGER, received_at DATETIME NOT NULL, sold_at DATETIME);
CREATE INDEX ix_unit_product_id ON unit (product_id);
CREATE INDEX ix_unit_store_status ON unit (store_id, status, product_id);
CREATE TABLE unit_code (id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES unit (id), kind TEXT NOT NULL,
  code TEXT NOT NULL UNIQUE, position INTEGER NOT NULL);
CREATE INDEX ix_unit_code_unit_id ON unit_code (unit_id);
CREATE TABLE movement (id INTEGER PRIMARY KEY, at DATETIME NOT NULL, kind TEXT NOT NULL, doc_no TEXT NOT NULL,
  unit_id INTEGER REFERENCES unit (id), product_id INTEGER NOT NULL, qty INTEGER NOT NULL, from_store_id INTEGER,
  to_store_id INTEGER, status_after TEXT NOT NULL, cost_cents INTEGER NOT NULL, price_cents INTEGER, customer_id INTEGER,
  operator TEXT NOT NULL);
CREATE INDEX ix_movement_at ON movement (at);
CREATE INDEX ix_movement_doc_no ON movement (doc_no);
CREATE INDEX ix_movement_product_at ON movement (product_id, at);
CREATE INDEX ix_movement_unit_id ON movement (unit_id);
"""


def main() -> int:
    path, codes_file = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.remove(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    with open(codes_file, encoding="utf-8") as f:
        codes = [line.strip().upper() for line in f if line.strip()]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO unit (id, product_id, store_id, status, cost_cents, supplier_id, stock_in_id, received_at) VALUES (?, 1, 1, 'in_stock', 299900, 1, 1, ?)",
        ((i, now) for i in range(1, len(codes) + 1)),
    )
    conn.executemany("INSERT INTO unit_code (unit_id, kind, code, position) VALUES (?, 'SN', ?, 0)", enumerate(codes, start=1))
    conn.executemany(
        "INSERT INTO movement (at, kind, doc_no, unit_id, product_id, qty, to_store_id, status_after, cost_cents, operator)"
        " VALUES (?, 'in', 'IN-000001', ?, 1, 1, 1, 'in_stock', 299900, 'bench')",
        ((now, i) for i in range(1, len(codes) + 1)),
    )
    conn.execute("COMMIT")
    conn.close()
    print(f"received {len(codes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
