"""The tails table: the worst relative error of every univariate family against mpmath, into docs/accuracy.md.

    python benchmarks/accuracy.py                 # regenerate docs/accuracy.md (a few minutes on two cores)
    python benchmarks/accuracy.py --stdout        # print it instead
    python benchmarks/accuracy.py --quick         # the small grid of tests/test_accuracy_table.py

For each family of ``_mp_references.FAMILIES`` (the classes that exist; the others are listed as not yet
there), each backend (NumPy, PyTorch, JAX) and dtype (float32, float64), the values are a grid reaching far into
both tails: the points whose CDF, and whose survival function, are 1e-10000, 1e-1000, 1e-300, ... 0.25, 0.5 (found by
bisection on mpmath's CDF, then rounded to the dtype; those that round onto or outside the support are dropped).
At each rounded value the references are mpmath's at 50 digits (parameters rounded to the dtype too), and
``icdf`` is evaluated at the rounded CDF of every grid point (its upper half at ``1 - survival``), its
reference the root of the CDF by ``mpmath.findroot`` (integers for the discrete families).

The error is relative, ``|got - ref| / |ref|``, counted only where the reference is a normal number of the
dtype (not zero, subnormal or beyond the largest float): the issue's targets (issue 20) for ``cdf``,
``log_cdf`` and ``log_survival_function`` are 1e-12 in float64 and 1e-5 in float32 there.  ``log_prob`` is
measured as ``|got - ref| / max(|ref|, 1)``: where a log-density crosses zero its absolute error is the
relative error of the density itself.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import math
import os
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mpmath as mp
import numpy as np
from mpmath.libmp import NoConvergence

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _mp_references import DPS, FAMILIES, NOT_TABULATED, Family

import arraydist as ad

COMMAND = "python benchmarks/accuracy.py"
DOC = Path(__file__).resolve().parent.parent / "docs" / "accuracy.md"
METHODS = ("log_prob", "cdf", "log_cdf", "log_survival_function", "icdf")
TARGET_METHODS = ("cdf", "log_cdf", "log_survival_function")
TARGETS = {"float32": 1e-5, "float64": 1e-12}
BACKENDS = ("numpy", "torch", "jax")
DTYPES = ("float32", "float64")
#: the tail probabilities of the grid: the points whose CDF (lower half) and survival function (upper half)
#: are these
#: are these (as decimal strings: below 1e-308 the values lie beyond any float's CDF, where only the log-CDF and
#: the log-survival function are still normal numbers: Normal.log_cdf(-44.7) is -1000 log 10)
TAIL_PROBS = (
    "1e-10000", "1e-1000", "1e-300", "1e-200", "1e-100", "1e-50", "1e-30", "1e-20", "1e-15", "1e-10", "1e-6",
    "1e-3", "0.05", "0.25", "0.5",
)  # fmt: skip
#: the small grid of the test: a subset of TAIL_PROBS, so its errors can never exceed the table's
QUICK_TAIL_PROBS = ("1e-1000", "1e-300", "1e-30", "1e-6", "0.25")

ALL = BACKENDS
LOG_TAILS = ("log_cdf", "log_survival_function")
#: (family labels, methods, backends, dtypes, why): the misses of the targets that are known and explained;
#: tests/test_accuracy_table.py fails on any other miss, and on an entry that no longer misses (none now: the last
#: ten, float32 LogNormal and Gumbel tails on torch and JAX, compute their standardization in float64 on the CPU
#: since 2026-12-07, ``in_tail_float``)
_KNOWN: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], str]] = []
KNOWN_MISSES: dict[tuple[str, str, str, str], str] = {
    (label, method, backend, dtype): why
    for labels, methods, backends, dtypes, why in _KNOWN
    for label in labels
    for method in methods
    for backend in backends
    for dtype in dtypes
}


# --- the grid -------------------------------------------------------------------------------------------------


def _bisect(increasing: Any, target: Any, lo: float, hi: float, steps: int = 36) -> float:
    for _ in range(steps):
        mid = (lo + hi) / 2
        if increasing(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _point(family: Family, p: dict[str, Any], u: float) -> Any:
    """The value at coordinate u of the real line: u < 0 below the centre, u > 0 above, reaching the support's
    bounds (or 1e320 times the width) at |u| = 745."""
    lo, hi = family.support(**p)
    c, w = mp.mpf(family.center(**p)), mp.mpf(family.width(**p))
    if u < 0:
        return lo + (c - lo) * mp.exp(u) if math.isfinite(lo) else c - w * mp.expm1(-u)
    return hi - (hi - c) * mp.exp(-u) if math.isfinite(hi) else c + w * mp.expm1(u)


def _tail_at(family: Family, p: dict[str, Any], u: float, tail: Any) -> Any:
    """The CDF or survival function at coordinate u; beyond 1e150 some of mpmath's functions overflow a
    Python float inside, where the tails are their limits anyway."""
    try:
        return tail(_point(family, p, u), **p)
    except OverflowError:
        below = u < 0
        return mp.mpf(0 if below == (tail is family.cdf) else 1)


def _discrete_quantile(family: Family, p: dict[str, Any], tail: str, prob: Any) -> int:
    """The smallest integer with CDF >= prob (tail "lower"), or with survival <= prob (tail "upper")."""
    lo, hi = family.support(**p)
    top = int(hi) if math.isfinite(hi) else sys.maxsize

    def done(k: int) -> bool:
        return family.cdf(mp.mpf(k), **p) >= prob if tail == "lower" else family.sf(mp.mpf(k), **p) <= prob

    a, b = int(lo) - 1, int(lo)
    while not done(b) and b < top:
        a, b = b, min(2 * b + 1, top)
    while b - a > 1:
        m = (a + b) // 2
        a, b = (a, m) if done(m) else (m, b)
    return b


def value_grid(family: Family, p: dict[str, Any], probs: Sequence[str]) -> list[Any]:
    """The points whose CDF (and survival function) are ``probs``, as mpmath numbers, sorted, no repeats."""
    points = []
    for prob in probs:
        target = mp.mpf(prob)
        if family.discrete:
            points += [mp.mpf(_discrete_quantile(family, p, t, target)) for t in ("lower", "upper")]
            continue
        # the CDF increases and the survival function decreases along u
        u = _bisect(lambda u: _tail_at(family, p, u, family.cdf), target, -745.0, 745.0)
        points.append(_point(family, p, u))
        u = _bisect(lambda u: -_tail_at(family, p, u, family.sf), -target, -745.0, 745.0)
        points.append(_point(family, p, u))
    return sorted(set(points))


def _round(x: Any, dtype: str) -> float:
    with np.errstate(over="ignore"):
        return float(np.asarray(float(x), dtype=dtype))


def _normal_number(ref: Any, dtype: str) -> bool:
    info = np.finfo(dtype)
    return mp.isfinite(ref) and float(info.tiny) <= abs(ref) <= float(info.max)


# --- the references at a dtype's values -----------------------------------------------------------------------


@dataclass
class Points:
    """A family's parameter set rounded to one dtype: the values, the probabilities and their references."""

    params: dict[str, float]
    values: list[float] = field(default_factory=list)
    probs: list[float] = field(default_factory=list)
    #: method -> one reference per value (per probability for icdf); None where the reference is skipped
    refs: dict[str, list[Any]] = field(default_factory=dict)


