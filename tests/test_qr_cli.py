"""`storectl qr …`: codes from the database, decoded with a real decoder (zxing); sheets; errors; --json."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from conftest import fails, imei, ok, run, run_process
from storectl.services.qr.codes import terminal_art

BASE = "https://m.storectl.cn/join"
IMEI1, IMEI2 = imei("35693803564380"), imei("35693803564381")
SN = "F2LXK1ZAJG5J"


def decode(path) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(path))]


def session():
    """A write session on the test's database, for rows whose commands other people are writing."""
    from storectl.db import Database, resolve_url

    return Database(resolve_url(os.environ["STORECTL_DB"]), operator="tester").write("test setup")


def add_channel(code: str, name: str) -> None:
    if run("channel", "--help").code == 0:
        ok("channel", "add", code, name)
        return
    from storectl import db
    from storectl.models import Channel

    with session() as s:
        s.add(Channel(code=code, name=name, created_at=db.now_of(s)))


def add_phone(store: str = "SZ01") -> None:
    """One IP17P phone in stock, carrying IMEI1, IMEI2 and SN (received through stock in)."""
    from storectl.services.stock import inventory
    from storectl.services.stock.unit_input import argument_items

    with session() as s:
        inventory.stock_in(s, store=store, sku="IP17P", cost_cents=650000, units=argument_items([f"{IMEI1},{IMEI2},{SN}"]))


def deactivate(code: str) -> None:
    from sqlmodel import select

    from storectl.models import Staff

    with session() as s:
        s.exec(select(Staff).where(Staff.code == code)).one().active = False


@pytest.fixture
def channels(shop):
    add_channel("WX", "微信公众号")
    add_channel("XHS", "小红书")
    return shop


# --- one code -------------------------------------------------------------------------------


def test_a_channel_png_decodes_to_exactly_its_payload(channels, tmp_path):
    doc = ok("qr", "channel", " WX ", "--out", "wx.png")
    assert doc == {"kind": "channel", "code": "WX", "payload": f"{BASE}?ch=WX", "path": str(tmp_path / "wx.png")}
    assert decode(tmp_path / "wx.png") == [f"{BASE}?ch=WX"]


def test_a_staff_png_with_a_channel_decodes_to_both_codes(channels, tmp_path):
    doc = ok("qr", "staff", "E002", "--channel", "XHS", "--out", str(tmp_path / "e002.png"))
    assert doc["payload"] == f"{BASE}?ch=XHS&staff=E002"
    assert decode(doc["path"]) == [f"{BASE}?ch=XHS&staff=E002"]
    assert ok("qr", "staff", "E002")["payload"] == f"{BASE}?staff=E002"


@pytest.mark.parametrize("typed, expected", [(IMEI2, IMEI2), (SN.lower(), SN)])
def test_a_unit_png_carries_the_code_given_upper_cased(shop, tmp_path, typed, expected):
    add_phone()
    doc = ok("qr", "unit", typed, "--out", "unit.png")
    assert doc["kind"] == "unit" and doc["code"] == expected
    assert decode(tmp_path / "unit.png") == [f"{BASE}?sn={expected}"]


def test_the_payload_follows_a_changed_base_url(channels, tmp_path):
    ok("config", "set", "qr.base_url", "https://wx.huaqiangbei.cn/vip?src=qr")
    doc = ok("qr", "staff", "E001", "--channel", "WX", "--out", "e001.png")
    assert doc["payload"] == "https://wx.huaqiangbei.cn/vip?src=qr&ch=WX&staff=E001"
    assert decode(tmp_path / "e001.png") == [doc["payload"]]


def test_an_svg_file_is_valid_xml(channels, tmp_path):
    doc = ok("qr", "channel", "WX", "--out", "wx.SVG")
    root = ET.parse(tmp_path / "wx.SVG").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    assert doc["path"] == str(tmp_path / "wx.SVG")


@pytest.mark.parametrize(
    "args",
    [
        ("channel", "NOPE"),
        ("staff", "E999"),
        ("staff", "E002", "--channel", "NOPE"),
        ("unit", "356938035643999"),
    ],
)
def test_unknown_codes_are_not_found_and_write_nothing(channels, tmp_path, args):
    error = fails("not_found", "qr", *args, "--out", "x.png")
    assert error["hint"].startswith("storectl") or "stock list" in error["hint"]
    assert not (tmp_path / "x.png").exists()


def test_an_inactive_staff_member_gets_no_code(shop):
    deactivate("E003")
    error = fails("conflict", "qr", "staff", "E003")
    assert "王磊" in error["message"]


