"""QR service: payloads round-trip, codes decode with a real decoder (zxing), files and the A4 sheet."""

from __future__ import annotations

import html
import os
import random
import re
import time
import xml.etree.ElementTree as ET

import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.util import lost_point

from storectl.errors import StoreError
from storectl.services.qr import codes as qrs
from storectl.services.qr.codes import (
    DEFAULT_BASE_URL,
    build_payload,
    make_qr,
    parse_payload,
    sheet_html,
    svg_markup,
    terminal_art,
    validate_base_url,
    write_image,
    write_png,
    write_sheet,
    write_svg,
)

BASE = DEFAULT_BASE_URL


def decode(image: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(image)]


def raster_svg(svg: str, scale: int = 8) -> Image.Image:
    """Fill the module rectangles of our single-path SVG into a PIL image (no SVG renderer needed)."""
    root = ET.fromstring(svg)
    n = int(root.get("viewBox").split()[2])
    image = Image.new("L", (n * scale, n * scale), 255)
    draw = ImageDraw.Draw(image)
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    rects = re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path)
    assert "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w in rects) == path  # nothing we failed to draw
    for x, y, w in rects:
        x, y, w = int(x), int(y), int(w)
        draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + 1) * scale - 1], fill=0)
    return image


def raise_invalid(call, *args, **kwargs) -> StoreError:
    with pytest.raises(StoreError) as info:
        call(*args, **kwargs)
    assert info.value.code == "invalid_input"
    assert info.value.hint
    return info.value


# --- payloads -----------------------------------------------------------------------------------


def test_payloads_append_ch_staff_sn_in_that_order_and_keep_the_base_query():
    assert build_payload(BASE, channel="WX") == "https://m.storectl.cn/join?ch=WX"
    assert build_payload(BASE, staff="S001", channel="WX") == "https://m.storectl.cn/join?ch=WX&staff=S001"
    assert build_payload(BASE, sn="356938035643809") == "https://m.storectl.cn/join?sn=356938035643809"
    assert (
        build_payload("https://shop.example/j?src=poster", sn="X", staff="S", channel="C")
        == "https://shop.example/j?src=poster&ch=C&staff=S&sn=X"
    )
    assert build_payload("https://shop.example/j?", channel="C") == "https://shop.example/j?ch=C"


def test_codes_with_spaces_ampersands_hashes_and_chinese_are_percent_encoded():
    payload = build_payload(BASE, channel="A&B 1", staff="张伟", sn="x#y+z/=")
    assert payload == (
        "https://m.storectl.cn/join?ch=A%26B%201&staff=%E5%BC%A0%E4%BC%9F&sn=x%23y%2Bz%2F%3D"
    )
    assert parse_payload(payload, BASE) == {"channel": "A&B 1", "staff": "张伟", "sn": "x#y+z/="}


def test_a_payload_needs_at_least_one_nonempty_code():
    raise_invalid(build_payload, BASE)
    raise_invalid(build_payload, BASE, channel="")
    raise_invalid(build_payload, BASE, staff="a\nb")


codes = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(channel=st.none() | codes, staff=st.none() | codes, sn=st.none() | codes)
def test_any_printable_codes_survive_build_then_parse(channel, staff, sn):
    if channel is None and staff is None and sn is None:
        return
    payload = build_payload(BASE, channel=channel, staff=staff, sn=sn)
    assert parse_payload(payload, BASE) == {"channel": channel, "staff": staff, "sn": sn}


@pytest.mark.parametrize(
    "payload",
    [
        "  https://m.storectl.cn/join?ch=WX \n",
        "https://m.storectl.cn/join/?ch=WX",
        "https://M.StoreCtl.CN/join?ch=WX",
        "http://m.storectl.cn/join?ch=WX",
        "https://m.storectl.cn:443/join?ch=WX",
        "https://m.storectl.cn/join?ch=WX&from=singlemessage&isappinstalled=0",
        "https://m.storectl.cn/join?ch=WX#wechat_redirect",
    ],
)
def test_a_scanned_payload_is_read_leniently_where_it_is_still_the_same_address(payload):
    assert parse_payload(payload, BASE) == {"channel": "WX", "staff": None, "sn": None}


def test_a_staff_payload_reads_back_its_staff_and_channel():
    got = parse_payload("https://m.storectl.cn/join?ch=XHS&staff=S007", BASE)
    assert got == {"channel": "XHS", "staff": "S007", "sn": None}


