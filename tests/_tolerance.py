"""The one comparison of computed values with expected ones, used by every value test of the suite.

Non-finite expected values are matched exactly and positionally: ``+inf`` only by ``+inf``, ``-inf`` only by
``-inf``, NaN only by NaN; a non-finite value where a finite one is expected (or the reverse) fails.  Finite
values are compared with ``|actual - expected| <= rtol * |expected| + rtol * magnitude``, where ``magnitude`` is
``max(1, max |expected|)`` over the *finite* expected values, so that an infinity in the expected array can
never widen the tolerance of the others to infinity.  ``tests/test_tolerance.py`` tests this helper itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def assert_close(actual: Any, expected: Any, rtol: float, err_msg: str = "") -> None:
    """Assert that ``actual`` (a NumPy array or number) matches ``expected`` within ``rtol`` as described above."""
    a = np.asarray(actual)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}{': ' + err_msg if err_msg else ''}"
    a = a.astype(np.float64)
    mismatch = (np.isnan(a) != np.isnan(e)) | (np.isposinf(a) != np.isposinf(e)) | (np.isneginf(a) != np.isneginf(e))
    if mismatch.any():
        where = np.argwhere(mismatch)
        first = tuple(int(i) for i in where[0])
        raise AssertionError(
            f"non-finite values differ at {len(where)} of {e.size} position(s); the first at index {first}: "
            f"actual {float(a[first])!r}, expected {float(e[first])!r}{': ' + err_msg if err_msg else ''}"
        )
    finite = np.isfinite(e)
    magnitude = max(1.0, float(np.max(np.abs(e[finite])))) if finite.any() else 1.0
    np.testing.assert_allclose(a[finite], e[finite], rtol=rtol, atol=rtol * magnitude, err_msg=err_msg)
