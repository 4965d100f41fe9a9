"""The printable QR sheet as a browser draws it (issue 17): headless Chromium renders the page,
zxing decodes every card, and the layout is measured in the page itself."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from storectl.services.qr.codes import DEFAULT_BASE_URL, build_payload, sheet_html

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")

LONG_NAME = "深圳市福田区华强北电子世界三楼数码通讯配件批发零售部门"  # 27 characters
assert len(LONG_NAME) == 27

# Measured in the page once it is laid out: is each card's code, label and payload inside it?
MEASURE = """<script>
window.addEventListener("load", () => {
  const inside = (el, card) => { const a = el.getBoundingClientRect(), c = card.getBoundingClientRect();
    return a.height > 0 && a.width > 0 && a.top >= c.top - 0.5 && a.bottom <= c.bottom + 0.5
      && a.left >= c.left - 0.5 && a.right <= c.right + 0.5; };
  const cards = [...document.querySelectorAll(".card")].map(card => ({
    qr: inside(card.querySelector(".qr svg"), card),
    label: inside(card.querySelector(".label"), card) && card.querySelector(".label").scrollHeight
      <= card.querySelector(".label").clientHeight + 1,
    payload: inside(card.querySelector(".payload"), card),
    text: card.querySelector(".label").textContent }));
  const out = document.createElement("pre"); out.id = "measured"; out.textContent = JSON.stringify(cards);
  document.body.appendChild(out);
});
</script>"""


def _chromium(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-dev-shm-usage", *args],
                          capture_output=True, text=True, timeout=timeout)


def _cards(count: int) -> list[dict]:
    return [{"label": LONG_NAME, "sublabel": f"E{i:03d} · 华强北旗舰店（深圳市福田区华强北路1002号）",
             "payload": build_payload(DEFAULT_BASE_URL, staff=f"E{i:03d}", channel="DOUYIN-LIVE")} for i in range(count)]


def test_every_card_of_a_sheet_of_long_names_decodes_and_shows_its_name_and_payload(tmp_path):
    cards = _cards(24)
    page = tmp_path / "sheet.html"
    page.write_text(sheet_html(cards, title="测试数码 · 员工二维码", base_url=DEFAULT_BASE_URL), encoding="utf-8")

    shot = tmp_path / "sheet.png"
    # two A4 pages as the screen shows them (210 × 297 mm each, 8 mm apart), at twice the pixels
    result = _chromium(f"--screenshot={shot}", "--window-size=900,2400", "--force-device-scale-factor=2", page.as_uri())
    assert shot.exists(), result.stderr
    found = sorted(b.text for b in zxingcpp.read_barcodes(Image.open(shot)))
    assert found == sorted(c["payload"] for c in cards)

    measured_page = tmp_path / "measured.html"
    measured_page.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = _chromium("--dump-dom", "--window-size=900,2400", "--virtual-time-budget=5000", measured_page.as_uri()).stdout
    measured = json.loads(dom.split('<pre id="measured">', 1)[1].split("</pre>", 1)[0].replace("&quot;", '"'))
    assert len(measured) == 24
    for card in measured:
        assert card["qr"] and card["label"] and card["payload"], card
        assert card["text"] == LONG_NAME or (card["text"].endswith("…") and LONG_NAME.startswith(card["text"][:-1]))
