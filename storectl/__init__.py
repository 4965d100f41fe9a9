"""storectl: the back office of a small electronics shop, run from a terminal."""

__version__ = "0.1.0"
