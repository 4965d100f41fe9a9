"""QR codes for "one person, one code": payloads, parsing them back, PNG/SVG/terminal art and the A4 sheet.

Pure functions: no database, no Typer, no Rich. qrcode and Pillow are imported inside the functions
that need them so that `storectl --help` and ordinary commands stay quick.
The fast mask choice (the same result as qrcode's own) lives in qr_mask.py.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from storectl.errors import StoreError, invalid
from storectl.services.qr.qr_mask import _pack, _penalty, make_fast  # noqa: F401  (_pack, _penalty: tests reach them here)

DEFAULT_BASE_URL = "https://m.storectl.cn/join"

PARAMS = (("ch", "channel"), ("staff", "staff"), ("sn", "sn"), ("ref", "ref"))  # query key → result key, in payload order
RECEIPT_KEY = "r"  # a receipt's code: qr.base_url + ?r=TOKEN (storectl sale lookup)
MAX_PAYLOAD = 2048  # far beyond any real code, far below what would make a QR code unreadable
_DEFAULT_PORT = {"http": 80, "https": 443}


# --- payloads -----------------------------------------------------------------------------------


def _example(base_url: str) -> str:
    try:
        return build_payload(base_url, channel="WX")
    except StoreError:  # a broken base URL must not hide the real error behind this hint
        return f"{DEFAULT_BASE_URL}?ch=WX"


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


def _clip(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def validate_base_url(text: str) -> str:
    """An http(s) URL with a host and no fragment, usable as `qr.base_url`; returns it stripped."""
    hint = f"give an http(s) address, e.g. {DEFAULT_BASE_URL}"
    url = (text or "").strip()
    if not url:
        raise invalid("qr.base_url is empty", hint)
    if _has_control(url) or any(c.isspace() for c in url):
        raise invalid(f"qr.base_url {_clip(url)} contains spaces or control characters", hint)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        raise invalid(f"qr.base_url {_clip(url)} is not a valid address", hint) from None
    if parts.scheme.lower() not in _DEFAULT_PORT:
        raise invalid(f"qr.base_url {_clip(url)} must start with http:// or https://", hint)
    if not parts.hostname:
        raise invalid(f"qr.base_url {_clip(url)} has no host", hint)
    if parts.username is not None or parts.password is not None:
        raise invalid(f"qr.base_url {_clip(url)} must not contain a user name or password", hint)
    if "#" in url:
        raise invalid(f"qr.base_url {_clip(url)} must not contain a #fragment", hint)
    taken = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} & ({k for k, _ in PARAMS} | {RECEIPT_KEY})
    if taken:
        names = ", ".join(f"{k}=" for k in sorted(taken))
        raise invalid(f"qr.base_url {_clip(url)} already has {names}: storectl adds those itself", hint)
    return url


def build_payload(
    base_url: str, *, channel: str | None = None, staff: str | None = None, sn: str | None = None,
    ref: str | None = None,
) -> str:
    """`base_url` plus ch=, staff=, sn=, ref= (in that order), percent-encoded; any query in base_url is kept."""
    base = validate_base_url(base_url)
    pairs = []
    for (key, _), value in zip(PARAMS, (channel, staff, sn, ref), strict=True):
        if value is None:
            continue
        if value == "" or _has_control(value):
            raise invalid(f"{key} code {value!r} is empty or has control characters", "e.g. WX")
        pairs.append((key, value))
    if not pairs:
        raise invalid("a QR payload needs a channel, a staff code or a serial number", "e.g. qr channel WX")
    # quote (not quote_plus) with safe="": spaces become %20 and & # / + = are all escaped.
    query = urlencode(pairs, quote_via=quote, safe="")
    if "?" not in base:
        sep = "?"
    elif base.endswith(("?", "&")):
        sep = ""
    else:
        sep = "&"
    return base + sep + query


def receipt_payload(base_url: str, token: str) -> str:
    """A receipt's QR payload: `base_url` plus r=TOKEN (any query in base_url is kept)."""
    base = validate_base_url(base_url)
    sep = "?" if "?" not in base else ("" if base.endswith(("?", "&")) else "&")
    return base + sep + urlencode([(RECEIPT_KEY, token)], quote_via=quote, safe="")


