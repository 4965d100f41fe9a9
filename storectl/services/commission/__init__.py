"""Commission (提成 / 三级分佣): partners and referral chains, rules, the lines a sale earns, payouts.

`partners` (who referred whom, members or partners, loops refused), `rules` (most specific valid
rule per line and role), `earning` (the lines a sale writes and a return reverses: the till's two
hooks), `payouts` (list, statement, payable, pay, the report and `db check`).
"""
