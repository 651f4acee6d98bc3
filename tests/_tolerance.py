"""The one comparison of computed values with expected ones, used by every value test of the suite.

Non-finite expected values are matched exactly and positionally: ``+inf`` only by ``+inf``, ``-inf`` only by
``-inf``, NaN only by NaN; a non-finite value where a finite one is expected (or the reverse) fails.  Finite
values are compared **member by member**: ``|actual - expected| <= rtol * (|expected| + floor)``, element by
element, where ``floor`` (a number, or an array that broadcasts against the values) is the magnitude below which
an error is absolute: relative where the value is large, absolute near zero.  The default floor is 1, right for
logarithms (a log density's error is absolute: the relative error of the density); the conformance tests give
each quantity its own (a variance is relative all the way down, a mean is absolute within its member's standard
deviation) and a case may widen one, with its reason (``Case.floors``).  A large member never widens a small
member's tolerance, and an infinity never widens anything.  ``tests/test_tolerance.py`` tests this helper itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def assert_close(actual: Any, expected: Any, rtol: float, floor: Any = 1.0, err_msg: str = "") -> None:
    """Assert that ``actual`` (a NumPy array or number) matches ``expected`` within ``rtol`` as described above."""
    a = np.asarray(actual)
    e = np.asarray(expected, dtype=np.float64)
    suffix = f": {err_msg}" if err_msg else ""
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}{suffix}"
    a = a.astype(np.float64)
    mismatch = (np.isnan(a) != np.isnan(e)) | (np.isposinf(a) != np.isposinf(e)) | (np.isneginf(a) != np.isneginf(e))
    if mismatch.any():
        where = np.argwhere(mismatch)
        first = tuple(int(i) for i in where[0])
        raise AssertionError(
            f"non-finite values differ at {len(where)} of {e.size} position(s); the first at index {first}: "
            f"actual {float(a[first])!r}, expected {float(e[first])!r}{suffix}"
        )
    finite = np.isfinite(e)
    floor = np.broadcast_to(np.asarray(floor, dtype=np.float64), e.shape)
    tol = rtol * (np.abs(e) + np.where(np.isfinite(floor), floor, 0.0))
    error = np.abs(np.where(finite, a, 0.0) - np.where(finite, e, 0.0))
    off = finite & ~(error <= tol)
    if off.any():
        where = np.argwhere(off)
        first = tuple(int(i) for i in where[0])
        excess = np.where(off, error / np.where(tol > 0, tol, np.finfo(float).tiny), 0.0)
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), e.shape)) if e.ndim else ()
        raise AssertionError(
            f"Not equal to tolerance rtol={rtol:g} (member by member, floor as given): {len(where)} of {e.size} "
            f"value(s) off; the first at index {first}: actual {float(a[first])!r}, expected {float(e[first])!r} "
            f"+- {float(tol[first]):.3g}; the worst at {worst}, {float(excess[worst]):.3g} times its tolerance"
            f"{suffix}"
        )
