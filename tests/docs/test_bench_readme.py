"""`make bench` writes its table into bench/README.md between two markers (bench.load.write_readme)."""

from bench.load import MARKERS, README


def test_the_benchmarks_readme_keeps_the_markers_make_bench_writes_between():
    text = README.read_text(encoding="utf-8")
    start, end = MARKERS
    assert text.count(start) == 1 and text.count(end) == 1 and text.index(start) < text.index(end)
