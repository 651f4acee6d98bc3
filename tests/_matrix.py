"""The test matrix: which (case, backend) pairs the default run keeps, and the rule that chooses them.

Rule (applied by ``conftest.pytest_collection_modifyitems`` to every test parametrized by a registry case):

* on the **core backends** (NumPy and PyTorch on the CPU) every case runs, in both dtypes;
* on every **other backend** (JAX, Dask, array_api_strict, CuPy, PyTorch on a GPU, MLX, and the JAX- and
  torch.compile-specific modules) only the family's **subset** runs: its cases tagged ``"matrix"``, or, in a
  family that tags none, its first ``SUBSET_SIZE`` cases in registry order;
* on JAX that subset runs in float64 only (``SUBSET_DTYPES``): a JAX test costs about 200 times the NumPy one
  (eager operations compile with XLA for each new shape and dtype), so its float32 half would take the
  default run at 45 families from about 12 to about 17.5 minutes; JAX's float32 values are checked in the
  default run by ``test_jax.py::test_float32_values_under_jit`` (every value of each family's subset case, float32,
  against the reference, under one ``jax.jit``: one compilation, not one per eager operation), and everything
  else in float32 on JAX by the full matrix;
* a **family module** (``pytestmark = pytest.mark.family``: the tests of one group of families, which grow with
  the catalogue) runs its tests without a case on the core backends only; on the other backends (a ``backend``
  parameter, or a ``pytest.mark.on_backend(name)`` on a test or a parameter) they run in the complement;
* a **core-by-default module** (``pytestmark = pytest.mark.core_by_default``: ``test_batch_ops.py``, whose JAX
  and Dask checks compile a whole graph of batch operations per case, 10 to 50 s for the broadcast cases of the
  continuous families) runs on the core backends by default and on the others, the subset included, in the
  complement;
* a **base-machinery test** (``pytest.mark.base_machinery``: the batch operations, ``expand``, slicing,
  ``reshape``, flattening, and empty batches; since the sixth session also the conformance suite's layout checks
  (``test_shapes_and_identity``) and seed checks (``test_seeds_reproduce_and_inputs_are_not_mutated``): code
  written once on the tree of parts in the base, the same for every family and backend but for the backend's own
  array operations, whose values every case checks off the core backends in ``test_values_match_reference``)
  runs on the core backends for every case in both dtypes, and off them only in the complement (as a
  core-by-default module's), where the CI matrix takes each family's subset case in float64 only
  (``MACHINERY_DTYPE``): every other case repeats the same code path on other shapes, at 10 to 50 CPU-s a broadcast
  case on JAX; ``--full-matrix`` still runs them all;
* on **MLX** (2026-12-07) the mirror image: MLX computes in float32 (its GPUs have no float64), so the default run
  takes each family's subset case in float32, and the CI matrix runs every case in float32 and only the subset in
  float64 (MLX's float64 special functions are composites of many lazy operations: a StudentT or Beta value test
  takes 3 to 10 s there);
* on **Dask** (2026-12-07, fifth session) the CI matrix runs every case in float64 and only each family's subset
  case in float32: Dask computes each chunk with the NumPy backend's operations, and every case runs in float32 on
  NumPy (about 1,100 tests, 2 to 3 minutes of the complement);
* likewise on **array_api_strict** (a thin wrapper of NumPy that refuses what the standard lacks): every case in
  float64, each family's subset case in float32;
* a test marked ``complement_only`` or named in ``conftest.COMPLEMENT_ONLY`` runs in the complement what the
  default run would take of it (each family's subset off the core backends), not in the default run (the
  longest compilations of the default run, cold on a fresh machine: MLX's and inductor's C++ kernels, JAX's
  float16 half-precision tests, each with its reason);
* a test or parameter marked ``full_matrix_only`` (JAX's bfloat16 half-precision tests: the same path as its
  float16 ones) runs under ``--full-matrix`` alone, in neither the default run nor the complement;
* ``--full-matrix`` (or the environment variable ``ARRAYDIST_FULL_MATRIX=1``) runs the whole cross product;
* ``--matrix-complement`` (CI, after the default run) runs the **CI matrix** minus the default run: the CI matrix
  is the full matrix without JAX's float32 tests of the cases outside the subset (``CI_ONLY_SUBSET``): at 45
  families they alone would take ``.ci/run`` past its 45 minutes, and every one of those cases runs in float32
  on NumPy and PyTorch and in float64 on JAX, each family's subset case in float32 on JAX too (eagerly in the
  complement, under ``jax.jit`` in the default run).

Other tests that take no case (the base, the backend layer, the tutorial) are never deselected.  The projection
of what this costs as the catalogue grows is in ``docs/testing.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from cases import CASES, Case

#: cases per family on the non-core backends when the family tags none ``"matrix"`` (one: a JAX test costs about
#: 200 NumPy ones, so at 45 families a second case per family would take the default run to about 20 minutes)
SUBSET_SIZE = 1
#: ``Backend.id`` of the backends that run every case
CORE_BACKENDS = frozenset({"numpy", "torch"})
#: modules whose case-parametrized tests exercise one non-core backend without a ``backend`` parameter
MODULE_BACKENDS = {"test_jax.py": "jax", "test_torch_transforms.py": "torch.compile", "test_mlx.py": "mlx"}
#: backend id -> the dtypes its subset runs in by default (others: both)
SUBSET_DTYPES = {"jax": frozenset({"float64"}), "mlx": frozenset({"float32"})}
#: backend id -> the dtypes in which the CI matrix runs only the subset (the full matrix runs all)
CI_ONLY_SUBSET = {
    "jax": frozenset({"float32"}),
    "mlx": frozenset({"float64"}),
    "dask": frozenset({"float32"}),
    "array_api_strict": frozenset({"float32"}),
}
#: the dtype in which the CI matrix runs the ``base_machinery`` tests off the core backends
MACHINERY_DTYPE = "float64"
ENV_VAR = "ARRAYDIST_FULL_MATRIX"
OPTION = "--full-matrix"
#: the full matrix minus the default run (``.ci/run`` runs the default, then this)
COMPLEMENT_OPTION = "--matrix-complement"


def subset(cases: Iterable[Case]) -> frozenset[str]:
    """Names of the cases that the non-core backends run by default (the rule above)."""
    by_family: dict[str, list[Case]] = {}
    for case in cases:
        by_family.setdefault(case.dist, []).append(case)
    chosen: set[str] = set()
    for family in by_family.values():
        tagged = [c for c in family if "matrix" in c.tags]
        chosen.update(c.name for c in (tagged or family[:SUBSET_SIZE]))
    return frozenset(chosen)


SUBSET = subset(CASES)


def full_matrix_from_env() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() not in ("", "0", "false", "no")


def item_backend(item: Any) -> str | None:
    """The backend a collected test runs on: its ``backend`` parameter, its ``on_backend`` mark, or its module's
    (``MODULE_BACKENDS``)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    backend = params.get("backend")
    if backend is not None:
        return str(backend.id)
    mark = item.get_closest_marker("on_backend")
    if mark is not None:
        return str(mark.args[0])
    return MODULE_BACKENDS.get(item.path.name)


