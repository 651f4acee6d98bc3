"""The comparison helper of the suite (``_tolerance.assert_close``): infinities and NaNs by position, finite values
member by member above a floor."""

from __future__ import annotations

import numpy as np
import pytest

from _tolerance import assert_close

INF, NAN = np.inf, np.nan


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ([1.0, INF, -INF, NAN], [1.0, INF, -INF, NAN]),
        ([[NAN, 2.0], [3.0, -INF]], [[NAN, 2.0], [3.0, -INF]]),
        ([1.0 + 1e-7, INF], [1.0, INF]),  # within rtol; the infinity is matched
        (INF, INF),
        (NAN, NAN),
        (np.array([], dtype=np.float32), np.array([])),
        (np.array([1e6 + 1.0, INF], dtype=np.float64), [1e6, INF]),  # rtol * (|value| + 1), member by member
    ],
)
def test_matching_values_pass(actual: object, expected: object) -> None:
    assert_close(np.asarray(actual), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        ([1.0, INF], [1.0, -INF], "non-finite values differ at 1 of 2"),  # the sign of an infinity
        ([1.0, 5.0], [1.0, INF], "non-finite values differ"),  # finite where inf is expected
        ([INF, 1.0], [1.0, 1.0], "non-finite values differ"),  # inf where finite is expected
        ([NAN, 1.0], [1.0, 1.0], "non-finite values differ"),  # NaN where finite is expected
        ([1.0, 1.0], [NAN, 1.0], "non-finite values differ"),  # finite where NaN is expected
        ([NAN, INF], [INF, NAN], "non-finite values differ at 2 of 2"),  # not the same positions
        ([INF], [NAN], "non-finite values differ"),
        ([1.1, INF], [1.0, INF], "Not equal to tolerance"),  # an infinity does not widen the tolerance
        ([1.0 + 1e-5, -INF], [1.0, -INF], "Not equal to tolerance"),
        ([1.0, 2.0], [[1.0, 2.0]], r"shape \(2,\) != expected \(1, 2\)"),
    ],
)
def test_mismatches_fail(actual: object, expected: object, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        assert_close(np.asarray(actual), expected, rtol=1e-6)


def test_the_failure_names_the_first_position() -> None:
    with pytest.raises(AssertionError, match=r"index \(1, 0\): actual 0\.0, expected -inf"):
        assert_close(np.array([[1.0, 2.0], [0.0, 4.0]]), [[1.0, 2.0], [-INF, 4.0]], rtol=1e-6)


def test_a_small_member_is_not_hidden_by_a_large_one() -> None:
    """Each value is held to its own magnitude: a tiny variance 3.9 times off beside a large one fails (the
    tolerance of one floor for the whole array, rtol * max |expected|, let it pass)."""
    expected = np.array([1e-8, 1e4])
    with pytest.raises(AssertionError, match=r"1 of 2 value\(s\) off; the first at index \(0,\)"):
        assert_close(np.array([3.9e-8, 1e4]), expected, rtol=1e-6, floor=0.0)
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_close(np.array([0.01 * 1.24, 5.0]), [0.01, 5.0], rtol=3e-5 * 50)  # a KL of 0.01 off by 24 %
    assert_close(np.array([1e-8 * (1 + 1e-7), 1e4]), expected, rtol=1e-6, floor=0.0)


def test_the_floor_is_absolute_below_it_and_per_member() -> None:
    assert_close(np.array([1e-7, 0.5]), [0.0, 0.5], rtol=1e-6, floor=0.1)  # |error| 1e-7 <= 1e-6 * 0.1
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_close(np.array([2e-7, 0.5]), [0.0, 0.5], rtol=1e-6, floor=0.1)
    # a floor per member: the first compared absolutely within 1e-6, the second relatively
    assert_close(np.array([5e-7, 2e-12 * (1 + 5e-7)]), [0.0, 2e-12], rtol=1e-6, floor=np.array([1.0, 0.0]))
    with pytest.raises(AssertionError, match=r"index \(1,\)"):
        assert_close(np.array([5e-7, 3e-12]), [0.0, 2e-12], rtol=1e-6, floor=np.array([1.0, 0.0]))
