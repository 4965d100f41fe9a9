"""The printed receipt (票据): an 80 mm HTML page with the sale's QR code, and finding a sale by it.

Every sale made since revision 0009 gets an unguessable token when it is made
(`secrets.token_urlsafe(16)`: 128 random bits, in `sale.receipt_token`); a sale made before has
none until its receipt is first printed (`ensure_token`, a guarded UPDATE). The QR payload is
`qr.base_url` + `?r=TOKEN`; `storectl sale lookup` turns the token (or the whole payload) back
into the sale, for after-sales.

The page is self-contained: inline CSS, the QR code as inline SVG, system CJK fonts only, no
script, no image file, no network address in any src/href/url(): it prints the same offline.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, select

from storectl.codes import new_token
from storectl.errors import invalid, not_found
from storectl.models import Sale
from storectl.money import format_money, parse_money
from storectl.services.qr import codes as qr
from storectl.services.shop import settings
from storectl.services.till.sale_views import sale_by_doc, sale_dict



def check_out(path: str | os.PathLike | None) -> None:
    """Refuse a receipt path that is not .html/.htm, before any work is done."""
    if path is None:
        return
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix not in (".html", ".htm"):
        raise invalid(f"a receipt is an HTML page, not {suffix or 'a file without a suffix'!r}",
                      "e.g. --out receipt.html, then open it in a browser and print")
    qr.check_out(path, sheet=True)


def default_path(doc: str) -> str:
    return f"receipt-{doc}.html"


def needs_token(session: Session, doc: str) -> bool:
    """Whether the sale has no token yet (made before revision 0009): printing it needs a write."""
    return sale_by_doc(session, doc).receipt_token is None


def ensure_token(session: Session, doc: str) -> None:
    """Give a sale made before revision 0009 its token (inside a write transaction)."""
    sale = sale_by_doc(session, doc)
    session.execute(
        update(Sale).where(Sale.id == sale.id, Sale.receipt_token.is_(None))
        .values(receipt_token=new_token()).execution_options(synchronize_session=False)
    )
    session.refresh(sale)


def receipt(session: Session, doc: str) -> dict:
    """What the printed receipt shows: the sale (sale_dict) with its token and QR payload."""
    sale = sale_by_doc(session, doc)
    if sale.receipt_token is None:
        raise invalid(f"sale {sale.doc_no} has no receipt token yet", f"storectl sale receipt {sale.doc_no}")
    result = sale_dict(session, sale)
    result["token"] = sale.receipt_token
    result["payload"] = qr.receipt_payload(settings.get(session, "qr.base_url"), sale.receipt_token)
    return result


def with_receipt(session: Session, sale: dict) -> dict:
    """`sale` (a new sale's sale_dict) with its token and payload, for writing its receipt."""
    row = session.exec(select(Sale).where(Sale.doc_no == sale["id"])).one()
    return {**sale, "token": row.receipt_token,
            "payload": qr.receipt_payload(settings.get(session, "qr.base_url"), row.receipt_token)}


def lookup_sale(session: Session, text: str) -> dict:
    """The sale a receipt token (or the scanned payload) belongs to; not_found when none."""
    token = qr.receipt_token(text)
    sale = session.exec(select(Sale).where(Sale.receipt_token == token)).first()
    if sale is None:
        raise not_found("no sale has this receipt token", "scan the receipt's QR code again, or find the sale: storectl sale list")
    return sale_dict(session, sale)


def write(r: dict, path: str | os.PathLike) -> str:
    """Write the receipt page owner-only (temporary file, then rename); the absolute path."""
    check_out(path)
    return qr.write_html(receipt_html(r), path)


# --- the page ---------------------------------------------------------------------------------

_CSS = """
@page { size: 80mm auto; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: #fff; color: #000; }
body { width: 80mm; padding: 4mm 4mm 6mm;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", sans-serif;
  font-size: 9pt; line-height: 1.35;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 12pt; margin: 0; text-align: center; }
.store, .doc { text-align: center; }
.doc { font-size: 8pt; margin-bottom: 1.5mm; }
.meta { font-size: 8pt; }
hr { border: 0; border-top: 0.3mm dashed #000; margin: 2mm 0; }
table { width: 100%; border-collapse: collapse; }
td { vertical-align: top; padding: 0.3mm 0; }
td.r { text-align: right; white-space: nowrap; }
.item { font-weight: 700; }
.sub { font-size: 7.5pt; color: #222; overflow-wrap: anywhere; word-break: break-all; }
.total td { font-weight: 700; font-size: 11pt; }
.owed td { font-weight: 700; }
.qr { text-align: center; margin-top: 2mm; }
.qr svg { display: block; width: 36mm; height: 36mm; margin: 0 auto; }
.token { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 7pt; text-align: center;
  overflow-wrap: anywhere; word-break: break-all; }
.foot { text-align: center; font-size: 8pt; margin-top: 1mm; }
tr, .qr { break-inside: avoid; page-break-inside: avoid; }
@media screen { html { background: #ddd; } body { margin: 6mm auto; box-shadow: 0 0 2mm rgba(0, 0, 0, .3); } }
"""

_METHODS = {"cash": "现金 cash", "card": "刷卡 card", "wechat": "微信 wechat", "alipay": "支付宝 alipay", "transfer": "转账 transfer"}


def _money(text: str) -> str:
    cents = parse_money(text) if not text.startswith("-") else -parse_money(text[1:])
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}¥{whole:,}.{frac:02d}"


