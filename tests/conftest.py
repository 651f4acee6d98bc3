"""Fixtures: ``backend`` (every array library, skipped with a reason when missing) and ``dtype``; the
``--full-matrix`` option and the default matrix of ``_matrix.py`` (the rest of the cross product deselected);
the false-alarm budget of ``_stats.py``: the ``statistical(k)`` mark, the count of checks made against it, and the
bound printed at the end of every run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import _matrix
import _stats
from backends import BACKENDS, JAX, Backend

#: scripts the tests run in a child process, not modules to import here (``--doctest-modules`` would): Keras
#: chooses its backend once, at import, from ``KERAS_BACKEND``, which only the child sets
collect_ignore = ["keras_train.py"]

# JAX compiles every eager operation for each new shape and dtype with XLA, and in this suite that compiling is
# most of a JAX test's cost (a Poisson draw of a new shape compiles for about 4 CPU-s).  Two settings, made before
# JAX is imported and only where the caller has not chosen otherwise:
# * XLA's CPU code generation without LLVM's expensive optimizations (IEEE semantics unchanged: XLA never enables
#   fast math on the CPU by default; measured on the same JAX calls: 35 against 23 CPU-s);
# * a persistent compilation cache in .jax-cache/ (gitignored), shared by the test workers and by later runs.
_FAST_XLA = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
if "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FAST_XLA}".strip()
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".jax-cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

if JAX.available():
    import jax

    # float64 cases need x64; explicit float32 arrays stay float32 (the float32 default is tested in a subprocess)
    jax.config.update("jax_enable_x64", True)


@pytest.fixture(params=BACKENDS, ids=lambda b: b.id)
def backend(request: pytest.FixtureRequest) -> Backend:
    b: Backend = request.param
    if not b.available():
        pytest.skip(f"needs {b.needs()}: not present on this machine")
    return b


@pytest.fixture(params=["float32", "float64"])
def dtype(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def torch_backend() -> Backend:
    b = next(b for b in BACKENDS if b.name == "torch" and b.device is None)
    if not b.available():
        pytest.skip("torch is not installed")
    return b


@pytest.fixture
def eager_backend(backend: Backend) -> Backend:
    """The backends whose values can be read when built: on lazy arrays value checks raise at ``compute()``
    (test_dask.py)."""
    if backend.lazy:
        pytest.skip(f"{backend.name} arrays are lazy: value checks raise at compute(), not when building")
    return backend


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        _matrix.OPTION,
        action="store_true",
        default=False,
        help=f"run every registry case on every backend (also: {_matrix.ENV_VAR}=1); by default the non-core "
        "backends run only each family's subset (tests/_matrix.py)",
    )
    parser.addoption(
        _matrix.COMPLEMENT_OPTION,
        action="store_true",
        default=False,
        help="run only what the default run leaves out of the CI matrix (the full matrix but JAX's float32 tests "
        "of the cases outside the subset): after the default run, the two together are the CI matrix, with "
        "nothing run twice (what .ci/run does)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "statistical(checks=1): the test makes this many statistical checks (tests/_stats.py: each at ALPHA; "
        "counted for the run's false-alarm budget)",
    )


def full_matrix(config: pytest.Config) -> bool:
    return bool(config.getoption(_matrix.OPTION)) or _matrix.full_matrix_from_env()


def complement(config: pytest.Config) -> bool:
    return bool(config.getoption(_matrix.COMPLEMENT_OPTION))


def pytest_report_header(config: pytest.Config) -> str:
    if complement(config):
        return (
            "arraydist test matrix: complement (the CI matrix minus the default run; the CI matrix is the full "
            "matrix but JAX's float32 outside the subset)"
        )
    if full_matrix(config):
        return "arraydist test matrix: full (every case on every backend)"
    return (
        f"arraydist test matrix: default (every case on {', '.join(sorted(_matrix.CORE_BACKENDS))}; "
        f"{len(_matrix.SUBSET)} subset cases elsewhere, float64 only on JAX; {_matrix.OPTION} for all)"
    )


#: strict xfails until fixed: the node id's test name and parameters -> the reason (none now; the last ones, of
#: 2026-12-07, were draws below the smallest normal number that XLA flushes to 0, now compared as XLA sees them
#: (``Backend.as_computed``), and a finite difference that stepped an infinite bound)
KNOWN_FAILURES: dict[str, str] = {}


#: tests of the default run's matrix that CI runs in the complement instead (item name -> why): the longest
#: compilations of the README's command, each repeating a path that its other cases cover there
COMPLEMENT_ONLY = {
    "test_compile_fullgraph_build_sample_log_prob_entropy[multinomial-batched-logits]": "torch.compile of the "
    "count samplers' rejection loops, 16 s (Poisson's and the other families' fullgraph runs stay by default)",
    "test_compile_fullgraph_build_sample_log_prob_entropy[binomial-logits]": "the same, 10 s",
    "test_grad_through_rsample_and_log_prob_matches_finite_differences[truncated-of-normal-broadcast]": "JAX "
    "compiles Truncated(Normal)'s CDF differences and their gradients for every finite difference, 40 s "
    "(TruncatedNormal's case stays by default)",
    "test_jit_with_a_distribution_as_argument[truncated-of-normal-broadcast]": "the same compilation under jit, 17 s",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        reason = KNOWN_FAILURES.get(item.name)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
    for item in items:  # a case that runs in one dtype only: its tests in the other are skipped, with the reason
        case, dtype = _matrix.item_case(item), _matrix.item_dtype(item)
        if case is not None and dtype is not None and dtype not in case.dtypes:
            item.add_marker(
                pytest.mark.skip(reason=f"{case.name} runs in {'/'.join(sorted(case.dtypes))} only: {case.dtypes_why}")
            )
    full = sum(_stats.declared_checks(item) for item in items)
    rest = complement(config)
    if full_matrix(config) and not rest:
        config.stash[_stats.DECLARED_KEY] = (full, full)
        return
    keep, drop = [], []
    for item in items:
        if item.get_closest_marker("full_matrix_only") is not None:
            drop.append(item)  # neither the default run nor CI's complement: --full-matrix alone
            continue
        inside = _matrix.in_default_matrix(
            _matrix.item_case(item),
            _matrix.item_backend(item),
            _matrix.item_dtype(item),
            _matrix.item_in_family_module(item),
            _matrix.item_core_by_default(item) or _matrix.item_base_machinery(item),
        )
        if item.name in COMPLEMENT_ONLY or item.get_closest_marker("complement_only") is not None:
            # what the default run would take of it (the subset off the core backends), in the complement instead
            (keep if rest and inside else drop).append(item)
            continue
        if rest and not inside:  # the complement: what CI runs beyond the default
            inside = not _matrix.in_ci_matrix(
                _matrix.item_case(item),
                _matrix.item_backend(item),
                _matrix.item_dtype(item),
                _matrix.item_base_machinery(item),
            )
        (keep if inside is not rest else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    config.stash[_stats.DECLARED_KEY] = (sum(_stats.declared_checks(item) for item in items), full)


@pytest.fixture(autouse=True)
def _mpmath_precision_restored() -> object:
    """mpmath's working precision is global: a test that lowers it (30 digits is plenty for its own reference)
    would leave another test's cancelling reference short of digits in the same worker (stirlerr at 3e7 needs 33:
    a false failure that depended on how xdist shared out the tests).  Each test gets back the precision it
    started with."""
    mp = sys.modules.get("mpmath")
    dps = mp.mp.dps if mp is not None else None
    yield
    if mp is not None:
        mp.mp.dps = dps


# ---------------------------------------------------------------------------------------------- false alarms
@pytest.fixture(autouse=True)
def _statistical_checks(request: pytest.FixtureRequest) -> object:
    """Counts the checks of ``_stats.check`` each test makes: more than its ``statistical`` mark declares fails
    the test (the budget would not count them); the count travels with the report to the run's summary."""
    _stats.reset_checks()
    yield
    made, declared = _stats.checks_made(), _stats.declared_checks(request.node)
    request.node.user_properties.append(("statistical_checks", made))
    if made > declared:
        pytest.fail(
            f"{request.node.nodeid} made {made} statistical check(s) but declares {declared}: mark it "
            f"pytest.mark.statistical({made}) so that the false-alarm budget counts them",
            pytrace=False,
        )


