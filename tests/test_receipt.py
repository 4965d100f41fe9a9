"""The printed receipt: an 80 mm self-contained HTML page whose QR code brings the sale back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from conftest import fails, imei, ok, run

PHONE = (imei("35693803564380"), imei("35693803564381"), "F2LXK0001")
MEMBER = "13900139000"


@pytest.fixture
def sale(shop, tmp_path):
    """A member's sale: a phone at a level price, a cable, points paid, wechat and cash with change."""
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7000", "--supplier", "SUP01", ",".join(PHONE))
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "5")
    ok("level", "add", "银卡", "--min-spend", "0", "--discount", "5")
    ok("member", "add", MEMBER, "--name", "赵六")
    ok("price", "set", "IP17P", "8500", "--level", "银卡")
    ok("points", "adjust", MEMBER, "5000", "--reason", "welcome")
    return ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", MEMBER, PHONE[2], "00123",
              "--points", "1000", "--pay", "wechat=8000", "--pay", "cash=500", "--receipt", str(tmp_path / "sold.html"))


def test_sell_receipt_writes_the_page_with_the_sale_owner_only(sale, tmp_path):
    path = tmp_path / "sold.html"
    assert sale["receipt"] == str(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    page = path.read_text(encoding="utf-8")
    for text in ("测试数码", "华强北旗舰店", sale["id"], "李娜", "iPhone 17 Pro 256GB", PHONE[0], PHONE[1], PHONE[2],
                 "保修至 warranty until 2027-11-02", "level:银卡", "¥8,500.00", "积分抵扣", "¥100.00", "微信 wechat",
                 "¥8,000.00", "找零 change", "本单积分 points earned", "<svg"):
        assert text in page, text
    assert "@page { size: 80mm auto" in page


def test_sale_receipt_reprints_with_the_same_token_and_change(sale, tmp_path):
    first = ok("sale", "receipt", sale["id"], "--out", str(tmp_path / "again.html"))
    again = ok("sale", "receipt", sale["id"], "--out", str(tmp_path / "again.html"))
    assert first["token"] == again["token"] and len(first["token"]) >= 22
    assert first["payload"] == f"https://m.storectl.cn/join?r={first['token']}"
    # 8,500 + 37.05 − ¥100 of points = 8,437.05 due; 8,000 + 500 handed over: 62.95 change, on the reprint too
    assert sale["change"] == "62.95" and ok("sale", "show", sale["id"])["change"] == "62.95"
    assert "¥62.95" in (tmp_path / "again.html").read_text(encoding="utf-8")


def test_sale_receipt_writes_receipt_S_ID_html_here_by_default(sale, tmp_path):
    written = ok("sale", "receipt", sale["id"])
    assert written["path"] == str(tmp_path / f"receipt-{sale['id']}.html")
    assert fails("invalid_input", "sale", "receipt", sale["id"], "--out", "receipt.pdf")["message"].startswith("a receipt is an HTML page")
    fails("not_found", "sale", "receipt", "S-000999")


def test_sale_lookup_turns_the_token_or_the_whole_payload_back_into_the_sale(sale):
    receipt = ok("sale", "receipt", sale["id"])
    found = ok("sale", "lookup", receipt["token"])
    assert found == ok("sale", "show", sale["id"])
    assert ok("sale", "lookup", receipt["payload"])["id"] == sale["id"]
    assert ok("sale", "lookup", receipt["payload"] + "&from=singlemessage")["id"] == sale["id"]  # as WeChat shares it
    fails("not_found", "sale", "lookup", "A" * 22)
    fails("invalid_input", "sale", "lookup", "https://m.storectl.cn/join?sn=123")
    fails("invalid_input", "sale", "lookup", "'; drop table sale; --")


def test_tokens_are_unguessable_and_differ_from_sale_to_sale(sale):
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123", "--pay", "cash=39")
    tokens = {ok("sale", "receipt", s["id"])["token"] for s in ok("sale", "list")}
    assert len(tokens) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)  # secrets.token_urlsafe(16): 128 bits


def test_a_sale_made_before_tokens_existed_gets_one_when_its_receipt_is_first_printed(sale):
    from sqlalchemy import text

    from storectl.db import Database, resolve_url

    db = Database(resolve_url(None))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE sale SET receipt_token = NULL"))
    fails("not_found", "sale", "lookup", "A" * 22)
    receipt = ok("sale", "receipt", sale["id"])
    assert ok("sale", "lookup", receipt["token"])["id"] == sale["id"]
    assert ok("sale", "receipt", sale["id"])["token"] == receipt["token"]


def test_the_receipt_page_loads_nothing_from_anywhere(sale, tmp_path):
    page = (tmp_path / "sold.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"@import|@font-face|<script|<link|<img|<iframe|<object", page, re.I)


def test_the_receipt_escapes_what_people_typed(shop, tmp_path):
    ok("customer", "add", "C666", "<script>alert(1)</script>")
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "5")
    ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C666", "00123", "--pay", "cash=39", "--receipt", str(tmp_path / "x.html"))
    page = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install -y chromium)")
def test_the_receipt_renders_in_chromium_and_its_qr_code_gives_the_token_back(sale, tmp_path):
    import zxingcpp
    from PIL import Image

    receipt = ok("sale", "receipt", sale["id"], "--out", str(tmp_path / "print.html"))
    shot = tmp_path / "receipt.png"
    # 80 mm at 96 dpi is 302 px; twice the pixels, as a phone camera sees a printed code
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=2",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=302,1600", f"--screenshot={shot}",
         (tmp_path / "print.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    assert shot.exists(), done.stderr
    image = Image.open(shot)
    assert image.width == 604
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [receipt["payload"]]
    token = codes[0].text.rpartition("r=")[2]
    assert token == receipt["token"]
    assert ok("sale", "lookup", codes[0].text)["id"] == sale["id"]
