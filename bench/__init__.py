"""Benchmark of the filing backend's hot paths on a throw-away database: run ``python -m bench``."""
