"""Campaigns in the books model (SPEC §13): who is in an audience, and the leads their clicks make.

`campaign create NAME --bought-before TODAY --category 手机 --window W` (no holdout: the product
draws it at random): the audience is every customer with a phone whose most recent 手机 line not
wholly returned was sold on or before the cut-off day. The first `campaign hit` of a member makes a
lead owned by who sold them that line, live until the campaign's end (created + W days); a sale to
them before then wins it for its owner (`report staff` "leads won", crm.py). Later clicks only count.

The tokens are random: the harness learns each member's link from `campaign export` (checking its
rows: customer, SKU, day bought, salesperson) and `campaign hit --via LINK` plays a click.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

LINKS: dict[tuple[str, str], str] = {}  # (campaign, customer) -> the link the product exported


@dataclass
class Campaign:
    doc: str
    created: datetime
    window: int
    members: dict = field(default_factory=dict)  # customer -> {"sale", "line", "clicks", "lead"}


class CampaignBooks:
    def campaigns(self) -> dict[str, Campaign]:
        return self.__dict__.setdefault("_campaigns", {})

    def audience(self) -> dict[str, tuple[str, int]]:
        """customer -> (sale doc, line index) of their most recent phone still bought (all sales are before today's end)."""
        from .books import PRODUCTS

        latest: dict[str, tuple] = {}
        for s in self.sales.values():
            c = self.customers.get(s.customer) if s.customer else None
            if c is None or not c.phone:
                continue
            for i, line in enumerate(s.lines):
                if PRODUCTS[line.sku][2] == "手机" and line.returned < line.qty:
                    key = (s.at, s.doc, i)
                    if c.code not in latest or key > latest[c.code]:
                        latest[c.code] = key
        return {code: (doc, i) for code, (_, doc, i) in latest.items()}

    def campaign_create(self, op: dict) -> dict:
        people = self.audience()
        assert people
        c = Campaign(self.next_doc("CA"), self.now, op["window"])
        for code, (doc, i) in people.items():
            c.members[code] = {"sale": doc, "line": i, "clicks": 0, "lead": None}
        self.campaigns()[c.doc] = c
        return {"id": c.doc, "bought_before": self.now.date().isoformat(), "category": "手机", "window_days": c.window,
                "audience": len(people), "holdout": 0, "contacted": len(people)}

    def export_rows(self, doc: str) -> dict[str, dict]:
        from .books import day_of

        out = {}
        for code, m in self.campaigns()[doc].members.items():
            sale = self.sales[m["sale"]]
            line = sale.lines[m["line"]]
            out[code] = {"sku": line.sku, "bought_on": day_of(sale.at).isoformat(), "salesperson": line.staff}
        return out

    def campaign_hit(self, op: dict) -> dict:
        from .crm import Lead

        c = self.campaigns()[op["campaign"]]
        m = c.members[op["customer"]]
        m["clicks"] += 1
        first = m["lead"] is None
        if first:
            owner = self.sales[m["sale"]].lines[m["line"]].staff
            lead = Lead(self.next_doc("L"), self.customers[op["customer"]].phone, owner, self.now,
                        until=c.created + timedelta(days=c.window))
            self.crm_leads().append(lead)
            m["lead"] = lead
        return {"campaign": c.doc, "customer": op["customer"], "first": first, "clicks": m["clicks"], "lead": m["lead"].doc,
                "owner": m["lead"].owner}


class CampaignHistory:
    def op_campaign_create(self) -> dict | None:
        if not self.books.audience():
            return None
        return {"op": "campaign_create", "name": self.c.pick(["老客户换新", "iPhone 换机季", "双十二老友回馈"]),
                "window": self.c.pick([1, 3, 7, 30])}

    def op_campaign_hit(self) -> dict | None:
        members = [(doc, code) for doc, c in sorted(self.books.campaigns().items()) for code in sorted(c.members)]
        if not members:
            return None
        doc, code = self.c.pick(members)
        return {"op": "campaign_hit", "campaign": doc, "customer": code}


WEIGHTS = [("op_campaign_create", 1), ("op_campaign_hit", 2)]


def command(op: dict) -> list[str]:
    if op["op"] == "campaign_create":
        return ["campaign", "create", op["name"], "--bought-before", op["at"][:10], "--category", "手机", "--window", str(op["window"])]
    return ["campaign", "hit", "--via", LINKS.get((op["campaign"], op["customer"]), f"{op['campaign']}:{op['customer']}")]


def check(harness, op: dict, got: dict, answer: dict, where: str) -> None:  # noqa: ANN001
    """The answer; after a create, the export's rows (and their links, for the clicks)."""
    import csv
    import os

    harness.check(where, got, answer)
    if op["op"] != "campaign_create":
        return
    path = harness.shop.folder / f"{answer['id']}-{os.getpid()}.csv"
    harness.cli(["campaign", "export", answer["id"], "--out", str(path)])
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = {r["customer"]: r for r in csv.DictReader(fh)}
    path.unlink(missing_ok=True)
    want = harness.books.export_rows(answer["id"])
    harness.check(f"campaign export {answer['id']}", {k: {c: r[c] for c in ("sku", "bought_on", "salesperson")} for k, r in rows.items()}, want)
    if set(rows) != set(want):
        harness.fail(f"campaign export {answer['id']}: customers {sorted(rows)} in the product, {sorted(want)} in the model")
    for code, r in rows.items():
        LINKS[(answer["id"], code)] = r["link"]
