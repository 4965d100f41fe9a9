"""storectl's benchmarks: whole-process timings of real commands against a floor.

`python -m bench [--quick] [--out bench/results]` runs every figure in `bench.figures.FIGURES`
and writes `latest.json` and `latest.md` there. A figure compares a storectl command with the
cheapest program that does the same job (its floor) and states the ratio it must stay under.
Performance is measured here, never asserted in the tests.
"""