def receipt_token(text: str) -> str:
    """The token of a receipt: the token itself, or a scanned payload (any site; its r= is what counts).

    A receipt printed before the shop moved its qr.base_url still finds its sale.
    """
    hint = "give the token printed under the receipt's QR code, or the whole scanned address"
    raw = (text or "").strip()
    if not raw:
        raise invalid("the receipt token is empty", hint)
    if len(raw) > MAX_PAYLOAD or _has_control(raw):
        raise invalid(f"{_clip(raw)} is not a receipt token", hint)
    if "://" in raw or "?" in raw:
        try:
            fields = parse_qsl(urlsplit(raw).query, keep_blank_values=True, errors="strict", max_num_fields=50)
        except ValueError:
            raise invalid(f"the address {_clip(raw)} has an unreadable query", hint) from None
        found = [v for k, v in fields if k == RECEIPT_KEY]
        if len(found) != 1 or not found[0]:
            raise invalid(f"the address {_clip(raw)} carries no receipt (r=)", hint)
        raw = found[0]
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", raw):
        raise invalid(f"{_clip(raw)} is not a receipt token", hint)
    return raw


def write_html(page: str, path: Any) -> str:
    """Write an HTML page (a .html/.htm path) owner-only through a temporary file; the absolute path."""
    _sheet_suffix(path)
    data = page.encode("utf-8")
    return _write_atomic(path, lambda fh: fh.write(data))


def parse_payload(payload: str, base_url: str) -> dict:
    """A scanned payload back to {"channel", "staff", "sn"} (+ "ref" when it has ref=); anything not from base_url is refused.

    Unknown parameters are ignored: WeChat appends `from=singlemessage&isappinstalled=0` to shared links.
    Whether the codes exist is the caller's business.
    """
    hint = f"scan a storectl QR code, e.g. {_example(base_url)}"
    text = (payload or "").strip()
    if not text:
        raise invalid("the QR payload is empty", hint)
    if len(text) > MAX_PAYLOAD:
        raise invalid(f"the QR payload is too long ({len(text)} characters)", hint)
    if _has_control(text):
        raise invalid(f"the QR payload {_clip(text)} contains control characters", hint)
    try:
        got = urlsplit(text)
        want = urlsplit(base_url.strip())
        got_port, want_port = got.port, want.port
    except ValueError:
        raise invalid(f"the QR payload {_clip(text)} is not a valid address", hint) from None
    got_scheme, want_scheme = got.scheme.lower(), want.scheme.lower()
    if got_scheme not in _DEFAULT_PORT or not got.hostname:
        raise invalid(f"the QR payload {_clip(text)} is not a storectl web address", hint)
    if got.username is not None or got.password is not None:
        raise invalid(f"the QR payload {_clip(text)} carries a user name: not a storectl code", hint)
    # http and https count as the same site, so a shop that moves its page to https keeps its
    # printed http codes; an explicit default port equals no port.
    if got_port == _DEFAULT_PORT[got_scheme]:
        got_port = None
    if want_port == _DEFAULT_PORT.get(want_scheme):
        want_port = None
    if (got.hostname, got_port) != (want.hostname, want_port):
        raise invalid(f"the QR payload points to another site ({got.netloc}), not {want.netloc}", hint)
    if got.path.rstrip("/") != want.path.rstrip("/"):
        raise invalid(f"the QR payload path {got.path or '/'!r} is not {want.path or '/'!r}", hint)
    try:
        fields = parse_qsl(got.query, keep_blank_values=True, errors="strict", max_num_fields=50)
    except ValueError:  # includes UnicodeDecodeError from a %-escape that is not UTF-8
        raise invalid(f"the QR payload {_clip(text)} has an unreadable query", hint) from None
    result: dict[str, str | None] = {name: None for _, name in PARAMS}
    names = dict(PARAMS)
    for key, value in fields:
        if key not in names:
            continue
        if result[names[key]] is not None:
            raise invalid(f"the QR payload repeats {key}=", hint)
        if value == "" or _has_control(value):
            raise invalid(f"the QR payload has an empty or unreadable {key}=", hint)
        result[names[key]] = value
    if all(v is None for v in result.values()):
        raise invalid(f"the QR payload {_clip(text)} has no ch=, staff=, sn= or ref=", hint)
    if result["ref"] is None:  # a partner's code (commission) only: join codes keep their three keys
        del result["ref"]
    return result