@pytest.mark.parametrize(
    "payload",
    [
        "https://evil.example/join?ch=WX",
        "https://m.storectl.cn.evil.example/join?ch=WX",
        "https://m.storectl.cn@evil.example/join?ch=WX",
        "https://m.storectl.cn:8443/join?ch=WX",
        "https://m.storectl.cn/other?ch=WX",
        "https://m.storectl.cn/?ch=WX",
        "https://m.storectl.cn/join",
        "https://m.storectl.cn/join?from=singlemessage",
        "hello",
        "",
        "   ",
        "javascript:alert(1)",
        "ftp://m.storectl.cn/join?ch=WX",
        "m.storectl.cn/join?ch=WX",
        "https://m.storectl.cn/join?ch=WX&ch=XHS",
        "https://m.storectl.cn/join?ch=",
        "https://m.storectl.cn/join?ch=WX&staff=",
        "https://m.storectl.cn/join?ch=%FF",
        "https://m.storectl.cn/join?ch=%00",
        "https://m.storectl.cn:99999/join?ch=WX",
        "https://m.storectl.cn/join?ch=" + "W" * 5000,
    ],
)
def test_a_payload_from_elsewhere_or_garbage_is_invalid_input(payload):
    error = raise_invalid(parse_payload, payload, BASE)
    assert error.hint.startswith("scan a storectl QR code, e.g. https://m.storectl.cn/join?ch=WX")


def test_the_hint_follows_the_shop_base_url():
    error = raise_invalid(parse_payload, "hello", "https://qr.myshop.cn/in")
    assert "https://qr.myshop.cn/in?ch=WX" in error.hint


def test_a_base_url_must_be_http_with_a_host_and_no_fragment():
    assert validate_base_url("  https://qr.myshop.cn/in?src=poster ") == "https://qr.myshop.cn/in?src=poster"
    assert validate_base_url("http://192.168.1.5:8080/join") == "http://192.168.1.5:8080/join"
    for bad in [
        "",
        "qr.myshop.cn/in",
        "ftp://qr.myshop.cn/in",
        "https:///in",
        "https://qr.myshop.cn/in#top",
        "https://qr.myshop.cn/in?ch=WX",
        "https://qr.my shop.cn/in",
        "https://user:pw@qr.myshop.cn/in",
        "https://qr.myshop.cn:port/in",
    ]:
        raise_invalid(validate_base_url, bad)


# --- the code -----------------------------------------------------------------------------------


def test_codes_use_error_correction_q_and_a_four_module_quiet_zone():
    qr = make_qr(build_payload(BASE, channel="WX"))
    assert qr.error_correction == ERROR_CORRECT_Q
    assert qr.border == 4


def test_the_fast_mask_choice_gives_exactly_the_matrix_qrcode_itself_makes():
    rng = random.Random(7)
    payloads = [build_payload(BASE, channel="WX"), "https://m.storectl.cn/join?ch=" + "长" * 60]
    payloads += [build_payload(BASE, staff=f"S{i:03d}", channel="x" * rng.randint(0, 150)) for i in range(60)]
    for payload in payloads:
        reference = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=4)
        reference.add_data(payload)
        reference.make()
        ours = make_qr(payload)
        assert ours.get_matrix() == reference.get_matrix(), payload
    assert any(make_qr(p).version >= 7 for p in payloads)  # the version-information branch is covered


def test_a_payload_too_long_for_any_qr_code_is_invalid_input():
    raise_invalid(make_qr, "x" * 3000)


def test_the_bitwise_penalty_equals_qrcode_lost_point():
    rng = random.Random(11)
    for n in (21, 25, 33, 45, 57):
        for _ in range(20):
            m = [[rng.random() < 0.5 for _ in range(n)] for _ in range(n)]
            assert qrs._penalty(qrs._pack(m, n), qrs._pack(zip(*m), n), n) == lost_point(m)


# --- PNG and SVG --------------------------------------------------------------------------------

DECODE_CASES = {
    "channel": build_payload(BASE, channel="WX"),
    "staff": build_payload(BASE, staff="S001", channel="XHS"),
    "unit": build_payload(BASE, sn="A&B 1"),
    "unit in chinese": build_payload(BASE, sn="张伟 #2"),
}


