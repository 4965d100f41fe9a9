"""The model's leads (SPEC §13): what `report staff`'s "leads won" column must say.

A lead added by hand (`lead add PHONE --owner S`) is open for 30 days; a sale to the customer
with that phone within them wins it for its owner, on the sale's day. Plain Python, like books.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LEAD_WINDOW = timedelta(days=30)


@dataclass
class Lead:
    doc: str
    phone: str
    owner: str
    created: datetime
    status: str = "open"
    won_at: datetime | None = None
    until: datetime | None = None  # a campaign's lead lives until the campaign ends (campaigns.py); by hand: LEAD_WINDOW


class CrmBooks:
    """Mixed into Books: `self.leads`, `lead_add`, the sale's hook and the won leads per owner."""

    leads: list[Lead]

    def lead_add(self, op: dict) -> str:
        """op: phone, owner."""
        doc = self.next_doc("L")
        self.crm_leads().append(Lead(doc, op["phone"], op["owner"], self.now))
        return doc

    def crm_leads(self) -> list[Lead]:
        if not hasattr(self, "leads"):
            self.leads = []
        return self.leads

    def crm_sale(self, phone: str | None, at: datetime) -> None:
        """A sale to the customer with `phone` wins their live leads whose window holds it."""
        if not phone:
            return
        for lead in self.crm_leads():
            if lead.status == "open" and lead.phone == phone and lead.created <= at < (lead.until or lead.created + LEAD_WINDOW):
                lead.status, lead.won_at = "won", at

    def leads_won(self, owner: str, p) -> int:  # noqa: ANN001
        return sum(1 for lead in self.crm_leads() if lead.owner == owner and lead.won_at is not None and p.holds(lead.won_at))