#: (checks made by the tests that ran, declared by this run's tests, declared by the full matrix's)
_TOTALS = {"made": 0, "run": 0, "full": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown":
        _TOTALS["made"] += sum(int(v) for k, v in report.user_properties if k == "statistical_checks")


def pytest_sessionfinish(session: pytest.Session) -> None:
    declared = session.config.stash.get(_stats.DECLARED_KEY, None)
    if declared is not None:
        _TOTALS["run"], _TOTALS["full"] = declared
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # a pytest-xdist worker: its collection, for the controller's summary
            workeroutput["arraydist_declared_checks"] = list(declared)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    declared = getattr(node, "workeroutput", {}).get("arraydist_declared_checks")
    if declared:  # every worker collects the same tests
        _TOTALS["run"], _TOTALS["full"] = declared


def pytest_terminal_summary(terminalreporter: object, exitstatus: int, config: pytest.Config) -> None:
    made, run, full = _TOTALS["made"], _TOTALS["run"], _TOTALS["full"]
    if not (made or run):
        return
    alpha, budget = _stats.ALPHA, _stats.BUDGET
    write = terminalreporter.write_line  # type: ignore[attr-defined]
    terminalreporter.write_sep("-", "arraydist false-alarm budget (tests/_stats.py)")  # type: ignore[attr-defined]
    write(
        f"{made} statistical checks made at ALPHA = {alpha:g} each: a correct library fails one with probability "
        f"at most {made * alpha:.3%} (budget {budget:.0%})"
    )
    write(
        f"declared by the collected tests: {run} in this run ({run * alpha:.3%}), {full} in the full matrix "
        f"({full * alpha:.3%})"
    )