@pytest.mark.parametrize("kind", sorted(DECODE_CASES))
def test_a_png_decodes_to_exactly_its_payload(tmp_path, kind):
    payload = DECODE_CASES[kind]
    path = tmp_path / f"{kind}.png"
    write_png(payload, path)
    assert decode(Image.open(path)) == [payload]
    assert parse_payload(decode(Image.open(path))[0], BASE) == parse_payload(payload, BASE)


@pytest.mark.parametrize("where", ["centre", "bottom right", "top middle", "left middle"])
def test_a_png_still_decodes_with_a_tenth_of_the_code_painted_over(tmp_path, where):
    payload = DECODE_CASES["staff"]
    path = tmp_path / "damaged.png"
    write_png(payload, path, box_size=10)
    image = Image.open(path).convert("L")
    qr = make_qr(payload)
    n, border = qr.modules_count, qr.border
    side = (0.10 * n * n) ** 0.5  # a white square over 10% of the symbol (quiet zone not counted)
    x, y = {
        "centre": ((n - side) / 2, (n - side) / 2),
        "bottom right": (n - side, n - side),  # over the alignment pattern
        "top middle": ((n - side) / 2, 0),
        "left middle": (0, (n - side) / 2),
    }[where]
    for fx, fy in [(0, 0), (n - 8, 0), (0, n - 8)]:  # finders with their separators: 8 x 8 modules
        assert x >= fx + 8 or x + side <= fx or y >= fy + 8 or y + side <= fy
    box = tuple(round((v + border) * 10) for v in (x, y, x + side, y + side))
    assert image.crop(box).getextrema()[0] == 0  # it really erases dark modules
    ImageDraw.Draw(image).rectangle(box, fill=255)
    assert decode(image) == [payload]


def test_an_svg_file_is_valid_xml_with_a_viewbox_and_decodes(tmp_path):
    payload = DECODE_CASES["unit in chinese"]
    path = tmp_path / "unit.svg"
    write_svg(payload, path)
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    n = len(make_qr(payload).get_matrix())
    assert root.get("viewBox") == f"0 0 {n} {n}"
    assert root.get("width") == f"{n}mm"
    assert decode(raster_svg(text)) == [payload]


def test_inline_svg_can_be_given_a_size_in_millimetres():
    svg = svg_markup(DECODE_CASES["channel"], size_mm=30)
    assert 'width="30mm" height="30mm"' in svg
    assert svg_markup(DECODE_CASES["channel"]).startswith("<svg ")
    raise_invalid(svg_markup, "x", size_mm=0)


def test_write_image_picks_the_format_from_the_suffix_and_returns_the_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = DECODE_CASES["channel"]
    png = write_image(payload, "wx.PNG")
    svg = write_image(payload, "wx.Svg")
    assert png == str(tmp_path / "wx.PNG") and os.path.isabs(png)
    assert svg == str(tmp_path / "wx.Svg")
    assert decode(Image.open(png)) == [payload]
    assert ET.parse(svg).getroot().get("viewBox")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wx.PNG", "wx.Svg"]  # no temp files left


def test_write_image_replaces_an_existing_file(tmp_path):
    path = tmp_path / "wx.png"
    path.write_bytes(b"old")
    write_image(DECODE_CASES["channel"], str(path))
    assert decode(Image.open(path)) == [DECODE_CASES["channel"]]