def _icdf_reference(family: Family, p: dict[str, Any], prob: float, start: Any) -> Any:
    """The root of CDF(x) = prob near ``start``: in log space, on the CDF below the median and on the survival
    function above it (where prob is 1 - s exactly)."""
    q = mp.mpf(prob)
    if family.discrete:
        tail, target = ("lower", q) if q <= 0.5 else ("upper", 1 - q)
        k = _discrete_quantile(family, p, tail, target)
        # the upper search stops at survival <= s, i.e. CDF >= 1 - s: the same smallest integer
        return mp.mpf(k)
    if q <= 0.5:

        def f(x: Any) -> Any:
            return mp.log(family.cdf(x, **p)) - mp.log(q)

        def df(x: Any) -> Any:
            return mp.exp(family.logpdf(x, **p) - mp.log(family.cdf(x, **p)))

    else:
        s = 1 - q

        def f(x: Any) -> Any:
            return mp.log(family.sf(x, **p)) - mp.log(s)

        def df(x: Any) -> Any:
            return -mp.exp(family.logpdf(x, **p) - mp.log(family.sf(x, **p)))

    try:
        root = mp.findroot(f, mp.mpf(start), solver="newton", df=df, verify=False, tol=mp.mpf(10) ** -45)
        if abs(f(root)) < mp.mpf(10) ** -30:
            return root
    except (ValueError, ZeroDivisionError, TypeError):
        pass
    return None


def _or_none(function: Any, x: Any, p: dict[str, Any]) -> Any:
    """mpmath's value, or None where its series do not converge (a far point of a discrete family: the
    incomplete beta at 80,000 terms); such points are left out."""
    try:
        return mp.mpf(function(x, **p))
    except NoConvergence:
        return None


