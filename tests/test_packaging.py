"""What `pip install .` (not editable) puts in the wheel: every package of the source tree.

setuptools installs only the packages pyproject.toml names; a new sub-package that is not listed
works in the editable checkout the tests run in and is missing from a shop's installation.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _listed() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_of_the_source_tree_is_in_the_wheel():
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "storectl").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert "storectl.models" in found
    assert found - _listed() == set()


def test_the_migrations_and_the_sample_shop_ship_too():
    listed = _listed()
    assert {"storectl.migrations", "storectl.migrations.versions", "storectl.sample_data"} <= listed