def test_write_image_refuses_other_formats_missing_folders_and_folders(tmp_path):
    payload = DECODE_CASES["channel"]
    error = raise_invalid(write_image, payload, str(tmp_path / "wx.jpg"))
    assert ".png" in error.message and ".svg" in error.message
    raise_invalid(write_image, payload, str(tmp_path / "wx"))
    error = raise_invalid(write_image, payload, str(tmp_path / "no" / "such" / "wx.png"))
    assert "does not exist" in error.message
    (tmp_path / "dir.png").mkdir()
    raise_invalid(write_image, payload, str(tmp_path / "dir.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.png"]


def test_a_failed_write_is_invalid_input_and_leaves_no_temp_file(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(qrs.os, "replace", refuse)
    error = raise_invalid(write_image, DECODE_CASES["channel"], str(tmp_path / "wx.png"))
    assert "Permission denied" in error.message and str(tmp_path / "wx.png") in error.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_write_image_into_a_read_only_folder_is_invalid_input(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        raise_invalid(write_image, DECODE_CASES["channel"], str(folder / "wx.png"))
    finally:
        folder.chmod(0o755)


# --- terminal -----------------------------------------------------------------------------------


def test_terminal_art_packs_two_module_rows_per_line_and_decodes():
    payload = DECODE_CASES["staff"]
    matrix = make_qr(payload).get_matrix()
    n = len(matrix)
    art = terminal_art(payload)
    lines = art.split("\n")
    assert len(lines) == (n + 1) // 2
    assert all(len(line) == n for line in lines)
    assert set(art) <= set("▀▄█ \n")
    assert lines[0] == "█" * n  # the quiet zone is drawn (light modules are the ink)
    # paint it as a dark terminal would: ink light, blank dark
    scale = 6
    image = Image.new("L", (n * scale, 2 * len(lines) * scale), 0)
    draw = ImageDraw.Draw(image)
    halves = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            for half, ink in enumerate(halves[char]):
                if ink:
                    top = (2 * y + half) * scale
                    draw.rectangle([x * scale, top, (x + 1) * scale - 1, top + scale - 1], fill=255)
    assert decode(image) == [payload]


# --- the A4 sheet -------------------------------------------------------------------------------


def sample_cards(count: int) -> list[dict]:
    names = ["张伟", "李娜", "<script>alert(1)</script>", "O'Brien & \"Co\""]
    return [
        {
            "label": names[i % len(names)] + ("" if i < len(names) else f" {i}"),
            "sublabel": f"S{i:03d} · 旗舰店",
            "payload": build_payload(BASE, staff=f"S{i:03d}", channel="门店"),
        }
        for i in range(count)
    ]


def test_the_sheet_is_one_utf8_a4_page_with_an_escaped_label_and_a_code_per_card():
    cards = sample_cards(14)
    page = sheet_html(cards, title="导购二维码 <v2>", base_url=BASE)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert "size: A4" in page and "@page" in page
    assert '"Noto Sans CJK SC"' in page and '"PingFang SC"' in page and '"Microsoft YaHei"' in page
    assert "dashed" in page  # cut lines
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "O&#x27;Brien &amp; &quot;Co&quot;" in page
    assert "导购二维码 &lt;v2&gt;" in page
    for card in cards:
        assert f'<div class="label">{html.escape(card["label"])}</div>' in page
        assert card["sublabel"] in page
        assert card["payload"].replace("&", "&amp;") in page
    assert page.count("<svg") == len(cards)
    assert page.count('class="page"') == 2  # 12 cards per A4 page
    assert "http" not in page.replace(BASE, "").replace("http://www.w3.org/2000/svg", "")  # self-contained


def test_the_code_printed_on_the_sheet_is_the_code_of_its_payload():
    cards = sample_cards(3)
    page = sheet_html(cards, title="t", base_url=BASE)
    svgs = re.findall(r"<svg .*?</svg>", page)
    assert svgs == [svg_markup(card["payload"]) for card in cards]
    assert decode(raster_svg(svgs[2])) == [cards[2]["payload"]]


def test_an_empty_sheet_still_renders_a_page():
    page = sheet_html([], title="t", base_url=BASE)
    assert page.count('class="page"') == 1 and "<svg" not in page


def test_write_sheet_writes_html_and_refuses_other_suffixes(tmp_path):
    cards = sample_cards(2)
    written = write_sheet(cards, tmp_path / "sheet.HTML", title="t", base_url=BASE)
    assert written == str(tmp_path / "sheet.HTML")
    expected = sheet_html(cards, title="t", base_url=BASE)
    assert (tmp_path / "sheet.HTML").read_text(encoding="utf-8") == expected
    raise_invalid(write_sheet, cards, tmp_path / "sheet.pdf", title="t", base_url=BASE)
    raise_invalid(write_sheet, cards, tmp_path / "missing" / "sheet.html", title="t", base_url=BASE)
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.HTML"]


def test_a_sheet_of_200_cards_is_quick(capsys):
    cards = sample_cards(200)
    sheet_html(cards[:1], title="warm-up", base_url=BASE)  # imports qrcode
    start = time.perf_counter()
    page = sheet_html(cards, title="200", base_url=BASE)
    elapsed = time.perf_counter() - start
    assert page.count("<svg") == 200
    with capsys.disabled():
        print(f"\n200-card QR sheet: {elapsed * 1000:.0f} ms, {len(page) / 1024:.0f} KiB")