@pytest.mark.parametrize("out", ["wx.jpg", "wx", "missing/wx.png", "."])
def test_a_bad_out_file_is_invalid_input_and_writes_nothing(channels, tmp_path, out):
    before = sorted(p.name for p in tmp_path.iterdir())
    fails("invalid_input", "qr", "channel", "WX", "--out", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_bad_out_file_is_refused_before_the_database_is_opened():
    """The house check: no database at all, an empty code, a folder that does not exist."""
    result = run_process("qr", "staff", "", "--out", "/nonexistent/dir/x.png", "--json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "invalid_input"
    assert result.stderr == ""


def test_an_empty_code_is_invalid_input(shop):
    fails("invalid_input", "qr", "staff", "  ")
    fails("invalid_input", "qr", "unit", "")


# --- output -----------------------------------------------------------------------------------


def test_without_out_or_show_the_payload_and_the_code_are_printed(channels):
    result = run("qr", "channel", "WX")
    assert result.code == 0
    assert result.stdout == f"{BASE}?ch=WX\n{terminal_art(f'{BASE}?ch=WX')}\n"


def test_with_out_the_payload_is_printed_and_the_file_noted_on_stderr(channels, tmp_path):
    result = run("qr", "channel", "WX", "--out", "wx.png")
    assert result.code == 0
    assert result.stdout == f"{BASE}?ch=WX\n"
    assert str(tmp_path / "wx.png") in result.stderr
    shown = run("qr", "channel", "WX", "--out", "wx.png", "--show")
    assert shown.stdout == f"{BASE}?ch=WX\n{terminal_art(f'{BASE}?ch=WX')}\n"


def test_json_stdout_is_one_document_and_show_draws_on_stderr(channels):
    result = run("qr", "staff", "E001", "--show", "--json")
    assert result.code == 0
    assert json.loads(result.stdout) == {"kind": "staff", "code": "E001", "payload": f"{BASE}?staff=E001", "path": None}
    assert result.stderr == terminal_art(f"{BASE}?staff=E001") + "\n"
    plain = run("qr", "staff", "E001", "--json")
    assert plain.stderr == "" and json.loads(plain.stdout)["path"] is None


# --- sheets -------------------------------------------------------------------------------------


def test_the_staff_sheet_has_every_active_staff_member_once(shop, tmp_path):
    doc = ok("qr", "sheet", "--staff", "--out", "staff.html")
    assert doc == {"path": str(tmp_path / "staff.html"), "count": 3, "kind": "staff"}
    page = (tmp_path / "staff.html").read_text(encoding="utf-8")
    for name in ("张伟", "李娜", "王磊"):
        assert f'<div class="label">{name}</div>' in page
    assert page.count("<svg") == 3
    assert "E003 · 南山科技园店" in page and f"{BASE}?staff=E003" in page
    assert "<title>测试数码 · 员工二维码</title>" in page


def test_store_filters_the_staff_sheet_and_inactive_staff_are_left_out(shop, tmp_path):
    ok("staff", "add", "E004", "赵敏", "--store", "SZ01")
    deactivate("E002")
    doc = ok("qr", "sheet", "--staff", "--store", "SZ01", "--out", "sz01.html")
    page = (tmp_path / "sz01.html").read_text(encoding="utf-8")
    assert doc["count"] == 2 and page.count("<svg") == 2
    assert "张伟" in page and "赵敏" in page and "李娜" not in page and "王磊" not in page
    assert "测试数码 华强北旗舰店 · 员工二维码" in page
    fails("not_found", "qr", "sheet", "--staff", "--store", "SZ99", "--out", "x.html")


def test_the_channel_sheet_labels_each_channel_with_its_name_and_code(channels, tmp_path):
    doc = ok("qr", "sheet", "--channels", "--out", "ch.html")
    assert doc["count"] == 2 and doc["kind"] == "channel"
    page = (tmp_path / "ch.html").read_text(encoding="utf-8")
    assert '<div class="label">微信公众号</div><div class="sublabel">WX</div>' in page
    assert page.count("<svg") == 2 and f"{BASE}?ch=XHS" in page


@pytest.mark.parametrize(
    "args", [(), ("--channels", "--staff"), ("--channels", "--store", "SZ01")], ids=["none", "both", "store"]
)
def test_a_sheet_takes_exactly_one_of_channels_or_staff(shop, tmp_path, args):
    result = run("qr", "sheet", *args, "--out", "x.html", "--json")
    assert result.code == 2 and result.stdout == ""
    assert not (tmp_path / "x.html").exists()


def test_a_sheet_must_be_html_in_an_existing_folder(shop):
    fails("invalid_input", "qr", "sheet", "--staff", "--out", "staff.pdf")
    fails("invalid_input", "qr", "sheet", "--staff", "--out", "missing/staff.html")


def test_a_sheet_json_is_the_only_thing_on_stdout(shop):
    result = run("qr", "sheet", "--staff", "--out", "s.html", "--json")
    assert result.code == 0 and result.stderr == ""
    assert set(json.loads(result.stdout)) == {"path", "count", "kind"}
    human = run("qr", "sheet", "--staff", "--out", "s.html")
    assert human.stdout == "" and "3 staff codes" in human.stderr
