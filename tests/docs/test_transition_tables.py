"""The guide's tables of the two state machines are the code's tables (docs/architecture/transitions.md).

Each row is (from, action, to, who may take it), in the order the code declares them; a transition added,
removed or given to another role without the page following fails here, printing the table to paste.
"""

from pathlib import Path

import pytest

from filings.choices import FILING_TRANSITIONS
from filings.rules import FILING_ACTION_CAPACITIES
from reimbursements.choices import CLAIM_TRANSITIONS
from reimbursements.rules import CLAIM_ACTION_CAPACITIES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "architecture" / "transitions.md"
ROLE_ORDER = ("person", "hospital", "counter", "reviewer", "auditor", "admin", "system")


def table(transitions, capacities) -> str:
    lines = ["| from | action | to | who may take it |", "|---|---|---|---|"]
    for (before, action), after in transitions.items():
        roles = sorted((str(c) for c in capacities[action]), key=ROLE_ORDER.index)
        lines.append(f"| {before or '(new)'} | `{action}` | {after} | {', '.join(roles)} |")
    return "\n".join(lines)


def section(name: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->\n", f"\n<!-- {name}:end -->"
    assert start in text and end in text, f"{PAGE.name} lacks the markers of {name}"
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.parametrize(
    "name, transitions, capacities",
    [
        ("filing-transitions", FILING_TRANSITIONS, FILING_ACTION_CAPACITIES),
        ("claim-transitions", CLAIM_TRANSITIONS, CLAIM_ACTION_CAPACITIES),
    ],
)
def test_the_page_lists_every_transition_and_who_may_take_it(name, transitions, capacities):
    expected = table(transitions, capacities)
    assert section(name) == expected, f"docs/architecture/transitions.md, {name}, should read:\n{expected}"
