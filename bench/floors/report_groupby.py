"""The floor for `report staff`: the same GROUP BY, run by python's sqlite3 and printed as JSON.

Sale lines (and return lines, negated) of the period joined to their sale, summed per salesperson,
joined to staff and store; members each salesperson brought in during the period. No ORM, no
formatting beyond str().

    python bench/floors/report_groupby.py DATABASE_PATH START_UTC END_UTC
"""

import json
import sqlite3
import sys

SQL = """
WITH facts AS (
  SELECT sl.sale_id, sl.staff_id, sl.qty, sl.amount_cents AS revenue, sl.cost_cents AS cost, 1 AS is_sale
  FROM sale_line sl JOIN sale s ON s.id = sl.sale_id WHERE s.at >= :start AND s.at < :end
  UNION ALL
  SELECT sl.sale_id, sl.staff_id, -rl.qty, -rl.amount_cents, -rl.cost_cents, 0
  FROM return_line rl JOIN sale_return r ON r.id = rl.return_id JOIN sale_line sl ON sl.id = rl.sale_line_id
  WHERE r.at >= :start AND r.at < :end
), per AS (
  SELECT staff_id, count(DISTINCT CASE WHEN is_sale = 1 THEN sale_id END) AS sales, sum(qty) AS units,
         sum(revenue) AS revenue, sum(cost) AS cost
  FROM facts GROUP BY staff_id
), members AS (
  SELECT staff_id, count(*) AS members FROM customer
  WHERE is_member = 1 AND joined_at >= :start AND joined_at < :end GROUP BY staff_id
)
SELECT st.code, st.name, so.code, per.sales, per.units, per.revenue, per.cost, coalesce(members.members, 0)
FROM staff st JOIN store so ON so.id = st.store_id
LEFT JOIN per ON per.staff_id = st.id LEFT JOIN members ON members.staff_id = st.id
WHERE per.staff_id IS NOT NULL OR members.members > 0
ORDER BY per.revenue DESC
"""


def main() -> int:
    path, start, end = sys.argv[1:4]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = conn.execute(SQL, {"start": start, "end": end}).fetchall()
    keys = ("staff", "name", "store", "sales", "units", "revenue", "cost", "members")
    print(json.dumps([dict(zip(keys, row)) for row in rows], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
