"""The differential test: random Novembers through the real CLI, every figure against the model.

Each hypothesis example is one history (a fresh database: an SQLite copy of the set-up shop, or
a PostgreSQL schema of its own), 6–14 operations (up to 45 in the long variant) from 2 Nov to one in December, at times that
include 23:30 and 00:10 shop time. Each command's own answer is checked as it runs (document ids,
line costs, credits, points), then the reports for several periods, statements, balances, stock
levels, members and `db check`; the month-end workbook in the `workbook` tests.

Sizes (CI budget ~3 min per back end with `pytest -n auto` on 2 cores):
- SQLite: 8 functions × 25 histories = 200, plus 2 × 6 with every figure and the workbook, plus 3 seeded = 215 histories;
- PostgreSQL: each history builds its shop from scratch in its own schema (no file to copy),
  several times slower, so 8 × 4 + 2 × 3 there;
- STORECTL_LONG_TESTS=1: 8 × 150 longer histories (up to 45 operations), the workbook on each.

A failure prints the first mismatch and the operations as commands; hypothesis shrinks the
history and prints the blob to replay it (@reproduce_failure).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import ON_POSTGRES

from .gen import Chooser, generate
from .harness import Player, Shop

LONG = os.environ.get("STORECTL_LONG_TESTS") == "1"
if LONG:
    EXAMPLES, WORKBOOK_EXAMPLES, MAX_OPS = 150, 60, 45
elif ON_POSTGRES:
    EXAMPLES, WORKBOOK_EXAMPLES, MAX_OPS = 4, 3, 14
else:
    EXAMPLES, WORKBOOK_EXAMPLES, MAX_OPS = 25, 6, 14

# STORECTL_MODEL_SHRINK=0 skips shrinking (a failing history replays in ~1 s; shrinking one can
# take hypothesis's five-minute limit): for a quick look at what fails.
PHASES = [p for p in Phase if p != Phase.shrink or os.environ.get("STORECTL_MODEL_SHRINK", "1") != "0"]


def _settings(examples: int) -> settings:
    return settings(
    max_examples=examples,
    phases=PHASES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def play_history(data, folder, *, workbook: bool, label: str) -> None:  # noqa: ANN001
    chooser = Chooser(data=data)
    n_ops = chooser.int(6, MAX_OPS)
    with Shop(folder) as shop:
        player = None
        history = None
        for op, answer, history in generate(chooser, n_ops):
            if player is None:
                player = Player(shop, history.books, label=label)
            player.apply(op, answer, applied=True)
        full = workbook or LONG
        player.compare_books(workbook=full, full=full, late_days=sorted(history.late_days), pick=chooser.pick)


# Eight copies of one test, so xdist spreads them over the workers.
def _make(i: int, workbook: bool):  # noqa: ANN202
    examples = WORKBOOK_EXAMPLES if workbook else EXAMPLES

    @_settings(examples)
    @given(data=st.data())
    def test(tmp_path, data) -> None:  # noqa: ANN001
        play_history(data, tmp_path, workbook=workbook, label=f"history of test {'workbook' if workbook else 'books'} #{i}")

    return test


test_books_0 = _make(0, False)
test_books_1 = _make(1, False)
test_books_2 = _make(2, False)
test_books_3 = _make(3, False)
test_books_4 = _make(4, False)
test_books_5 = _make(5, False)
test_books_6 = _make(6, False)
test_books_7 = _make(7, False)
test_workbook_0 = _make(0, True)
test_workbook_1 = _make(1, True)


def test_seeded_history_replays(tmp_path) -> None:
    """A plain seeded history (no hypothesis): the generator and model are deterministic."""
    ops1 = [op for op, _, _ in generate(Chooser(seed=14), 15)]
    ops2 = [op for op, _, _ in generate(Chooser(seed=14), 15)]
    assert ops1 == ops2
    assert any(op["at"].startswith("2026-12") for op in ops1)


@pytest.mark.parametrize("seed", range(3))
def test_seeded(tmp_path, seed) -> None:  # noqa: ANN001
    """Three fixed seeds with the workbook, so every run checks the same histories too."""
    chooser = Chooser(seed=seed)
    with Shop(tmp_path) as shop:
        player = history = None
        for op, answer, history in generate(chooser, 18):
            if player is None:
                player = Player(shop, history.books, label=f"seeded history, seed {seed}")
            player.apply(op, answer, applied=True)
        player.compare_books(workbook=True, late_days=sorted(history.late_days))
