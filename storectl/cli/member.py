"""`storectl member …` and `storectl channel …`: enrolment, daily check-in, acquisition channels."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice, read, write
from storectl.output import details, money, table, when

app = typer.Typer(no_args_is_help=True, help="Members: enrol, show, daily check-in.")
channel_app = typer.Typer(no_args_is_help=True, help="Acquisition channels.")

PhoneArg = Annotated[str, typer.Argument(help="The member's phone (or customer code).")]


def _member_table(r: dict) -> None:
    details(
        f"{r['phone']}  {r['name']}".strip(),
        [
            ("code", r["code"]),
            ("level", r["level"] or ""),
            ("points", r["points"]),
            ("streak", r["streak"]),
            ("lifetime spend", money(r["lifetime_spend"])),
            ("channel", r["channel"] or ""),
            ("staff", r["staff"] or ""),
            ("referrer", r["referrer"] or ""),
            ("joined", when(r["joined_at"])),
        ],
    )
    if r.get("coupons"):
        table("coupons", ["code", "coupon", "terms", "expires", "state"],
              [(c["code"], c["name"], c["terms"], c["expires"], c["state"] + (f" {c['sale']}" if c["sale"] else "")) for c in r["coupons"]])


@app.command("add")
def add(
    phone: Annotated[str, typer.Argument(help="Mobile number; becomes the member's code.")],
    name: Annotated[Optional[str], typer.Option("--name", help="Name.")] = None,
    channel: Annotated[Optional[str], typer.Option("--channel", help="Channel code that brought them in.")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Staff code that brought them in.")] = None,
    referrer: Annotated[Optional[str], typer.Option("--referrer", help="Who referred them: a member's phone or a partner code.")] = None,
    via: Annotated[Optional[str], typer.Option("--via", help="The payload of a scanned storectl QR code (records its channel, staff or referrer).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Enrol a member (an existing customer with that phone becomes one).

    Example: storectl member add 13912345678 --name 王芳 --via "https://m.storectl.cn/join?ch=WX&staff=E002"
    """
    from storectl.services.commission import partners

    with guard(json_):
        with write() as s:
            result = partners.enrol(s, phone=phone, name=name, channel=channel, staff=staff, referrer=referrer, via=via)
        emit(result, json_, lambda r: notice(f"enrolled member {r['phone']} {r['name']}".rstrip()))


@app.command("set-referrer")
def set_referrer(
    phone: PhoneArg,
    referrer: Annotated[str, typer.Argument(help="A member's phone or a partner code.", metavar="REF")],
    json_: JsonOpt = False,
) -> None:
    """Record who referred a member (for commission); a loop or a self-referral is refused.

    Example: storectl member set-referrer 13912345678 P-WY01
    """
    from storectl.services.commission import partners

    with guard(json_):
        with write() as s:
            result = partners.set_member_referrer(s, phone=phone, referrer=referrer)
        emit(result, json_, lambda r: notice(f"{r['phone']} was referred by {r['referrer']}"))


@app.command("show")
def show(phone: PhoneArg, json_: JsonOpt = False) -> None:
    """Show a member: points, level, streak, lifetime spend, who brought them in.

    Example: storectl member show 13800138000
    """
    from storectl.services.loyalty import members

    with guard(json_):
        with read() as s:
            result = members.show_member(s, phone)
        emit(result, json_, _member_table)


@app.command("list")
def list_(
    level: Annotated[Optional[str], typer.Option("--level", help="Only members on this level.")] = None,
    json_: JsonOpt = False,
) -> None:
    """List members.

    Example: storectl member list --level 金卡
    """
    from storectl.services.loyalty import members

    with guard(json_):
        with read() as s:
            rows = members.list_members(s, level=level)
        emit(
            rows,
            json_,
            lambda rs: table(
                "members",
                ["phone", "name", "level", "points", "streak", "lifetime spend", "channel", "staff"],
                [
                    (r["phone"], r["name"], r["level"] or "", r["points"], r["streak"], money(r["lifetime_spend"]),
                     r["channel"] or "", r["staff"] or "")
                    for r in rs
                ],
                right=["points", "streak", "lifetime spend"],
            ),
        )


@app.command("checkin")
def checkin(phone: PhoneArg, json_: JsonOpt = False) -> None:
    """Today's check-in: extends the streak and pays the check-in rules.

    Example: storectl member checkin 13800138000
    """
    from storectl.services.loyalty import checkin as service

    with guard(json_):
        with write() as s:
            result = service.checkin(s, phone=phone)
        emit(
            result,
            json_,
            lambda r: notice(
                f"checked in {r['date']}: day {r['streak']} of the streak, +{r['points']} points, balance {r['balance']}"
            ),
        )


@channel_app.command("add")
def channel_add(
    code: Annotated[str, typer.Argument(help="Channel code, e.g. WX.")],
    name: Annotated[str, typer.Argument(help="Name, e.g. 微信公众号.")],
    json_: JsonOpt = False,
) -> None:
    """Add an acquisition channel.

    Example: storectl channel add XHS 小红书
    """
    from storectl.services.loyalty import members

    with guard(json_):
        with write() as s:
            result = members.add_channel(s, code=code, name=name)
        emit(result, json_, lambda r: notice(f"added channel {r['code']}: {r['name']}"))


@channel_app.command("list")
def channel_list(json_: JsonOpt = False) -> None:
    """List channels with the members each brought in.

    Example: storectl channel list
    """
    from storectl.services.loyalty import members

    with guard(json_):
        with read() as s:
            rows = members.list_channels(s)
        emit(
            rows,
            json_,
            lambda rs: table("channels", ["code", "name", "members"], [(r["code"], r["name"], r["members"]) for r in rs], right=["members"]),
        )
