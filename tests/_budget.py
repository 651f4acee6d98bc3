"""Project the test budget from a ``--durations`` report: ``python tests/_budget.py REPORT [FAMILIES CASES]``.

``REPORT`` is the output of a full-matrix run with ``--durations=0 --durations-min=0`` (every test's setup, call
and teardown).  Each test of a registry case is charged to its test function and backend; its cost per case
(both dtypes together) is the total over the report divided by the number of cases it ran.  Tests without a
case are a fixed cost.  For a catalogue of ``FAMILIES x CASES`` cases (default 45 x 8) the default matrix runs
every case on the core backends and ``FAMILIES x SUBSET_SIZE`` cases elsewhere (``_matrix.py``); the full
matrix runs every case everywhere.  New families are assumed to cost what today's cases cost on average.
Minutes on two cores are projected from the CPU time of the measured run (``--cpu``: user + sys of pytest
and its workers, which a shared machine's load does not inflate, unlike the durations): test seconds are
converted to CPU seconds by the run's ratio (after taking out collection), collection is added at
``--collect-ms`` CPU milliseconds per collected test in each of the two workers (the default run collects the
full matrix too, then deselects), and the sum is divided by the two cores.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _matrix
from cases import CASES

_LINE = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S+)")
_BACKEND_IDS = ("torch-cuda", "array_api_strict", "numpy", "torch", "jax", "dask", "cupy")
#: modules whose case tests run on torch without a backend parameter
_TORCH_MODULES = ("test_torch_parity.py", "test_gradients.py")


def parse(
    report: str,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], set[str]], dict[tuple[str, str], int], float, int]:
    """(seconds per (test, backend), cases seen and tests run per (test, backend), seconds and number of the
    tests without a case)."""
    names = sorted((c.name for c in CASES), key=len, reverse=True)
    seconds: dict[tuple[str, str], float] = defaultdict(float)
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    items: dict[tuple[str, str], int] = defaultdict(int)
    fixed, fixed_items = 0.0, 0
    for line in report.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        t, node = float(m.group(1)), m.group(3)
        path, _, rest = node.partition("::")
        module = path.rpartition("/")[2]
        func, _, params = rest.partition("[")
        params = "-" + params.rstrip("]") + "-"
        case = next((n for n in names if f"-{n}-" in params), None)
        if case is None:
            fixed += t
            fixed_items += m.group(2) == "setup"
            continue
        backend = next((b for b in _BACKEND_IDS if f"-{b}-" in params.replace(f"-{case}-", "-", 1)), None)
        backend = backend or _matrix.MODULE_BACKENDS.get(module) or ("torch" if module in _TORCH_MODULES else "?")
        dtype = next((d for d in ("float32", "float64") if f"-{d}-" in params), "")
        key = (f"{module}::{func}", f"{backend}:{dtype}" if dtype else backend)
        seconds[key] += t
        cases[key].add(case)
        items[key] += m.group(2) == "setup"  # every test has a setup, skipped ones too
    return seconds, cases, items, fixed, fixed_items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("families", nargs="?", type=int, default=45)
    parser.add_argument("cases_per_family", nargs="?", type=int, default=8)
    parser.add_argument("--cpu", type=float, help="CPU seconds (user + sys) of the measured full-matrix run")
    parser.add_argument(
        "--fixed",
        metavar="REPORT:CPU",
        help="take the tests without a case from another --durations report (of a run that had them) and its CPU",
    )
    parser.add_argument(
        "--collected", type=int, help="tests the full matrix collects today (pytest --collect-only --full-matrix)"
    )
    parser.add_argument("--collect-ms", type=float, default=0.85, help="CPU ms to collect one test (measured)")
    args = parser.parse_args()
    seconds, cases, items, fixed, fixed_items = parse(Path(args.report).read_text())
    measured = fixed + sum(seconds.values())
    fixed_cpu = None
    if args.fixed:  # the fixed part in CPU seconds, by the other run's own ratio of CPU to test seconds
        path, _, cpu = args.fixed.rpartition(":")
        other_seconds, _, _, other_fixed, fixed_items = parse(Path(path).read_text())
        fixed_cpu = other_fixed * float(cpu) / (other_fixed + sum(other_seconds.values()))
    per_case = {key: seconds[key] / len(cases[key]) for key in seconds}
    by_backend: dict[str, float] = defaultdict(float)
    tests_by_backend: dict[str, float] = defaultdict(float)
    for (test, backend), cost in per_case.items():
        by_backend[backend] += cost
        tests_by_backend[backend] += items[(test, backend)] / len(cases[(test, backend)])
    print("seconds per case (every generic test) by backend and dtype:")
    for backend, cost in sorted(by_backend.items(), key=lambda kv: -kv[1]):
        print(f"  {backend:18s} {cost:7.2f} s over {tests_by_backend[backend]:5.1f} tests")
    print("most expensive tests per case:")
    for (test, backend), cost in sorted(per_case.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {cost:7.2f} s  {test} [{backend}]")
    n_now = len(CASES)

    def kept(label: str) -> bool:  # (backend:dtype) of a subset case in the default matrix
        backend, _, dtype = label.partition(":")
        return not dtype or dtype in _matrix.SUBSET_DTYPES.get(backend, (dtype,))

    core_backends = [b for b in by_backend if b.partition(":")[0] in _matrix.CORE_BACKENDS]
    other_backends = [b for b in by_backend if b not in core_backends]
    core, other_all = (sum(by_backend[b] for b in bs) for bs in (core_backends, other_backends))
    core_n, other_all_n = (sum(tests_by_backend[b] for b in bs) for bs in (core_backends, other_backends))
    other = sum(by_backend[b] for b in other_backends if kept(b))
    other_n = sum(tests_by_backend[b] for b in other_backends if kept(b))
    catalogues = (
        ("today", n_now, len(_matrix.SUBSET)),
        (
            f"{args.families}x{args.cases_per_family}",
            args.families * args.cases_per_family,
            args.families * _matrix.SUBSET_SIZE,
        ),
    )
    if args.collected:  # the exact count: what the case tests do not account for is fixed
        fixed_items = args.collected - round((core_n + other_all_n) * n_now)
    collected_now = fixed_items + round((core_n + other_all_n) * n_now)
    print(f"fixed (tests without a case): {fixed_items} tests, {fixed:.0f} s; measured in all: {measured:.0f} s")
    for label, n, subset in catalogues:
        default, full = fixed + core * n + other * subset, fixed + (core + other_all) * n
        tests_default = fixed_items + round(core_n * n + other_n * subset)
        tests_full = fixed_items + round((core_n + other_all_n) * n)
        line = (
            f"{label:>6s}: default {tests_default:6d} tests {default:7.0f} s; full {tests_full:6d} tests {full:7.0f} s"
        )
        if args.cpu:
            collect = 2 * args.collect_ms / 1000
            ratio = (args.cpu - collect * collected_now) / measured
            extra = 0.0 if fixed_cpu is None else fixed_cpu - fixed * ratio
            minutes = [(t * ratio + extra + collect * tests_full) / 2 / 60 for t in (default, full)]
            line += f"  ->  on 2 cores: default {minutes[0]:5.1f} min, full {minutes[1]:5.1f} min"
        print(line)


if __name__ == "__main__":
    main()
