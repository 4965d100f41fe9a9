"""`storectl points …` and `storectl level …`: the points ledger, check-in rules, expiry, member levels."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import WHOLE, JsonOpt, in_range, emit, guard, notice, read, write
from storectl.output import money, table, when

app = typer.Typer(no_args_is_help=True, help="Points ledger, check-in rules, adjustments, expiry.")
rule_app = typer.Typer(no_args_is_help=True, help="Add and remove check-in rules.")
app.add_typer(rule_app, name="rule")
level_app = typer.Typer(no_args_is_help=True, help="Member levels by lifetime spend.")


def _gives(r: dict) -> str:
    if r.get("kind") == "coupon":
        return f"coupon {r['coupon']} {r['coupon_name']}"
    return f"{r['points']} points"


def _rules_table(rows: list[dict]) -> None:
    table(
        "check-in rules",
        ["id", "every", "gives", "once", "active", "since"],
        [(r.get("ref", r["id"]), f"{r['every']} day(s)", _gives(r), "yes" if r["once"] else "", "yes" if r["active"] else "removed",
          when(r["created_at"])) for r in rows],
        right=["id"],
        caption="remove one: storectl points rule remove ID (C1, C2, … are coupon rules)" if rows else None,
    )


@app.command("history")
def history(
    phone: Annotated[str, typer.Argument(help="The member's phone (or customer code).")],
    json_: JsonOpt = False,
) -> None:
    """A member's points ledger with the running balance.

    Example: storectl points history 13800138000
    """
    from storectl.services.loyalty import points

    with guard(json_):
        with read() as s:
            result = points.history(s, phone=phone)
        emit(
            result,
            json_,
            lambda r: table(
                f"points of {r['phone']} {r['name']}".rstrip(),
                ["at", "kind", "points", "balance", "doc", "reason", "operator"],
                [(when(x["at"]), x["kind"], f"{x['delta']:+d}", x["balance"], x["doc"] or "", x["reason"], x["operator"]) for x in r["lines"]],
                right=["points", "balance"],
                caption=f"balance {r['balance']}",
            ),
        )


# ignore_unknown_options lets a negative DELTA through: `points adjust 138… -50 --reason …`
@app.command("adjust", context_settings={"ignore_unknown_options": True})
def adjust(
    phone: Annotated[str, typer.Argument(help="The member's phone (or customer code).")],
    delta: Annotated[str, typer.Argument(help="Points to add (50) or take away (-50).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the ledger).")],
    json_: JsonOpt = False,
) -> None:
    """Correct a member's points by hand (managers only once PINs are set).

    Example: storectl points adjust 13800138000 -50 --reason "重复积分"
    """
    from storectl.services.loyalty import points

    with guard(json_):
        with write(manager=True) as s:
            result = points.adjust(s, phone=phone, delta=delta, reason=reason)
        emit(result, json_, lambda r: notice(f"{r['phone'] or r['member']}: {r['delta']:+d} points, balance {r['balance']}"))


@app.command("expire")
def expire(json_: JsonOpt = False) -> None:
    """Expire points older than points.expire_months (run it daily from cron; safe to repeat).

    Example: storectl points expire --json
    """
    from storectl.services.loyalty import points

    def human(r: dict) -> None:
        if r["months"] <= 0:
            notice("points never expire here (points.expire_months is 0)")
            return
        table(
            f"points expired on {r['date']}",
            ["member", "phone", "expired", "balance"],
            [(m["member"], m["phone"] or "", m["expired"], m["balance"]) for m in r["members"]],
            right=["expired", "balance"],
            caption=f"{r['expired']} points in all",
        )

    with guard(json_):
        with write() as s:
            result = points.expire(s)
        emit(result, json_, human)


@app.command("rules")
def rules(
    all_: Annotated[bool, typer.Option("--all", help="Include removed rules.")] = False,
    json_: JsonOpt = False,
) -> None:
    """List the check-in rules in force: points rules (1, 2, …) and coupon rules (C1, C2, …).

    Example: storectl points rules
    """
    from storectl.services.loyalty import checkin

    with guard(json_):
        with read() as s:
            rows = checkin.list_rules(s, include_removed=all_)
        emit(rows, json_, _rules_table)


@rule_app.command("add")
def rule_add(
    every: Annotated[int, typer.Option("--every", parser=WHOLE, help="Pays on every Nth day of a streak.")],
    points_: Annotated[Optional[int], typer.Option("--points", parser=WHOLE, help="Points it pays.")] = None,
    once: Annotated[bool, typer.Option("--once", help="Pays each member at most once, ever.")] = False,
    coupon: Annotated[Optional[str], typer.Option("--coupon", help="Also (or only) issue this coupon on those days.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Add a check-in rule (rules add up on the days they share).

    Example: storectl points rule add --every 7 --points 20
    A coupon on each 7th day: storectl points rule add --every 7 --coupon QD20
    """
    from storectl.services.loyalty import checkin

    with guard(json_):
        in_range(every, "--every", -10**9, 10**9)  # the service says what a rule may be
        in_range(points_, "--points", -10**9, 10**9)
        with write(manager=True) as s:
            result = checkin.add_rules(s, every=every, points=points_, once=once, coupon=coupon)

        def human(r: dict) -> None:
            if "points" in r:
                notice(f"rule {r['id']}: every {r['every']} day(s) of a streak pays {r['points']} points" + (" (once)" if r["once"] else ""))
            if r.get("coupon_rule"):
                c = r["coupon_rule"]
                notice(f"coupon rule {c['ref']}: every {c['every']} day(s) of a streak issues {c['coupon']} {c['name']}")

        emit(result, json_, human)