def item_in_family_module(item: Any) -> bool:
    return item.get_closest_marker("family") is not None


def item_case(item: Any) -> Case | None:
    params = getattr(getattr(item, "callspec", None), "params", {})
    case = params.get("case")
    return case if isinstance(case, Case) else None


def item_dtype(item: Any) -> str | None:
    dtype = getattr(getattr(item, "callspec", None), "params", {}).get("dtype")
    return dtype if isinstance(dtype, str) else None


def item_core_by_default(item: Any) -> bool:
    return item.get_closest_marker("core_by_default") is not None


def in_default_matrix(
    case: Case | None, backend: str | None, dtype: str | None = None, family: bool = False, core: bool = False
) -> bool:
    """Whether the default run keeps a test of ``case`` on ``backend`` in ``dtype`` (tests without a case always
    run, but those of a family module only on the core backends; ``core``: a ``core_by_default`` module, whose
    tests of every case run on the core backends only)."""
    if backend is None or backend in CORE_BACKENDS:
        return True
    if case is None:
        return not family
    if core:
        return False
    return case.name in SUBSET and (dtype is None or dtype in SUBSET_DTYPES.get(backend, (dtype,)))


def item_base_machinery(item: Any) -> bool:
    return item.get_closest_marker("base_machinery") is not None


def in_ci_matrix(case: Case | None, backend: str | None, dtype: str | None = None, machinery: bool = False) -> bool:
    """Whether CI (the default run and ``--matrix-complement`` together) runs a test of ``case`` on ``backend`` in
    ``dtype``: the full matrix except ``CI_ONLY_SUBSET``'s dtypes of the cases outside the subset, and except the
    ``base_machinery`` tests off the core backends beyond each family's subset case in ``MACHINERY_DTYPE``."""
    if case is None or backend is None:
        return True
    if machinery and backend not in CORE_BACKENDS:
        return case.name in SUBSET and dtype in (None, MACHINERY_DTYPE)
    if dtype not in CI_ONLY_SUBSET.get(backend, ()):
        return True
    return case.name in SUBSET