def _row(label: str, amount: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f"<tr{klass}><td>{label}</td><td class=\"r\">{html.escape(amount)}</td></tr>"


def receipt_html(r: dict) -> str:
    """The receipt as one HTML page (every text escaped; the QR code inline SVG)."""
    esc = lambda v: html.escape("" if v is None else str(v))  # noqa: E731
    out = [
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(r['id'])} {esc(r['shop'])}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
        f"<h1>{esc(r['shop'])}</h1>\n<div class=\"store\">{esc(r['store_name'])} ({esc(r['store'])})</div>\n",
        f"<div class=\"doc\">销售小票 receipt <b>{esc(r['id'])}</b></div>\n",
        f"<div class=\"meta\">时间 {esc(r['at'][:16].replace('T', ' '))}<br>"
        f"店员 staff {esc(r['staff_name'])} ({esc(r['staff'])})",
    ]
    if r.get("customer"):
        out.append(f"<br>顾客 customer {esc(r['customer_name'] or '')} ({esc(r['customer'])})")
    out.append("</div>\n<hr>\n<table>\n")
    for line in r["lines"]:
        qty = f"{line['qty']} × {_money(line['price'])}"
        out.append(f"<tr><td class=\"item\">{esc(line['name'])}</td><td class=\"r\">{esc(_money(line['amount']))}</td></tr>\n")
        details = [qty if line["qty"] != 1 or line["unit"] is None else _money(line["price"])]
        if line["rule"] != "list":
            details.append(f"价格 price: {line['rule']}")
        details = [" · ".join(esc(d) for d in details)]
        for kind, code in (line.get("codes") or {}).items():
            details.append(f"{esc(kind)} {esc(code)}")
        if line["unit"] is None:
            details.append(f"SKU {esc(line['sku'])}")
        if line.get("warranty_until"):
            details.append(f"保修至 warranty until {esc(line['warranty_until'])}")
        if line.get("returned"):
            details.append(f"已退 returned {esc(line['returned'])}")
        out.append(f"<tr><td class=\"sub\" colspan=\"2\">{'<br>'.join(details)}</td></tr>\n")
    out.append("</table>\n<hr>\n<table>\n")
    for c in r.get("coupons", []):
        out.append(_row(f"优惠券 coupon {esc(c['code'])} {esc(c['name'])}", _money("-" + c["off"])) + "\n")
    out.append(_row("合计 total", _money(r["total"]), "total") + "\n")
    if r.get("points_redeemed"):
        out.append(_row(f"积分抵扣 points ({esc(r['points_redeemed'])})", _money(r["points_value"])) + "\n")
    change = r.get("change") or "0.00"
    for method, amount in r["payments"].items():
        if method == "cash" and change != "0.00":  # the cash handed over, then the change
            amount = format_money(parse_money(amount) + parse_money(change))
        out.append(_row(esc(_METHODS.get(method, method)), _money(amount)) + "\n")
    if change != "0.00" and "cash" not in r["payments"]:
        out.append(_row(esc(_METHODS["cash"]), _money(change)) + "\n")
    if change != "0.00":
        out.append(_row("找零 change", _money(change)) + "\n")
    if r["due"] != "0.00":
        out.append(_row("欠款 owed", _money(r["due"]), "owed") + "\n")
    out.append("</table>\n")
    if r.get("member") is not None:
        out.append(f"<hr>\n<div class=\"meta\">本单积分 points earned {esc(r['points_earned'])} · "
                   f"积分余额 balance {esc(r['points_balance'])}</div>\n")
    if r.get("returns"):
        out.append(f"<div class=\"meta\">退货 returns: {esc(', '.join(r['returns']))}</div>\n")
    out.append("<hr>\n")
    if r.get("payload"):
        out.append(f"<div class=\"qr\">{qr.svg_markup(r['payload'])}</div>\n"
                   f"<div class=\"foot\">扫码售后 · scan for after-sales</div>\n"
                   f"<div class=\"token\">{esc(r['token'])}</div>\n")
    out.append("<div class=\"foot\">谢谢惠顾 thank you</div>\n</body>\n</html>\n")
    return "".join(out)