@rule_app.command("remove")
def rule_remove(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="Rule id from `points rules`: 2 (points), C1 (coupon).")],
    json_: JsonOpt = False,
) -> None:
    """Stop a check-in rule from paying points or issuing its coupon (its history stays).

    Example: storectl points rule remove 2   (a coupon rule: storectl points rule remove C1)
    """
    from storectl.services.loyalty import checkin

    with guard(json_):
        checkin.parse_rule_ref(rule_id)  # a bad id is refused before the PIN is asked
        with write(manager=True) as s:
            result = checkin.remove_rule(s, rule_id=rule_id)
        emit(result, json_, lambda r: notice(f"{'coupon ' if r['kind'] == 'coupon' else ''}rule {r['ref']} removed"))


@level_app.command("add")
def level_add(
    name: Annotated[str, typer.Argument(help="Level name, e.g. 金卡.")],
    min_spend: Annotated[str, typer.Option("--min-spend", help="Lifetime net spend that reaches it.")],
    discount: Annotated[Optional[str], typer.Option("--discount", help="Percent off the list price, e.g. 5.")] = None,
    multiplier: Annotated[Optional[str], typer.Option("--points-multiplier", help="Points multiplier, e.g. 1.5.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Add a member level; every member is re-placed at once.

    Example: storectl level add 金卡 --min-spend 20000 --discount 5 --points-multiplier 1.5
    """
    from storectl.services.loyalty import levels

    with guard(json_):
        with write(manager=True) as s:
            result = levels.add_level(s, name=name, min_spend=min_spend, discount=discount, multiplier=multiplier)
        emit(result, json_, lambda r: notice(f"added level {r['name']} from {money(r['min_spend'])}: {r['discount']} % off, ×{r['points_multiplier']} points; {r['members']} member(s) on it"))


@level_app.command("list")
def level_list(json_: JsonOpt = False) -> None:
    """List member levels, lowest first.

    Example: storectl level list
    """
    from storectl.services.loyalty import levels

    with guard(json_):
        with read() as s:
            rows = levels.list_levels(s)
        emit(
            rows,
            json_,
            lambda rs: table(
                "member levels",
                ["name", "min spend", "discount %", "points ×", "members"],
                [(r["name"], money(r["min_spend"]), r["discount"], r["points_multiplier"], r["members"]) for r in rs],
                right=["min spend", "discount %", "points ×", "members"],
            ),
        )
