"""Old customers, leads and tags (SPEC §13): `tags` (customer tags), `campaigns` (audiences from
the sales ledger, tokens, holdout, export, clicks, the report with its lift), `leads` (leads,
follow-ups, won by a sale within the window: `leads.won_by_sale`, the till's one hook).

Above `till` in nothing: this area reads sales and sale lines as tables and never imports `till`,
so `till.sales.sell` may call `leads.won_by_sale`."""
