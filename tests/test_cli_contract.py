"""The command-line contract of SPEC §1, checked over the whole command tree as it stands.

The tree is discovered, not listed: every group in `storectl.cli.COMMANDS` whose module exists is
loaded and walked, so commands other modules add later are covered without editing this file.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_bad_input import _template, cached_shop  # noqa: F401  (fixtures: a copy of one shop per module)
from conftest import fails, ok, run

from storectl.cli import COMMANDS, _available, load
from storectl.errors import CODES

HEAVY = {"sqlalchemy", "sqlmodel", "openpyxl", "qrcode", "PIL", "alembic"}

# Read commands are found by their last word (or whole path); the rest are writes or need a file.
READ_LEAVES = {"list", "show", "levels", "current", "path", "history", "rules", "balances", "statement", "quote", "check"}
READ_PATHS = {"audit", "report daily", "report staff", "report stores", "report products", "report channels"}
# Arguments for read commands that need them, in terms of the `shop` fixture.
READ_ARGS = {
    "product show": ["00123"],
    "customer show": ["C001"],
    "customer statement": ["C001"],
    "price quote": ["IP17P"],
    "price history": ["IP17P"],
    "price list": [],
    "member show": ["13800138000"],
    "points history": ["13800138000"],
}
# Commands of the foundation whose read must succeed on the shop (others may refuse, as JSON).
MUST_SUCCEED = {"db", "config", "store", "staff", "supplier", "product", "customer", "audit"}


def _walk(command, path):
    yield path, command
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        yield from _walk(sub, path + [name])


def command_tree():
    """[(path, command-or-import-error)] for every command that exists now."""
    found = []
    for name in COMMANDS:
        if not _available(name):
            continue
        try:
            command = load(name)
        except Exception as exc:  # noqa: BLE001  (a broken module should fail a test, not collection)
            found.append(([name], exc))
            continue
        found.extend(_walk(command, [name]))
    return found


TREE = command_tree()


def _required_arguments(command) -> list[str]:
    return [p.name for p in command.params if getattr(p, "param_type_name", "") == "argument" and p.required]


def _is_read(path: list[str]) -> bool:
    return path[-1] in READ_LEAVES or " ".join(path) in READ_PATHS


# --- init -------------------------------------------------------------------------------------


def test_init_twice_says_up_to_date_and_keeps_the_data():
    first = ok("init", "--shop-name", "测试数码", "--timezone", "Asia/Shanghai")
    assert first["created"] is True
    ok("store", "add", "SZ01", "华强北旗舰店")
    r = run("init")
    assert r.code == 0 and r.stdout == ""
    assert "up to date" in r.stderr
    second = ok("init")
    assert second["created"] is False and second["from"] == second["revision"]
    assert [s["code"] for s in ok("store", "list")] == ["SZ01"]
    shown = {row["key"]: row["value"] for row in ok("config", "show")}
    assert shown["shop.name"] == "测试数码" and shown["timezone"] == "Asia/Shanghai"


@pytest.mark.sqlite_only
def test_the_database_file_is_created_readable_by_its_owner_only():
    ok("init")
    path = Path(os.environ["STORECTL_DB"])
    for file in [path] + [Path(str(path) + s) for s in ("-wal", "-shm")]:
        if file.exists():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


# --- help -------------------------------------------------------------------------------------


def test_the_root_help_lists_every_available_command():
    r = run("--help")
    assert r.code == 0
    for name in COMMANDS:
        if _available(name):
            assert name in r.stdout


@pytest.mark.parametrize("path,command", TREE, ids=[" ".join(p) for p, _ in TREE])
def test_every_command_has_help_that_exits_0(path, command):
    assert not isinstance(command, Exception), f"storectl {' '.join(path)} does not load: {command!r}"
    r = run(*path, "--help")
    assert r.code == 0, r.stdout + r.stderr
    assert "Usage" in r.stdout and "Traceback" not in r.stdout + r.stderr
    assert "--install-completion" not in r.stdout  # only a root app would offer it


def test_the_root_help_imports_no_heavy_module():
    code = (
        "import sys\n"
        "from storectl.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


# --- --json purity ----------------------------------------------------------------------------


def test_every_read_command_prints_exactly_one_json_document_and_nothing_on_stderr(cached_shop):
    problems, ran = [], []
    for path, command in TREE:
        if isinstance(command, Exception) or getattr(command, "commands", None) or not _is_read(path):
            continue
        key = " ".join(path)
        args = READ_ARGS.get(key)
        if args is None:
            if _required_arguments(command):
                continue  # a read we have no arguments for yet
            args = []
        r = run(*path, *args, "--json")
        ran.append(key)
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            problems.append(f"{key}: stdout is not one JSON document: {r.stdout[:200]!r}")
            continue
        if r.stderr:
            problems.append(f"{key}: stderr not empty: {r.stderr[:200]!r}")
        if r.code == 0:
            continue
        if r.code == 1 and path[0] not in MUST_SUCCEED and isinstance(doc, dict) and set(doc) == {"error"}:
            continue
        problems.append(f"{key}: exit {r.code}: {r.stdout[:300]}")
    assert not problems, "\n".join(problems)
    for expected in ("db path", "db current", "db check", "config show", "store list", "product show", "audit"):
        assert expected in ran


def test_the_json_error_envelope_has_code_message_and_hint_from_the_closed_set(cached_shop):
    r = run("product", "show", "NOPE", "--json")
    assert r.code == 1 and r.stderr == ""
    doc = json.loads(r.stdout)
    assert list(doc) == ["error"]
    assert set(doc["error"]) == {"code", "message", "hint"}
    assert doc["error"]["code"] == "not_found"
    assert "NOPE" in doc["error"]["message"] and doc["error"]["hint"]
    for code, args in (
        ("conflict", ("store", "add", "SZ01", "重复")),
        ("not_found", ("customer", "show", "NOBODY")),
        ("invalid_input", ("product", "add", "X1", "x", "--price", "abc")),
    ):
        error = fails(code, *args)
        assert error["code"] in CODES and error["message"] and error["hint"]


def test_a_human_error_goes_to_stderr_with_exit_1_and_nothing_on_stdout():
    ok("init")
    r = run("product", "show", "NOPE")
    assert r.code == 1
    assert r.stdout == ""
    assert "not_found" in r.stderr and "NOPE" in r.stderr and "hint" in r.stderr
    assert "Traceback" not in r.stderr
    # a confirmation goes to stderr too, so stdout stays clean for pipes
    r = run("store", "add", "SZ03", "福田店")
    assert r.code == 0 and r.stdout == "" and "SZ03" in r.stderr


@pytest.mark.parametrize(
    "args",
    [("store", "add"), ("no-such-command",), ("store", "frobnicate"), ("audit", "--limit", "0"),
     ("product", "add", "X", "y", "--warranty-months", "many"), ("store", "list", "--bogus")],
    ids=lambda a: " ".join(a),
)
def test_a_usage_error_exits_2(args):
    r = run(*args)
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stdout == ""


def test_a_usage_error_with_json_still_exits_2_and_prints_no_json():
    r = run("store", "add", "--json")
    assert r.code == 2 and r.stdout == ""
