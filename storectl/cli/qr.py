"""`storectl qr channel|staff|unit|service|sheet`: QR codes to print, save or show in the terminal.

Output of one code:
- `--json`: stdout is only `{"kind", "code", "payload", "path"}` (path null without --out);
  `--show` then draws the code on stderr, so a person still sees it and a script still gets one document.
- `--out FILE`: writes FILE (.png or .svg), prints the payload, notes the file on stderr; add
  `--show` to draw it as well.
- neither: prints the payload and draws the code (there is nothing else to show).
A bad `--out` (suffix, missing folder) is refused before the database is opened.
"""

from __future__ import annotations

import sys
from typing import Annotated, Callable, Optional

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice, read

app = typer.Typer(no_args_is_help=True, help="QR codes for channels, staff and units; printable sheets.")

OutOpt = Annotated[Optional[str], typer.Option("--out", help="Write the code to FILE: .png or .svg.", metavar="FILE")]
ShowOpt = Annotated[bool, typer.Option("--show", help="Draw the code in the terminal.")]


def _art(payload: str) -> str:
    from storectl.services.qr.codes import terminal_art

    return terminal_art(payload)


def _one(find: Callable, *, out: str | None, show: bool, json_: bool) -> None:
    from storectl.services.qr import qr_cards

    with guard(json_):
        qr_cards.check_out(out)
        with read() as s:
            found = find(s)
        result = qr_cards.write_code(found, out=out)

        def human(r: dict) -> None:
            typer.echo(r["payload"])
            if show or out is None:
                typer.echo(_art(r["payload"]))
            if r["path"]:
                notice(f"wrote {r['path']}")

        emit(result, json_, human)
        if json_ and show:
            sys.stderr.write(_art(result["payload"]) + "\n")


@app.command("channel")
def channel(
    code: Annotated[str, typer.Argument(help="Channel code, e.g. WX.")],
    out: OutOpt = None,
    show: ShowOpt = False,
    json_: JsonOpt = False,
) -> None:
    """The QR code of an acquisition channel (payload …?ch=CODE).

    Example: storectl qr channel WX --out wx.png
    """
    from storectl.services.qr import qr_cards

    _one(lambda s: qr_cards.channel_code(s, code), out=out, show=show, json_=json_)


@app.command("staff")
def staff(
    code: Annotated[str, typer.Argument(help="Staff code, e.g. E002.")],
    channel: Annotated[Optional[str], typer.Option("--channel", help="Also credit this channel (ch=).")] = None,
    out: OutOpt = None,
    show: ShowOpt = False,
    json_: JsonOpt = False,
) -> None:
    """A salesperson's own QR code (payload …?staff=CODE, with ch= when --channel is given).

    Example: storectl qr staff E002 --channel WX --out e002.svg
    """
    from storectl.services.qr import qr_cards

    _one(lambda s: qr_cards.staff_code(s, code, channel=channel), out=out, show=show, json_=json_)


@app.command("unit")
def unit(
    code: Annotated[str, typer.Argument(help="Any of the unit's codes (IMEI or SN); the payload carries this one.")],
    out: OutOpt = None,
    show: ShowOpt = False,
    json_: JsonOpt = False,
) -> None:
    """A unit's after-sales QR code (payload …?sn=CODE).

    Example: storectl qr unit 356938035643809 --out sticker.png
    """
    from storectl.services.qr import qr_cards

    _one(lambda s: qr_cards.unit_code(s, code), out=out, show=show, json_=json_)


@app.command("partner")
def partner(
    code: Annotated[str, typer.Argument(help="Partner code, e.g. P-WY01.")],
    out: OutOpt = None,
    show: ShowOpt = False,
    json_: JsonOpt = False,
) -> None:
    """A partner's referral QR code (payload …?ref=CODE): who joins by it is referred by the partner.

    Example: storectl qr partner P-WY01 --out wy01.png
    """
    from storectl.services.qr import qr_cards

    _one(lambda s: qr_cards.partner_code(s, code), out=out, show=show, json_=json_)


@app.command("service")
def service(
    doc: Annotated[str, typer.Argument(metavar="SV-ID", help="The service ticket, e.g. SV-000001.")],
    out: OutOpt = None,
    show: ShowOpt = False,
    json_: JsonOpt = False,
) -> None:
    """A service ticket's progress code for the customer (payload …?sv=TOKEN, unguessable).

    Example: storectl qr service SV-000001 --out progress.png
    """
    from storectl.services.aftersales import tickets

    def find(s) -> dict:  # noqa: ANN001
        found = tickets.qr_payload(s, doc)
        return {"kind": "service", "code": found["id"], "payload": found["payload"], "path": None}

    _one(find, out=out, show=show, json_=json_)


@app.command("sheet")
def sheet(
    ctx: typer.Context,
    out: Annotated[str, typer.Option("--out", help="The HTML page to write (open it in a browser, print on A4).", metavar="FILE.html")],
    channels: Annotated[bool, typer.Option("--channels", help="A card for every channel.")] = False,
    staff_: Annotated[bool, typer.Option("--staff", help="A card for every active staff member.")] = False,
    store: Annotated[Optional[str], typer.Option("--store", help="With --staff: only this store's staff.")] = None,
    json_: JsonOpt = False,
) -> None:
    """A printable A4 sheet of cut-out cards: every channel's or every staff member's code.

    Example: storectl qr sheet --staff --store SZ01 --out staff-qr.html
    """
    from storectl.services.qr import qr_cards

    # Which sheet is a question of how the command was typed: a usage error (exit 2), like a
    # missing option. typer.BadParameter, not click's: Typer vendors its own click.
    if channels == staff_:
        raise typer.BadParameter("give exactly one of them", ctx=ctx, param_hint="--channels / --staff")
    if channels and store is not None:
        raise typer.BadParameter("only with --staff (channels belong to the whole shop)", ctx=ctx, param_hint="--store")
    with guard(json_):
        qr_cards.check_out(out, sheet=True)
        with read() as s:
            plan = qr_cards.sheet(s, kind="channel" if channels else "staff", store=store)
        result = qr_cards.write_sheet(plan, out=out)
        what = "channel" if channels else "staff"
        emit(result, json_, lambda r: notice(f"wrote {r['count']} {what} codes to {r['path']}"))