def _log_tail(tail: Any, other: Any) -> Any:
    if tail is None or other is None:
        return None
    if tail <= 0.5:
        return mp.log(tail) if tail > 0 else -mp.inf
    return mp.log1p(-other)


def reference_points(family: Family, params: dict[str, float], grid: Iterable[Any], dtype: str) -> Points:
    p32 = {k: _round(v, dtype) for k, v in params.items()}
    p = {k: mp.mpf(v) for k, v in p32.items()}
    lo, hi = family.support(**p)
    out = Points(p32)
    for x in grid:
        xr = _round(x, dtype)
        # values are normal numbers of the dtype (or 0, the discrete families' first count)
        if not (math.isfinite(xr) and (xr == 0 or abs(xr) >= float(np.finfo(dtype).tiny))):
            continue
        if not (lo <= xr <= hi if family.discrete else lo < xr < hi):
            continue
        if xr in out.values:
            continue
        out.values.append(xr)
    out.values.sort()
    xs = [mp.mpf(v) for v in out.values]
    cdf = [_or_none(family.cdf, x, p) for x in xs]
    sf = [_or_none(family.sf, x, p) for x in xs]
    out.refs["log_prob"] = [_or_none(family.logpdf, x, p) for x in xs]
    out.refs["cdf"] = cdf
    # log(1 - 1e-50) is beyond 50 digits: near 1, each log from the other tail
    out.refs["log_cdf"] = [_log_tail(c, s) for c, s in zip(cdf, sf)]
    out.refs["log_survival_function"] = [_log_tail(s, c) for c, s in zip(cdf, sf)]
    icdf = []
    for x, c, s in zip(xs, cdf, sf):
        if c is None or s is None:
            continue
        prob = _round(c, dtype) if c <= 0.5 else _round(1 - s, dtype)
        if not (0.0 < prob < 1.0 and prob >= float(np.finfo(dtype).tiny)) or prob in out.probs:
            continue
        out.probs.append(prob)
        icdf.append(_icdf_reference(family, p, prob, x))
    out.refs["icdf"] = icdf
    return out


# --- the backends ---------------------------------------------------------------------------------------------


def _array(backend: str, values: Any, dtype: str) -> Any:
    host = np.asarray(values, dtype=dtype)
    if backend == "torch":
        import torch

        return torch.as_tensor(host)
    if backend == "jax":
        import jax.numpy as jnp

        return jnp.asarray(host)
    return host