# --- the code itself ----------------------------------------------------------------------------


def make_qr(payload: str):
    """A made qrcode.QRCode for payload: error correction Q, border 4, best mask (same as qrcode's)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_Q
    from qrcode.exceptions import DataOverflowError

    # Q: Reed-Solomon restores ~25% of the codewords, so a printed code survives scuffs, a stain
    # or a sticker edge. Measured with zxing on a staff payload, a white square over 10% of the
    # symbol anywhere off the finders: M decodes 50% of placements, Q and H 100% (at 15%: Q 52%,
    # H 100%). H costs one or two versions (denser modules) for every code, which hurts the small
    # serial-number stickers and `qr --show` in an 80x24 terminal; Q covers "slightly damaged".
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=4)
    qr.add_data(payload)
    try:
        qr.best_fit()
    except (DataOverflowError, ValueError):  # qrcode raises ValueError when it overflows past version 40
        message = f"the QR payload is too long to encode ({len(payload)} characters)"
        raise invalid(message, "use shorter codes") from None
    if not make_fast(qr):
        qr.make(fit=False)
    return qr


# --- pictures -----------------------------------------------------------------------------------


_DARK_RUN = re.compile(b"\x01+")


def _svg(qr, size_mm: float | None) -> str:
    matrix = qr.get_matrix()  # includes the 4-module quiet zone
    n = len(matrix)
    d = []  # one rectangle per horizontal run of dark modules, all in a single <path>
    for y, row in enumerate(matrix):
        for run in _DARK_RUN.finditer(bytes(row)):
            start, width = run.start(), run.end() - run.start()
            d.append(f"M{start} {y}h{width}v1h-{width}z")
    size = ""
    if size_mm is not None:
        if not size_mm > 0:
            raise invalid(f"QR size must be positive, got {size_mm}", "e.g. 40")
        size = f' width="{size_mm:g}mm" height="{size_mm:g}mm"'
    # The white rect keeps the quiet zone light on a dark page; crispEdges stops anti-aliased seams.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}"{size} shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{"".join(d)}"/></svg>'
    )


def svg_markup(payload: str, *, size_mm: float | None = None) -> str:
    """An inline <svg> element (one <path>, viewBox in modules) for embedding in HTML."""
    return _svg(make_qr(payload), size_mm)


_FOLDER_HINT = "choose a file in an existing folder you can write to"


def _target(path: Any) -> Path:
    """The absolute path to write, refused when its folder is missing or it is a folder itself."""
    target = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
    if not target.parent.is_dir():
        raise invalid(f"folder {target.parent} does not exist", _FOLDER_HINT)
    if target.is_dir():
        raise invalid(f"{target} is a folder, not a file", _FOLDER_HINT)
    return target


def _image_suffix(path: Any) -> str:
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise invalid(
            f"cannot write a QR code as {suffix or 'a file without a suffix'!r}: only .png and .svg",
            "e.g. --out wx.png or --out wx.svg",
        )
    return suffix


def _sheet_suffix(path: Any) -> str:
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix not in (".html", ".htm"):
        raise invalid(
            f"a QR sheet is an HTML page, not {suffix or 'a file without a suffix'!r}",
            "e.g. --out qr-sheet.html, then open it in a browser and print",
        )
    return suffix


def check_out(path: Any, *, sheet: bool = False) -> str:
    """Refuse an output path write_image (or write_sheet) would refuse, before any work; absolute path."""
    (_sheet_suffix if sheet else _image_suffix)(path)
    return str(_target(path))


def _write_atomic(path: Any, write: Callable[[IO[bytes]], None]) -> str:
    """Write through a temporary file in the target folder, then os.replace it into place."""
    target = _target(path)
    folder = target.parent
    hint = _FOLDER_HINT
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as e:
        raise invalid(f"cannot write in folder {folder}: {e.strerror or e}", hint) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o600)  # owner-only: a sheet names the staff and carries their enrolment links
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            from storectl.errors import STORAGE_ERRNOS, storage_error

            if e.errno in STORAGE_ERRNOS:
                raise storage_error(e, f"write {target}") from None
            raise invalid(f"cannot write {target}: {e.strerror or e}", hint) from None
        raise
    return str(target)


def write_png(payload: str, path: Any, *, box_size: int = 10) -> None:
    """The code as a PNG (Pillow), box_size pixels per module."""
    from qrcode.image.pil import PilImage

    if not 1 <= box_size <= 100:
        raise invalid(f"box size must be 1..100 pixels, got {box_size}", "e.g. 10")
    qr = make_qr(payload)
    qr.box_size = box_size
    image = qr.make_image(image_factory=PilImage).get_image()
    _write_atomic(path, lambda fh: image.save(fh, format="PNG"))


def write_svg(payload: str, path: Any) -> None:
    """The code as a standalone SVG file (no Pillow needed), 1 mm per module like qrcode's default."""
    qr = make_qr(payload)
    svg = _svg(qr, float(qr.modules_count + 2 * qr.border))
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n").encode("utf-8")
    _write_atomic(path, lambda fh: fh.write(data))


