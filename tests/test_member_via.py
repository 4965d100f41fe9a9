"""member add --via: a scanned join code records its channel and salesperson."""

from conftest import fails, ok


def _payload(*args: str) -> str:
    return ok("qr", *args)["payload"]


def test_a_member_who_scans_a_staff_code_is_credited_to_that_channel_and_person(shop):
    ok("channel", "add", "XHS", "小红书")
    payload = _payload("staff", "E002", "--channel", "XHS")
    member = ok("member", "add", "13912345678", "--name", "王芳", "--via", payload)
    assert (member["channel"], member["staff"]) == ("XHS", "E002")
    staff = {r["staff"]: r for r in ok("report", "staff", "-p", "2026-11")}
    assert staff["E002"]["members"] == 1
    channels = [r for r in ok("report", "channels", "-p", "2026-11") if r["channel"] == "XHS"]
    assert channels and channels[0]["members"] == 1 and channels[0]["staff"] == "E002"


def test_a_scanned_channel_code_counts_like_one_typed_by_hand(shop):
    ok("channel", "add", "WX", "微信公众号")
    ok("member", "add", "13912340001", "--via", _payload("channel", "WX"))
    ok("member", "add", "13912340002", "--channel", "WX")
    row = next(r for r in ok("report", "channels", "-p", "2026-11") if r["channel"] == "WX")
    assert row["members"] == 2


def test_the_payload_follows_a_changed_base_url(shop):
    ok("channel", "add", "WX", "微信公众号")
    ok("config", "set", "qr.base_url", "https://shop.example.cn/j")
    payload = _payload("channel", "WX")
    assert payload.startswith("https://shop.example.cn/j?")
    assert ok("member", "add", "13912340003", "--via", payload)["channel"] == "WX"


def test_bad_payloads_are_refused_and_enrol_nobody(shop):
    ok("channel", "add", "WX", "微信公众号")
    for payload in ("hello", "", "https://evil.example/join?ch=WX", "https://m.storectl.cn/join?ch=NOPE",
                    "https://m.storectl.cn/join?staff=E999", "https://m.storectl.cn/join", "javascript:alert(1)"):
        fails("invalid_input", "member", "add", "13912345678", "--via", payload)
    unit = "https://m.storectl.cn/join?sn=F2LXK9J3Q1"
    fails("invalid_input", "member", "add", "13912345678", "--via", unit)
    fails("invalid_input", "member", "add", "13912345678", "--via", "https://m.storectl.cn/join?ch=WX", "--channel", "DY")
    assert ok("member", "list") == []
