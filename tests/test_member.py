"""Enrolling members, showing and listing them, and who brought them in."""

from __future__ import annotations

from conftest import fails, ok, run

SHOW_KEYS = {"code", "phone", "name", "level", "points", "streak", "lifetime_spend", "channel", "staff"}


def test_a_new_member_is_a_customer_coded_by_their_phone_with_who_brought_them_in(shop):
    ok("channel", "add", "WX", "微信公众号")
    m = ok("member", "add", "13912345678", "--name", "王芳", "--channel", "WX", "--staff", "E002")
    assert SHOW_KEYS <= set(m)
    assert m["enrolled"] == "new"
    assert (m["code"], m["phone"], m["name"], m["channel"], m["staff"]) == ("13912345678", "13912345678", "王芳", "WX", "E002")
    assert (m["points"], m["streak"], m["lifetime_spend"], m["level"]) == (0, 0, "0.00", None)
    assert m["joined_at"] == "2026-11-02T10:00:00+08:00"
    shown = ok("member", "show", "13912345678")
    assert {k: shown[k] for k in SHOW_KEYS} == {k: m[k] for k in SHOW_KEYS}
    # --customer elsewhere finds a member by phone
    assert ok("customer", "show", "13912345678")["member"] is True
    err = fails("conflict", "member", "add", "13912345678")
    assert "member show" in err["hint"]
    fails("conflict", "member", "add", "+86 139-1234-5678")


def test_an_existing_customer_with_that_phone_becomes_a_member_and_keeps_their_code_and_name(shop):
    m = ok("member", "add", "13800138000", "--name", "别的名字", "--staff", "E003")
    assert (m["code"], m["name"], m["staff"], m["enrolled"]) == ("C002", "陈晓燕", "E003", "existing_customer")
    assert ok("member", "show", "C002")["phone"] == "13800138000"
    assert [c["code"] for c in ok("customer", "list")] == ["C001", "C002"]


def test_unknown_channel_staff_or_referrer_codes_are_not_found_and_nothing_is_saved(shop):
    ok("member", "add", "13912345678")
    fails("not_found", "member", "add", "13700000001", "--channel", "NOPE")
    fails("not_found", "member", "add", "13700000001", "--staff", "E999")
    fails("not_found", "member", "add", "13700000001", "--referrer", "13700000009")
    fails("not_found", "member", "add", "13700000001", "--referrer", "C001")  # a customer, not a member
    fails("not_found", "member", "show", "13700000001")
    m = ok("member", "add", "13700000001", "--referrer", "13912345678")
    assert m["referrer"] == "13912345678"


def test_a_phone_is_normalised_and_bad_phones_are_refused(shop):
    m = ok("member", "add", "+86 139-0013-9000")
    assert m["phone"] == "13900139000"
    assert ok("member", "show", "+86 139 0013 9000")["code"] == "13900139000"
    for bad in ("139", "abc", "", "+0"):
        fails("invalid_input", "member", "add", bad)
    r = run("member", "add", "abc")
    assert r.code == 1 and "Traceback" not in r.stdout + r.stderr


def test_a_customer_code_equal_to_the_phone_but_with_another_phone_is_a_conflict_and_non_members_are_not_shown(shop):
    ok("customer", "add", "13911112222", "某公司", "--phone", "13933334444")
    fails("conflict", "member", "add", "13911112222")
    err = fails("not_found", "member", "show", "C001")
    assert "member add" in err["hint"]


def test_members_are_listed_with_their_level_and_filtered_by_level(shop):
    ok("level", "add", "普通", "--min-spend", "0")
    ok("member", "add", "13912345678", "--name", "王芳")
    ok("member", "add", "13800138000")
    rows = ok("member", "list")
    assert [(r["code"], r["level"]) for r in rows] == [("13912345678", "普通"), ("C002", "普通")]
    assert len(ok("member", "list", "--level", "普通")) == 2
    fails("not_found", "member", "list", "--level", "钻石")
    for args in (["member", "list"], ["member", "show", "13912345678"], ["member", "add", "13700000001"]):
        r = run(*args)
        assert r.code == 0 and "Traceback" not in r.stderr
