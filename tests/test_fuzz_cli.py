"""CLI fuzz: random command lines drawn from the real command tree, with hostile values.

The tree is walked from `storectl.cli.COMMANDS` and `load(name)` down to every leaf command and
its parameters (options with their types and choices, arguments with their arity). Each example
runs in-process against one small shop (whose state accumulates from example to example) and must
end with exit 0, 1 or 2 — never 70 (an internal error), never a traceback, never an exception other
than SystemExit — and `db check` must be clean at the end.

Files are written under the test's folder: the working directory is four levels below tmp_path, so
even `../../etc/passwd` stays inside it. `demo` is left out (it takes half a minute per run).
STORECTL_LONG_TESTS=1 tries ten times as many command lines.
"""

from __future__ import annotations

import os
import shlex
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ok, run
from reliability_helpers import LONG

from storectl.cli import COMMANDS, _available, app, load

EXAMPLES = 2000 if LONG else 200
SKIP = {("demo",)}

HOSTILE = [
    "", " ", "0", "-1", "-0", "-5", "NaN", "nan", "inf", "-inf", "1e309", "1e-309", "0x10", "1_000",
    "4,999.00", "¥4999", "4999.999", "99999999999999999999999", "9" * 400,
    "x" * 10_000, "名" * 10_000, "; DROP TABLE unit; --", "' OR 1=1 --", "%s%s%n", "{0}{1}",
    "../../etc/passwd", "/nonexistent/x.xlsx", "/dev/null", ".", "..", "out.xlsx", "codes.txt", "x.csv", "x.png", "x.svg", "x.html",
    "\x1b[31mRED", "\r\n", "a\nb", "\t", "\x07", "\u202eRTL\u202c", "\u200b", "😀📱", "中文名称", "מזהה", "ﷺ", "\udcff",
    '=HYPERLINK("http://x","y")', "=1+1", "@SUM(A1)", "-1+2",
    "2026-02-30", "2026-13", "2026-11", "2026-11-02", "2026Q4", "2026", "2026-11-01..2026-12-01", "2026-12-01..2026-11-01",
    "Mars/Base", "Asia/Shanghai", "https://example.com/q", "ftp://x", "points.redeem_rate", "timezone", "shop.name",
    "-", "--", "cash=100", "cash=-5", "bitcoin=1", "cash=NaN", "=", "IP17P=8999", "00123:0", "00123:-1", "00123:99999999",
    "00123:2", "IMEI1,IMEI2,SN", "IMEI1,IMEI1", "SN", "clerk", "manager", "boss", "scrap", "loss", "in_stock", "sold",
    # issue 15: Unicode digits, a spreadsheet declaring A1:XFD1048576, paths that are not files
    "²", "①", "٣", "３", "00123:²", "00123:①", "00123:٣", "00123:３", "bomb.xlsx", "/dev/full", "/tmp", "\x1b[31mE001",
]
# real codes in the shop, so commands also get past their lookups
KNOWN = [
    "SZ01", "SZ02", "E001", "E002", "E003", "SUP01", "IP17P", "MBA13", "00123", "C001", "C002", "13800138000",
    "13900139000", "S-000001", "RT-000001", "TR-000001", "TR-000002", "IN-000001", "FUZZ0001", "FUZZ0002",
    "356938035643809", "WECHAT", "VIP", "1", "2", "10", "100",
]
VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(KNOWN),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def _leaves():
    """(path, command) of every runnable leaf of the real command tree."""
    found = []

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                walk(sub, path + [name])
        else:
            found.append((tuple(path), cmd))

    for name in COMMANDS:
        if _available(name):
            walk(load(name), [name])
    return [(p, c) for p, c in found if p not in SKIP]


LEAVES = _leaves()


def _option_values(param):
    """Values for one option: numbers for an int option (and hostile text), hostile and known text otherwise."""
    kind = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if kind is int or "int" in str(kind):
        return st.one_of(st.integers(-10, 10**6).map(str), st.sampled_from(["0", "-1", "99999999999999999999", "1.5", "NaN"]), VALUE)
    return VALUE


