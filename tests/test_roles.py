"""Roles and PINs (SPEC §8): manager-only actions, refusals audited, PINs stored only as scrypt hashes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import fails, imei, ok, run
from reliability_helpers import rows

from test_sell import put_qty, put_units

PIN = "482913"
PHONE = "13900139000"
TODAY = "2026-11-02"  # the shop day of conftest.NOW

# Each manager-only action, as a function of a unique suffix (so a successful run does not
# block the next one with a duplicate).
ACTIONS = {
    "price set": lambda n: ["price", "set", "IP17P", str(8000 + n)],
    "period reopen": lambda n: ["period", "reopen", "2026-10"],
    "points adjust": lambda n: ["points", "adjust", PHONE, "5", "--reason", "goodwill"],
    "stock out --reason loss": lambda n: ["stock", "out", "--reason", "loss", "--store", "SZ01", "00123:1"],
    "stock out --reason scrap": lambda n: ["stock", "out", "--reason", "scrap", "--store", "SZ01", "00123:1"],
    "stock count --apply": lambda n: ["stock", "count", "--store", "SZ02", "--apply", f"CNT{n}"],
    "config set": lambda n: ["config", "set", "points.redeem_rate", str(10 + n)],
    "staff add": lambda n: ["staff", "add", f"E9{n:02d}", "新员工", "--store", "SZ01"],
    "staff set-pin": lambda n: ["staff", "set-pin", "E002"],
    "points rule add": lambda n: ["points", "rule", "add", "--every", str(n + 1), "--points", "1"],
    "level add": lambda n: ["level", "add", f"L{n}", "--min-spend", str(1000 * (n + 1))],
    "commission rule add": lambda n: ["commission", "rule", "add", "--sku", "00123", "--role", "seller", "--pct", str(n)],
    "commission rule remove": lambda n: ["commission", "rule", "remove", "1"],
    "commission pay": lambda n: ["commission", "pay", "E002"],
    "coupon add": lambda n: ["coupon", "add", "CPN", "立减券", "--amount", "10", "--valid-days", "7"],
    "coupon issue": lambda n: ["coupon", "issue", "CPN", PHONE],  # the coupon the line above added
    "points rule add --coupon": lambda n: ["points", "rule", "add", "--every", str(n + 1), "--coupon", "CPN"],
    "points rule remove": lambda n: ["points", "rule", "remove", "1"],  # the points rule "points rule add" made
    "points rule remove C": lambda n: ["points", "rule", "remove", "C1"],  # the coupon rule made two lines above
    "campaign create": lambda n: ["campaign", "create", f"回访{n}", "--bought-before", TODAY],  # PHONE's sale below
}


def _prepare(shop) -> None:
    ok("member", "add", PHONE, "--name", "积分会员")
    ok("points", "adjust", PHONE, "100", "--reason", "opening")
    put_qty("00123", "SZ01", 500)
    put_units("MBA13", "SZ02", *[f"CNT{n}" for n in range(60)])
    ok("config", "set", "commission.hold_days", "0")  # commission earned today is payable today
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "5")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39")
    ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", PHONE, "00123:1", "--pay", "cash=39")
    ok("period", "close", "2026-10")


def _with(env_pin: str | None, operator: str, args: list[str], extra_env: dict | None = None):
    env = {"STORECTL_OPERATOR": operator, "STORECTL_PIN": env_pin}
    env.update(extra_env or {})
    if args[:2] == ["staff", "set-pin"]:
        env.setdefault("STORECTL_NEW_PIN", "123400")
    return run(*args, "--json", env=env)


def test_before_any_pin_every_manager_only_action_works_for_anyone(shop):
    _prepare(shop)
    for n, (name, make) in enumerate(ACTIONS.items()):
        args = make(n)
        if name == "period reopen":
            ok("period", "close", "2026-10")
        r = _with(None, "E002", args)  # a clerk, no PIN
        assert r.code == 0, f"{name}: {r.stdout}{r.stderr}"
    # set-pin above gave the clerk E002 a PIN: a clerk's PIN does not switch roles on
    assert ok("staff", "list")[1]["has_pin"] is True
    r = _with(None, "E003", ACTIONS["price set"](99))
    assert r.code == 0, r.stdout


def test_once_a_manager_has_a_pin_each_manager_only_action_is_forbidden_without_it_and_audited(shop, monkeypatch):
    from storectl.services.shop import auth

    pauses = []  # the wrong PIN's one-second pause is test_trust's; here it is counted, not waited
    monkeypatch.setattr(auth, "pause_after_wrong_pin", lambda: pauses.append(1))
    _prepare(shop)
    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": PIN, "STORECTL_OPERATOR": "E001"})
    ok("period", "close", "2026-10")
    rules_before = len(ok("price", "history", "IP17P"))
    refusals = 0
    for n, (name, make) in enumerate(ACTIONS.items()):
        args = make(n)
        for who, pin in (("E002", None), ("E002", PIN), ("E001", None), ("E001", "000000"), ("NOBODY", PIN)):
            r = _with(pin, who, args)
            assert r.code == 1, f"{name} as {who} with PIN {pin!r} was allowed: {r.stdout}"
            assert r.json["error"]["code"] == "forbidden", (name, who, r.stdout)
            assert "Traceback" not in r.stdout + r.stderr
            refusals += 1
        r = _with(PIN, "E001", args)
        assert r.code == 0, f"{name} as a manager with the PIN failed: {r.stdout}{r.stderr}"
        if name == "period reopen":
            ok("period", "close", "2026-10", env={"STORECTL_OPERATOR": "E001"})
    assert len(pauses) == len(ACTIONS)  # one wrong PIN per action, each answered slowly
    # every refusal is in the audit log, outcome forbidden, with the operator who tried
    log = ok("audit", "--limit", "100000")
    forbidden = [e for e in log if e["outcome"] == "forbidden"]
    assert len(forbidden) == refusals
    assert {e["operator"] for e in forbidden} == {"E002", "E001", "NOBODY"}
    commands = {e["command"] for e in forbidden}
    for expected in ("price set", "period reopen", "points adjust", "stock out", "stock count", "config set",
                     "staff add", "staff set-pin", "points rule", "level add"):
        assert any(c.startswith(expected) for c in commands), (expected, commands)
    # the refused attempts changed nothing: the one permitted `price set` added one rule, no more
    assert len(ok("price", "history", "IP17P")) == rules_before + 1


def test_a_refused_action_changes_nothing(shop):
    _prepare(shop)
    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": PIN})
    before = ok("member", "show", PHONE)["points"]
    fails("forbidden", "points", "adjust", PHONE, "500", "--reason", "x", env={"STORECTL_OPERATOR": "E002"})
    assert ok("member", "show", PHONE)["points"] == before
    fails("forbidden", "staff", "add", "E777", "黑客", "--store", "SZ01", "--role", "manager", env={"STORECTL_OPERATOR": "E002"})
    assert "E777" not in {s["code"] for s in ok("staff", "list")}
    # nor can a clerk slip a manager in through a bulk import
    Path("staff.csv").write_text("code,name,store,role\nE778,黑客,SZ01,manager\n", encoding="utf-8")
    fails("forbidden", "import", "staff", "staff.csv", env={"STORECTL_OPERATOR": "E002"})
    assert "E778" not in {s["code"] for s in ok("staff", "list")}


def test_ordinary_work_needs_no_pin(shop):
    _prepare(shop)
    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": PIN})
    code = imei("35693803564380")
    put_units("IP17P", "SZ01", f"{code},{imei('35693803564381')},SNROLE1")
    env = {"STORECTL_OPERATOR": "E002"}
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "--pay", "cash=8999", env=env)
    ok("member", "checkin", PHONE, env=env)
    ok("stock", "count", "--store", "SZ02", "CNT1", env=env)  # a count without --apply
    ok("stock", "out", "--reason", "internal-use", "--store", "SZ01", "00123:1", env=env)


def test_a_bad_new_pin_is_refused(shop):
    for bad in ("", "12", "1234", "12345", "abcd", "abcdef", "1234567890123", "12 34", "١٢٣٤٥٦"):
        fails("invalid_input", "staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": bad})
    assert ok("staff", "list")[0]["has_pin"] is False


def test_set_pin_reads_a_hidden_prompt_with_confirmation(shop):
    r = run("staff", "set-pin", "E001", "--json", input=f"{PIN}\n{PIN}\n")
    assert r.code == 0, r.stdout + r.stderr
    assert PIN not in r.stdout
    ok("price", "set", "IP17P", "8888", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": PIN})
    fails("forbidden", "price", "set", "IP17P", "8887", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "111111"})


@pytest.mark.sqlite_only
def test_the_pin_is_stored_only_as_a_salted_scrypt_hash(shop):
    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": PIN})
    ok("staff", "set-pin", "E002", env={"STORECTL_NEW_PIN": PIN, "STORECTL_OPERATOR": "E001", "STORECTL_PIN": PIN})
    ok("db", "check")
    db = Path(os.environ["STORECTL_DB"])
    hashes = [h for (h,) in rows(db, "SELECT pin_hash FROM staff WHERE pin_hash IS NOT NULL")]
    assert len(hashes) == 2 and all(h.startswith("scrypt$") for h in hashes)
    assert hashes[0] != hashes[1], "the same PIN must hash differently (salt)"
    # nowhere in the database, its WAL or its audit rows, in clear
    for suffix in ("", "-wal"):
        f = Path(str(db) + suffix)
        if f.exists():
            data = f.read_bytes()
            assert PIN.encode() not in data and PIN.encode("utf-16-le") not in data, f
    assert not any(PIN in (d or "") for (d,) in rows(db, "SELECT detail FROM audit"))


def test_a_pin_stored_at_an_older_lower_cost_is_stored_again_at_todays_the_first_time_it_is_given_right(shop):
    import base64
    import hashlib

    from sqlalchemy import select, update

    from storectl.models import Staff
    from test_sell import _db

    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": PIN})
    salt = b"0123456789abcdef"
    old = "scrypt$16384$8$1${}${}".format(base64.b64encode(salt).decode(), base64.b64encode(
        hashlib.scrypt(PIN.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)).decode())
    with _db().write("test") as s:
        s.execute(update(Staff).where(Staff.code == "E001").values(pin_hash=old))

    def stored() -> str:
        with _db().read("test") as s:
            return s.execute(select(Staff.pin_hash).where(Staff.code == "E001")).scalar()

    fails("forbidden", "price", "set", "IP17P", "8100", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "000000"})
    assert stored() == old  # a wrong PIN changes nothing
    ok("price", "set", "IP17P", "8200", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": PIN})
    assert stored().startswith("scrypt$65536$8$1$") and stored() != old
    ok("price", "set", "IP17P", "8300", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": PIN})
    fails("forbidden", "price", "set", "IP17P", "8400", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "000000"})
