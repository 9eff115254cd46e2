"""One writer of generated blocks (docs_tools.markers): the configuration table, the drill's output, make bench."""

import pytest

from docs_tools.markers import replace_between


def test_the_block_between_the_markers_is_replaced_and_the_rest_kept():
    page = "intro\n<!-- s -->\nold\n<!-- e -->\noutro\n"
    assert replace_between(page, "<!-- s -->", "<!-- e -->", "\nnew\n") == "intro\n<!-- s -->\nnew\n<!-- e -->\noutro\n"


@pytest.mark.parametrize(
    "page",
    ["no markers", "<!-- s --> only the start", "<!-- e --> <!-- s --> reversed", "<!-- s --><!-- e --><!-- s -->"],
)
def test_markers_missing_twice_or_reversed_are_refused(page):
    with pytest.raises(ValueError, match="once each, in order"):
        replace_between(page, "<!-- s -->", "<!-- e -->", "new")