def write_image(payload: str, path: str) -> str:
    """Write a .png or .svg (chosen by suffix, any case); returns the absolute path written."""
    suffix = _image_suffix(path)
    (write_png if suffix == ".png" else write_svg)(payload, path)
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def terminal_art(payload: str) -> str:
    """The code in Unicode half blocks, two module rows per text line, with the 4-module quiet zone.

    Inverted on purpose: *light* modules (and the quiet zone) are drawn as blocks in the terminal's
    text colour, dark modules are left blank. On the usual dark terminal that reads as a normal dark
    on light code with a visible light border; on a light terminal it is a negative, which most
    current phone scanners (and zxing) also read. Not inverted, a dark terminal would show a
    negative whose quiet zone is invisible, which many scanners cannot find.
    """
    matrix = make_qr(payload).get_matrix()
    n = len(matrix)
    past_end = [True] * n  # below the last row: no ink (the quiet zone already has 4 rows)
    chars = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    lines = []
    for y in range(0, n, 2):
        top = matrix[y]
        bottom = matrix[y + 1] if y + 1 < n else past_end
        lines.append("".join(chars[(not a, not b)] for a, b in zip(top, bottom)))
    return "\n".join(lines)


# --- the printable sheet ------------------------------------------------------------------------

PER_PAGE = 12  # 3 columns x 4 rows of 63 x 66 mm cards inside A4's 190 x 277 mm printable area