@st.composite
def command_lines(draw):
    path, cmd = draw(st.sampled_from(LEAVES))
    args: list[str] = []
    if draw(st.integers(0, 19)) == 0:  # the root options, now and then
        args += ["--operator", draw(VALUE)]
    args += list(path)
    positional: list[str] = []
    for param in cmd.params:
        kind = getattr(param, "param_type_name", "")
        if kind == "argument":
            if param.nargs == -1:
                positional += draw(st.lists(VALUE, max_size=4))
            elif param.required or draw(st.booleans()):
                positional += [draw(VALUE) for _ in range(max(1, param.nargs))]
        elif kind == "option":
            if param.name in ("help",):
                continue
            if not (param.required or draw(st.integers(0, 2)) == 0):
                continue
            if param.is_flag:
                opts = list(param.opts) + list(getattr(param, "secondary_opts", []) or [])
                args.append(draw(st.sampled_from(opts)))
            else:
                for _ in range(draw(st.integers(1, 3)) if param.multiple else 1):
                    args += [draw(st.sampled_from(list(param.opts))), draw(_option_values(param))]
    if draw(st.booleans()):
        args.append("--json")
    if positional:
        if draw(st.booleans()):
            args.append("--")  # so values like -1+2 stay arguments
        args += positional
    stdin = draw(st.sampled_from(["", "\n", "FUZZ0001\n\n", "名\x00\n", "x" * 10_000 + "\n"]))
    return args, stdin


@pytest.fixture
def fuzz_shop(shop, tmp_path):
    """The shop with a few units, a sale, a transfer and a member, and a deep working directory."""
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "5000", "FUZZ0001", "FUZZ0002", "FUZZ0003")
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "100")
    ok("sell", "--store", "SZ01", "--staff", "E002", "FUZZ0003", "--pay", "cash=7999")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:5")
    ok("member", "add", "13900139000", "--name", "会员")
    ok("channel", "add", "WECHAT", "微信")
    (tmp_path / "codes.txt").write_text("FUZZ0009\n")
    (tmp_path / "x.csv").write_text("code,name\nSZ09,x\n")
    from openpyxl import Workbook

    bomb = Workbook()
    bomb.active["A1"], bomb.active["XFD1048576"] = "code", "x"  # 5 KB that declares the whole sheet
    bomb.save(tmp_path / "bomb.xlsx")
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    os.chdir(deep)
    return shop


def test_random_command_lines_from_the_real_tree_never_crash(fuzz_shop):
    assert len(LEAVES) > 50, [p for p, _ in LEAVES]
    runner = CliRunner()
    tried = []
    codes: dict[int, int] = {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not LONG,
              suppress_health_check=list(HealthCheck))
    @given(command_lines())
    def one(case):
        args, stdin = case
        tried.append(args)
        result = runner.invoke(app, args, input=stdin, catch_exceptions=True)
        line = shlex.join(a[:80] for a in args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"storectl {line} raised:\n" + "".join(traceback.format_exception(result.exception)))
        out = (result.stdout or "") + (getattr(result, "stderr", "") or "")
        assert "Traceback" not in out, f"storectl {line}: {out[:2000]}"
        assert result.exit_code in (0, 1, 2), f"storectl {line} exited {result.exit_code}: {out[:2000]}"
        codes[result.exit_code] = codes.get(result.exit_code, 0) + 1

    one()
    r = run("db", "check")
    assert (r.code, r.stdout) == (0, ""), r.stdout + r.stderr
    commands = {tuple(a for a in args if not a.startswith("-"))[:2] for args in tried}
    print(f"\nfuzz: {len(tried)} command lines tried over {len(LEAVES)} leaf commands "
          f"(~{len(commands)} distinct command heads); exit codes {dict(sorted(codes.items()))}")
    assert len(tried) >= EXAMPLES * 0.9


@pytest.mark.parametrize("args", [
    ["store", "add", "SZ77", "\udcff"],
    ["customer", "add", "C077", "ab\udcffc"],
    ["supplier", "add", "SUP77", "\udce4\udcb8"],  # GBK bytes in a UTF-8 terminal
    ["config", "set", "shop.name", "\udcff店"],
    ["points", "adjust", "13900139000", "5", "--reason", "\udcff"],
])
def test_text_that_is_not_utf8_is_refused_cleanly_not_an_internal_error(fuzz_shop, args):
    r = run(*args, "--json")
    assert r.code == 1, r.stdout + r.stderr
    assert r.json["error"]["code"] == "invalid_input"
