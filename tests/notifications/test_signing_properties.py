"""``signing.verify`` over arbitrary signatures (hypothesis): always a bool, never an exception, and
True only for the right signature, within the tolerance.

``HYPOTHESIS_PROFILE=long`` tries many more; CI runs the fixed-seed ``ci`` profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from notifications import signing

# The profiles of tests/reimbursements/test_money_properties.py, kept here rather than registered
# under the same names a second time.
PROFILES = {
    "ci": settings(
        max_examples=300,
        derandomize=True,  # a fixed seed: CI tries the same signatures every time
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "long": settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
}
PROFILE = PROFILES.get(os.environ.get("HYPOTHESIS_PROFILE", "ci"), PROFILES["ci"])

SECRET = "s3cr3t-Ab_Cd"
BODY = '{"id": 1, "payload": {"name": "张三"}}'.encode()
T = 1_700_000_000
NOW = T + 5
RIGHT = signing.signature_header(SECRET, BODY, T)
DIGEST = signing.digest(SECRET, BODY, T)


def is_the_right_one(header) -> bool:
    """The specification: exactly the two fields t and v1, in either order, with the right values."""
    return isinstance(header, str) and sorted(header.split(",")) == sorted([f"t={T}", f"v1={DIGEST}"])


def check(header) -> None:
    result = signing.verify(SECRET, BODY, header, now=NOW)
    assert type(result) is bool
    assert result == is_the_right_one(header), header


anything = st.one_of(
    st.none(),
    st.text(),
    st.binary(),
    st.integers(),
    st.floats(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3),
)
hexish = st.text(alphabet="0123456789abcdefABCDEF", max_size=70)
digits = st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩０１２３４５+-_ .", max_size=16)  # with Arabic-Indic and full-width
fields = st.builds(
    lambda t, v, order: ",".join([f"t={t}", f"v1={v}"][::order]),
    st.one_of(st.just(str(T)), digits),
    st.one_of(st.just(DIGEST), hexish, st.text(max_size=70)),
    st.sampled_from([1, -1]),
)


@st.composite
def edits_of_the_right_one(draw) -> str:
    """The right header with characters replaced, inserted or removed, or fields added, doubled or dropped."""
    header = draw(st.sampled_from([RIGHT, f"v1={DIGEST},t={T}"]))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "append", "truncate", "case"]))
        at = draw(st.integers(0, len(header)))
        char = draw(st.one_of(st.characters(), st.sampled_from(list(",=tv10af٣ \n\x00"))))
        if kind == "replace" and at < len(header):
            header = header[:at] + char + header[at + 1 :]
        elif kind == "insert":
            header = header[:at] + char + header[at:]
        elif kind == "delete" and at < len(header):
            header = header[:at] + header[at + 1 :]
        elif kind == "append":
            header += draw(st.sampled_from([f",t={T}", f",v1={DIGEST}", ",v0=abc", ",", " "]))
        elif kind == "truncate":
            header = header[:at]
        elif kind == "case":
            header = header.upper()
    return header


@PROFILE
@given(anything)
@example(None)
@example(RIGHT.encode())  # the right signature, as bytes: not a header text
@example(RIGHT.encode().decode("latin-1"))
@example("")
@example(",")
@example("t=,v1=")
@example(f"t={T}")  # no digest
@example(f"v1={DIGEST}")  # no timestamp
@example(f"t={T},v1={DIGEST[:-1]}")  # one hex digit short
@example(f"t={T},v1={DIGEST}0")  # one too many
@example(f"t={T},v1={DIGEST[:-1]}g")  # not hex
@example(f"t={T},v1={DIGEST[:-1]}é")  # not ASCII (hmac.compare_digest raises on this)
@example(f"t={T},v1={DIGEST.upper()}")
@example(f"t=١٧٠٠٠٠٠٠٠٠,v1={DIGEST}")  # Arabic-Indic digits: int() reads them, the sender never writes them
@example(f"t=+{T},v1={DIGEST}")
@example(f"t= {T},v1={DIGEST}")
@example(f"t=0{T},v1={DIGEST}")
@example(f"t={T:_},v1={DIGEST}")
@example(f"t={10**400},v1={DIGEST}")  # a float overflow in the time check
@example(f"t={T},v1={DIGEST},v1={DIGEST}")  # a field twice
@example(f"t={T},t={T},v1={DIGEST}")
@example(f"t={T},v1={DIGEST},v0=test")  # a field not in the scheme
@example(f"t={T}, v1={DIGEST}")
def test_any_signature_gives_a_bool_and_only_the_right_one_true(header):
    check(header)


@PROFILE
@given(fields)
def test_signatures_of_the_right_shape_are_true_only_with_the_right_values(header):
    check(header)


@PROFILE
@given(edits_of_the_right_one())
def test_any_edit_of_the_right_signature_is_refused_unless_it_leaves_it_right(header):
    check(header)


@PROFILE
@given(
    secret=st.text(min_size=1),
    body=st.binary(),
    timestamp=st.integers(0, 10**12),
    skew=st.integers(-300, 300),
)
def test_the_right_signature_is_accepted_within_the_tolerance(secret, body, timestamp, skew):
    header = signing.signature_header(secret, body, timestamp)
    assert signing.verify(secret, body, header, now=timestamp + skew) is True
    assert signing.verify(secret, body, header, now=timestamp + 301) is False  # a replay, later
    assert signing.verify(secret + "x", body, header, now=timestamp) is False
    assert signing.verify(secret, body + b"x", header, now=timestamp) is False


@PROFILE
@given(
    secret=st.one_of(st.none(), st.just(""), st.binary(), st.text(alphabet=st.characters(codec="utf-8"))),
    body=st.one_of(st.none(), st.text(), st.integers(), st.binary()),
    now=st.one_of(st.none(), st.text(), st.floats(allow_nan=True, allow_infinity=True), st.integers()),
)
@example(secret=SECRET, body=BODY, now=float("nan"))  # NaN compares false with everything: no pass
@example(secret=SECRET, body=BODY, now=float("inf"))
@example(secret="\ud800", body=BODY, now=NOW)  # a secret that cannot be encoded
def test_odd_secrets_bodies_and_clocks_never_raise(secret, body, now):
    result = signing.verify(secret, body, RIGHT, now=now)
    assert type(result) is bool
    if result:  # only the right secret, a bytes body and a clock within the tolerance pass
        assert secret == SECRET and body == BODY and abs(now - T) <= 300
