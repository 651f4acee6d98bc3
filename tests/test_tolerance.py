"""The comparison helper of the suite (``_tolerance.assert_close``): infinities and NaNs by position."""

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
        (np.array([1e6 + 1.0, INF], dtype=np.float64), [1e6, INF]),  # rtol * magnitude of the finite values
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
