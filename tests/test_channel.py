"""Acquisition channels: adding, listing, and how many members each brought in."""

from __future__ import annotations

from conftest import fails, ok, run


def test_channels_are_listed_with_the_members_they_brought_in(shop):
    ok("channel", "add", "WX", "微信公众号")
    ok("channel", "add", "007", "小红书")
    ok("channel", "add", "WIN", "橱窗")
    ok("member", "add", "13912345678", "--channel", "WX")
    ok("member", "add", "13912345679", "--channel", "WX")
    ok("member", "add", "13912345670", "--channel", "007")
    assert ok("channel", "list") == [
        {"code": "007", "name": "小红书", "members": 1},
        {"code": "WIN", "name": "橱窗", "members": 0},
        {"code": "WX", "name": "微信公众号", "members": 2},
    ]
    r = run("channel", "list")
    assert r.code == 0 and "小红书" in r.stdout


def test_a_channel_code_is_unique_and_needs_a_name(shop):
    ok("channel", "add", " AS ", "售后回访")
    fails("conflict", "channel", "add", "AS", "again")
    fails("invalid_input", "channel", "add", "X1", "  ")
    fails("invalid_input", "channel", "add", "", "name")
    assert [c["code"] for c in ok("channel", "list")] == ["AS"]