def _host(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu()
    return np.asarray(x, dtype=np.float64)


@dataclass
class Cell:
    """The worst error of one method on one backend and dtype, and where; or why there is none."""

    error: float | None = None
    #: (parameter set, value or probability, result, reference) at the worst point
    where: tuple[dict[str, float], float, float, float] | None = None
    reason: str | None = None
    points: int = 0

    def miss(self, method: str, dtype: str) -> bool:
        if self.reason is not None and self.reason.startswith("error"):
            return True
        if self.error is None:
            return False
        # a non-finite result where mpmath's is finite is wrong whatever the method
        return not math.isfinite(self.error) or (method in TARGET_METHODS and not self.error <= TARGETS[dtype])


def _errors(got: np.ndarray, refs: list[Any], dtype: str, method: str) -> list[float | None]:
    out: list[float | None] = []
    for g, r in zip(got, refs):
        if r is None or not mp.isfinite(r) or (method != "log_prob" and not _normal_number(r, dtype)):
            out.append(None)
            continue
        denominator = max(abs(r), 1) if method == "log_prob" else abs(r)
        out.append(float(abs(mp.mpf(float(g)) - r) / denominator) if math.isfinite(g) else math.inf)
    return out


def measure(family: Family, points: Sequence[Points], backend: str, dtype: str) -> dict[str, Cell]:
    """The worst error of every method of ``family`` over the parameter sets' ``points`` (one dtype)."""
    cells = {m: Cell() for m in METHODS}
    for pts in points:
        params = {k: _array(backend, v, dtype) for k, v in pts.params.items()}
        try:
            dist = family.make(ad, params)
        except Exception as exc:  # the build itself fails: every method says why
            for cell in cells.values():
                cell.reason = f"error: {type(exc).__name__}: {exc}"
            return cells
        for method in METHODS:
            cell = cells[method]
            if cell.reason is not None:
                continue
            args = pts.probs if method == "icdf" else pts.values
            if not args:
                continue
            try:
                # values are measured, not warnings (the test suite turns them into errors)
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    got = _host(getattr(dist, method)(_array(backend, args, dtype)))
            except NotImplementedError as exc:
                cell.reason = str(exc)
                continue
            except Exception as exc:
                cell.reason = f"error: {type(exc).__name__}: {exc}"
                continue
            for arg, g, ref, err in zip(args, got, pts.refs[method], _errors(got, pts.refs[method], dtype, method)):
                if err is None:
                    continue
                cell.points += 1
                if cell.error is None or err > cell.error or (math.isnan(err)):
                    cell.error, cell.where = err, (pts.params, arg, float(g), float(ref))
    return cells


def available(family: Family) -> bool:
    return hasattr(ad, family.cls)


def run(
    families: Sequence[Family], backends: Sequence[str], dtypes: Sequence[str], probs: Sequence[str]
) -> dict[str, dict[tuple[str, str], dict[str, Cell]]]:
    """label -> (backend, dtype) -> method -> Cell, for the families whose class exists."""
    with mp.workdps(DPS):
        return _run(families, backends, dtypes, probs)


def _run(
    families: Sequence[Family], backends: Sequence[str], dtypes: Sequence[str], probs: Sequence[str]
) -> dict[str, dict[tuple[str, str], dict[str, Cell]]]:
    results: dict[str, dict[tuple[str, str], dict[str, Cell]]] = {}
    for family in families:
        if not available(family):
            continue
        grids = [value_grid(family, {k: mp.mpf(v) for k, v in p.items()}, probs) for p in family.params]
        by_dtype = {
            dtype: [reference_points(family, p, grid, dtype) for p, grid in zip(family.params, grids)]
            for dtype in dtypes
        }
        results[family.label] = {
            (backend, dtype): measure(family, by_dtype[dtype], backend, dtype)
            for backend in backends
            for dtype in dtypes
        }
    return results


# --- the document ---------------------------------------------------------------------------------------------


def format_cell(cell: Cell, method: str, dtype: str) -> str:
    if cell.reason is not None:
        return "error ✗" if cell.reason.startswith("error") else "—"
    if cell.error is None:
        return "n/a"
    text = "0" if cell.error == 0 else f"{cell.error:.2g}"
    return f"**{text}** ✗" if cell.miss(method, dtype) else text


def parse_cell(text: str) -> float | None:
    """The error a cell claims (inf for an error), or None for a method without one."""
    text = text.strip()
    if text in ("—", "n/a"):
        return None
    if text.startswith("error"):
        return math.inf
    return float(text.replace("**", "").replace("✗", "").strip())


def _params_text(params: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in params.items())


def _versions() -> str:
    parts = [f"arraydist {ad.__version__}", f"NumPy {np.__version__}", f"mpmath {mp.__version__}"]
    for name in ("torch", "jax"):
        try:
            parts.append(f"{name} {importlib.import_module(name).__version__}")
        except ImportError:
            parts.append(f"{name} absent")
    return ", ".join(parts)


def render(results: dict[str, dict[tuple[str, str], dict[str, Cell]]], probs: Sequence[str], seconds: float) -> str:
    present = {col for by_column in results.values() for col in by_column}
    columns = [(b, d) for b in BACKENDS for d in DTYPES if (b, d) in present]
    lines = [
        "# Accuracy in the tails",
        "",
        f"Generated by `{COMMAND}` (do not edit by hand: `tests/test_accuracy_table.py` recomputes a subset of",
        "its grid on NumPy and PyTorch and fails where the library does worse than this page claims, misses a",
        "target without a reason, or has families or methods this page lacks). "
        f"{datetime.date.today().isoformat()}, {_versions()}; {seconds:.0f} s.",
        "",
        "Each cell is the **worst relative error** of one method of one family, on one backend and dtype, against",
        "mpmath at 50 digits (`benchmarks/_mp_references.py`: densities, CDFs and survival functions written from",
        "the maths, CDFs by mpmath's `ncdf`, `betainc` and `gammainc`; `icdf` by `mpmath.findroot` on the CDF).",
        "The values are the points whose CDF and whose survival function are " + ", ".join(probs) + "",
        "(found by bisection on mpmath's CDF, rounded to the dtype; those that round onto or outside the support",
        "are dropped), the references evaluated at the rounded values and rounded parameters; `icdf` at the rounded",
        "CDF of each point below the median and at `1 - survival` above it (so down to 1 - 1.1e-16 in float64).",
        "",
        "- Errors count only where the reference is a *normal* number of the dtype (not 0, subnormal or overflowing).",
        "- `log_prob` is `|got - ref| / max(|ref|, 1)`: the relative error of the density where `|log p| < 1`.",
        f"- The targets of issue 20 for `cdf`, `log_cdf` and `log_survival_function`: {TARGETS['float64']:g} in "
        f"float64, {TARGETS['float32']:g} in float32.",
        "  A cell that misses them is **bold** and marked ✗, listed with its worst point under [Misses](#misses).",
        "- `—`: the method is not implemented (the reason is under the family's table); `n/a`: no point of the",
        "  grid has a normal reference there; `error`: the call failed (listed under Misses).",
        "",
    ]
    misses = []
    for label, by_column in results.items():
        for (backend, dtype), cells in by_column.items():
            for method, cell in cells.items():
                if cell.miss(method, dtype):
                    misses.append((label, method, backend, dtype, cell))
    lines += ["## Misses", ""]
    if not misses:
        lines += ["None: every cell meets the targets.", ""]
    else:
        lines += [
            "| family | method | backend | dtype | worst error | at (parameters; value) | got | mpmath | why |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        notes: dict[str, int] = {}
        for label, method, backend, dtype, cell in misses:
            why = KNOWN_MISSES.get((label, method, backend, dtype), "unexplained: a bug")
            note = notes.setdefault(why, len(notes) + 1)
            if cell.where is None:
                lines.append(f"| {label} | {method} | {backend} | {dtype} | error | {cell.reason} | | | [{note}] |")
                continue
            params, arg, got, ref = cell.where
            lines.append(
                f"| {label} | {method} | {backend} | {dtype} | {cell.error:.2g} | {_params_text(params)}; "
                f"{arg!r} | {got!r} | {ref!r} | [{note}] |"
            )
        lines += ["", *[f"{n}. {why}" for why, n in notes.items()], ""]
    lines += ["## Families", ""]
    for family in FAMILIES:
        if family.label not in results:
            continue
        by_column = results[family.label]
        sets = "; ".join(_params_text(p) for p in family.params)
        npts = max(c.points for cells in by_column.values() for c in cells.values())
        lines += [
            f"### {family.label}",
            "",
            f"Parameters: {sets}. Up to {npts} points per cell.",
            "",
            "| method | " + " | ".join(f"{b} {d}" for b, d in columns) + " |",
            "|---|" + "---|" * len(columns),
        ]
        reasons = {}
        for method in METHODS:
            cells = [by_column[col][method] for col in columns]
            lines.append(
                f"| {method} | " + " | ".join(format_cell(c, method, d) for c, (_, d) in zip(cells, columns)) + " |"
            )
            for c in cells:
                if c.reason is not None and not c.reason.startswith("error"):
                    reasons.setdefault(method, c.reason)
        lines.append("")
        for method, reason in reasons.items():
            lines.append(f"- `{method}` —: {reason}")
        if reasons:
            lines.append("")
    missing = [f.label for f in FAMILIES if f.label not in results]
    lines += ["## Not yet in arraydist", ""]
    if missing:
        lines += [
            "The generator has the references of these families; they get a table once their class exists:",
            "",
            *[f"- {label}" for label in missing],
            "",
        ]
    else:
        lines += ["None.", ""]
    lines += ["## Not tabulated", ""]
    lines += [f"- {name}: {why}" for name, why in NOT_TABULATED.items()]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stdout", action="store_true", help="print the page instead of writing docs/accuracy.md")
    parser.add_argument("--quick", action="store_true", help="the test's small grid (print only)")
    parser.add_argument("--family", action="append", help="only these families (labels; print only)")
    parser.add_argument("--backend", action="append", choices=BACKENDS, help="only these backends (print only)")
    args = parser.parse_args(argv)
    try:
        import jax

        jax.config.update("jax_enable_x64", True)  # float64 arrays stay float64; float32 ones stay float32
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    families = [f for f in FAMILIES if not args.family or f.label in args.family]
    backends = [
        b for b in BACKENDS if importlib.util.find_spec(b) is not None and (not args.backend or b in args.backend)
    ]
    probs = QUICK_TAIL_PROBS if args.quick else TAIL_PROBS
    start = time.perf_counter()
    results = run(families, backends, DTYPES, probs)
    page = render(results, probs, time.perf_counter() - start)
    if args.stdout or args.quick or args.family or args.backend:
        print(page)
    else:
        DOC.write_text(page)
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