_SHEET_CSS = """
@page { size: A4 portrait; margin: 10mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  color: #000; background: #fff;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
}
.page { width: 190mm; height: 275mm; overflow: hidden; break-after: page; page-break-after: always; }
.page:last-child { break-after: auto; page-break-after: auto; }
header { height: 9mm; display: flex; justify-content: space-between; align-items: baseline;
  font-size: 9pt; border-bottom: 0.2mm solid #999; margin-bottom: 1mm; }
header h1 { font-size: 12pt; margin: 0; }
header .meta { color: #555; font-size: 7pt; }
.grid { display: grid; grid-template-columns: repeat(3, 63mm); grid-auto-rows: 66mm; }
/* dashed borders are the cut lines: cut along them with a ruler and keep the quiet zone */
/* 66 mm: 5 padding + 40 code + 11 label (two lines at most) + 4 sublabel (one line) + 5 payload
   (two lines at most); the code and the payload never shrink, long texts are cut with an ellipsis
   (the label already in Python, card_label, so every browser shows the same) */
.card { border: 0.25mm dashed #888; margin: -0.125mm; padding: 3mm 3mm 2mm; overflow: hidden;
  display: flex; flex-direction: column; align-items: center; text-align: center;
  break-inside: avoid; page-break-inside: avoid; }
.qr { flex: none; }
.qr svg { display: block; width: 40mm; height: 40mm; }
.label { flex: none; font-size: 12pt; font-weight: 700; margin-top: 1mm; line-height: 1.15;
  max-width: 100%; max-height: 2.3em; overflow: hidden; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; line-clamp: 2; }
.sublabel { flex: none; font-size: 8.5pt; color: #333; margin-top: 0.5mm; max-width: 100%;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.payload { flex: none; font-size: 6pt; line-height: 1.2; max-height: 2.4em; max-width: 100%; overflow: hidden;
  color: #555; margin-top: auto; font-family: ui-monospace, Menlo, Consolas,
  "Noto Sans Mono CJK SC", monospace; overflow-wrap: anywhere; word-break: break-all; }
.empty { padding: 20mm; text-align: center; color: #555; }
@media screen {
  body { background: #ddd; }
  .page { background: #fff; margin: 8mm auto; padding: 10mm; width: 210mm; height: 297mm;
    box-shadow: 0 0 3mm rgba(0, 0, 0, .3); }
}
"""


# What fits two lines of the card's label (12 pt bold in 57 mm: about 13 CJK characters a line),
# in display columns: a CJK character counts two, a Latin one one.
LABEL_COLUMNS = 46


def card_label(text: str, columns: int = LABEL_COLUMNS) -> str:
    """The name as the card shows it: whole when it fits two lines, else cut with "…"."""
    import unicodedata

    def width(ch: str) -> int:
        return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1

    if sum(width(ch) for ch in text) <= columns:
        return text
    kept, used = [], 0
    for ch in text:
        if used + width(ch) > columns - 2:  # room for the ellipsis
            break
        kept.append(ch)
        used += width(ch)
    return "".join(kept).rstrip() + "…"


def sheet_html(cards: list[dict], *, title: str, base_url: str) -> str:
    """One self-contained A4 HTML page set: a grid of cut-out cards, each code with its label.

    Each card is {"label", "sublabel", "payload"}; every text is HTML-escaped, the QR codes are
    inline SVG (no files, no network), so the page prints the same anywhere.
    """
    esc = html.escape
    pages = [cards[i : i + PER_PAGE] for i in range(0, len(cards), PER_PAGE)] or [[]]
    head = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_SHEET_CSS}</style>\n</head>\n<body>\n"
    )
    out = [head]
    for number, page in enumerate(pages, 1):
        out.append(
            f'<section class="page"><header><h1>{esc(title)}</h1>'
            f'<span class="meta">{esc(base_url)} · {len(cards)} codes · page {number}/{len(pages)}</span>'
            '</header>\n<div class="grid">\n'
        )
        if not page:
            out.append('<p class="empty">no codes to print</p>\n')
        for card in page:
            payload = card["payload"]
            name = str(card["label"])
            out.append(
                f'<div class="card" title="{esc(name)}"><div class="qr">{svg_markup(payload)}</div>'
                f'<div class="label">{esc(card_label(name))}</div>'
                f'<div class="sublabel">{esc(str(card.get("sublabel") or ""))}</div>'
                f'<div class="payload">{esc(payload)}</div></div>\n'
            )
        out.append("</div></section>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)


def write_sheet(cards: list[dict], path: Any, *, title: str, base_url: str) -> str:
    """Write sheet_html to a .html/.htm file; returns the absolute path written."""
    _sheet_suffix(path)
    data = sheet_html(cards, title=title, base_url=base_url).encode("utf-8")
    return _write_atomic(path, lambda fh: fh.write(data))
