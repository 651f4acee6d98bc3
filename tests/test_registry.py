"""Meta-tests of the registry: every public distribution has cases, every case's capability fields agree with
the distribution it builds, and the default matrix keeps every family on every backend."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import _matrix
import arraydist
from backends import BACKENDS
from cases import CASES, Case
from test_conformance import KL_SCALE, TOL, check_enumerate_support, check_rsample_capability
from test_sampling_statistics import toy_case


def test_every_distribution_has_cases() -> None:
    public = {
        name
        for name in arraydist.__all__
        if inspect.isclass(getattr(arraydist, name))
        and issubclass(getattr(arraydist, name), arraydist.Distribution)
        and getattr(arraydist, name) is not arraydist.Distribution
    }
    covered = {case.dist for case in CASES}
    assert public, "no public distributions found"
    assert public <= covered, f"distributions without cases: {sorted(public - covered)}"


def test_case_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def _raises_not_implemented(fn: Any, name: str, what: str) -> bool:
    """Whether ``fn()`` raises the uniform "X does not implement m" error (any other error propagates)."""
    try:
        fn()
    except NotImplementedError as e:
        message = str(e)
    else:
        return False
    assert message.startswith(f"{name} does not implement {what}"), message
    return True


def check_capabilities(case: Case) -> None:
    """The case's fields against what the distribution built from it (NumPy, float64) does."""
    d = case.build(arraydist, lambda x: np.asarray(x, dtype=np.float64))
    name = type(d).__name__
    assert name == case.dist
    assert (d.batch_shape, d.event_shape) == (case.batch_shape, case.event_shape)
    assert case.has_rsample == d.has_rsample
    assert case.has_enumerate_support == d.has_enumerate_support
    x = d.sample((3,), seed=0)
    assert _raises_not_implemented(lambda: d.rsample((3,), seed=0), name, "rsample") == (not case.has_rsample)
    assert _raises_not_implemented(lambda: d.cdf(x), name, "cdf") == (not case.has_cdf)
    if not case.event_shape:
        q = np.full(case.batch_shape, 0.5)
        assert _raises_not_implemented(lambda: d.icdf(q), name, "icdf") == (not case.has_icdf)
    else:
        assert not case.has_icdf, "icdf of a multivariate family is not defined"
    enumerates = case.has_enumerate_support and case.enumerates
    assert _raises_not_implemented(d.enumerate_support, name, "enumerate_support") == (not enumerates)
    assert _raises_not_implemented(d.entropy, name, "entropy") == (not case.has_entropy)
    integers = np.array_equal(np.asarray(x), np.round(np.asarray(x)))
    assert integers == case.discrete, f"discrete={case.discrete} but draws {'are' if integers else 'are not'} integers"
    if case.implicit_reparam:
        assert case.has_cdf, "the implicit-gradient check needs the reference CDF"
    ref = case.reference(lambda v: np.asarray(v, dtype=np.float64))
    for method in [
        m
        for m in ("log_prob", "entropy", "mean", "mode", "variance")
        if (case.has_entropy or m != "entropy") and (m in case.moments or m in ("log_prob", "entropy"))
    ]:
        assert hasattr(ref, method), f"the reference has no {method}"
    assert any(hasattr(ref, m) for m in ("normal_scores", "marginal_pmf", "marginal_cdfs")), (
        "no goodness-of-fit protocol"
    )
    assert _raises_not_implemented(lambda: d.mean, name, "mean") == (not case.has_moments)
    assert _raises_not_implemented(lambda: d.mode, name, "mode") == ("mode" not in case.moments)
    if not case.has_entropy:
        assert case.traced_entropy, "traced_entropy is about an entropy that exists"
    if case.has_cdf:
        for method in ("cdf", "log_cdf", "survival_function", "log_survival_function"):
            assert hasattr(ref, method), f"case {case.name}: has_cdf needs the reference's {method}"
    if case.has_icdf:
        assert hasattr(ref, "icdf")
    if case.kl_partner is not None:
        q = case.kl_partner.build(arraydist, lambda v: np.asarray(v, dtype=np.float64))
        assert type(q) is type(d) and (q.batch_shape, q.event_shape) == (d.batch_shape, d.event_shape)
        kl = np.asarray(arraydist.kl_divergence(d, q))
        # every member differs, but point masses (Binomial's total_count 0) are 0 from anything of their support
        point_mass = np.zeros(kl.shape, bool)
        if "total_count" in d._leaves:
            point_mass = np.broadcast_to(np.asarray(d.total_count) == 0, kl.shape)
        assert np.all((kl > 0) | (point_mass & (kl == 0))), "the KL partner must differ in every batch member"
        check_kl_asymmetry(case, d, q)


#: the least asymmetry of a KL partner, relative to |KL| + 1: ten times the KL test's float32 tolerance, so that a
#: swap of KL's arguments fails the KL test in both dtypes
KL_ASYMMETRY = 10 * TOL["float32"] * KL_SCALE


def check_kl_asymmetry(case: Case, p: Any, q: Any) -> None:
    """KL(p || q) differs from KL(q || p) in at least one batch member by ``KL_ASYMMETRY``: a partner that makes
    the divergence symmetric (reversed categories, 1 - p for Bernoulli, scales swapped within a summed event)
    cannot see an argument swap."""
    forward = np.asarray(arraydist.kl_divergence(p, q), np.float64)
    backward = np.asarray(arraydist.kl_divergence(q, p), np.float64)
    with np.errstate(invalid="ignore"):
        gap = np.where(
            np.isfinite(forward) & np.isfinite(backward),
            np.abs(forward - backward) / (np.abs(forward) + 1.0),
            np.where(np.isinf(forward) != np.isinf(backward), np.inf, 0.0),
        )
    assert gap.max(initial=0.0) >= KL_ASYMMETRY, (
        f"{case.name}: its KL partner makes the divergence symmetric in every member (largest relative "
        f"asymmetry {gap.max(initial=0.0):.2g} < {KL_ASYMMETRY:.2g}): a swap of KL's arguments would pass"
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_capability_fields_match_the_distribution(case: Case) -> None:
    check_capabilities(case)


def test_a_symmetric_kl_partner_is_refused() -> None:
    """Categorical against its categories reversed: KL(p || q) = KL(q || p) in every member."""
    p = arraydist.Categorical(probs=np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]))
    q = arraydist.Categorical(probs=np.array([[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]]))
    case = next(c for c in CASES if c.dist == "Categorical")
    with pytest.raises(AssertionError, match="makes the divergence symmetric"):
        check_kl_asymmetry(case, p, q)
    check_kl_asymmetry(case, p, arraydist.Categorical(probs=np.array([[0.25, 0.6, 0.15], [0.1, 0.3, 0.6]])))


def test_capability_check_covers_a_discrete_family_without_rsample() -> None:
    """The test-only discrete family (test_sampling_statistics.py) exercises the False branches of the fields."""
    d = toy_case().build(arraydist, np.asarray)
    name = type(d).__name__
    assert _raises_not_implemented(lambda: d.rsample((2,), seed=0), name, "rsample")
    assert _raises_not_implemented(lambda: d.cdf(np.zeros(4)), name, "cdf")
    lp = d.log_prob(d.enumerate_support())
    np.testing.assert_allclose(np.exp(lp).sum(0), 1.0, rtol=1e-12)
    with pytest.raises(AssertionError, match="the reference has no mean"):
        check_capabilities(toy_case())  # every capability agrees; its reference lacks the moments


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"implicit_reparam": True, "has_rsample": False}, "implicit_reparam needs has_rsample"),
        ({"discrete": True}, "no reparameterized sampler"),
        ({"tags": frozenset({"matirx"})}, "unknown tags"),
    ],
)
def test_inconsistent_fields_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Case("bad", "Normal", lambda lib, c: None, lambda r: None, (), **fields)


def test_the_subset_has_every_family_and_follows_the_rule() -> None:
    families = {c.dist for c in CASES}
    assert {c.dist for c in CASES if c.name in _matrix.SUBSET} == families
    for family in families:
        cases = [c for c in CASES if c.dist == family]
        tagged = [c.name for c in cases if "matrix" in c.tags]
        chosen = sorted(c.name for c in cases if c.name in _matrix.SUBSET)
        assert chosen == sorted(tagged or [c.name for c in cases[: _matrix.SUBSET_SIZE]])
    untagged = [Case(f"n{i}", "Fam", lambda lib, c: None, lambda r: None, ()) for i in range(3)]
    assert _matrix.subset(untagged) == frozenset(f"n{i}" for i in range(_matrix.SUBSET_SIZE))


def test_the_default_matrix_keeps_core_backends_and_the_subset() -> None:
    inside, outside = (
        next(c for c in CASES if c.name in _matrix.SUBSET),
        next(c for c in CASES if c.name not in _matrix.SUBSET),
    )
    for backend in BACKENDS:
        core = backend.id in _matrix.CORE_BACKENDS
        assert _matrix.in_default_matrix(inside, backend.id)
        assert _matrix.in_default_matrix(outside, backend.id) == core
    assert not _matrix.in_default_matrix(outside, "torch.compile")
    assert _matrix.in_default_matrix(inside, "jax", "float64") and not _matrix.in_default_matrix(
        inside, "jax", "float32"
    )
    assert _matrix.in_default_matrix(inside, "dask", "float32") and _matrix.in_default_matrix(
        outside, "numpy", "float32"
    )
    assert _matrix.in_default_matrix(None, "jax") and _matrix.in_default_matrix(outside, None)


def test_the_ci_matrix_leaves_out_jax_float32_beyond_the_subset_only() -> None:
    inside = next(c for c in CASES if c.name in _matrix.SUBSET)
    outside = next(c for c in CASES if c.name not in _matrix.SUBSET)
    assert not _matrix.in_ci_matrix(outside, "jax", "float32")
    assert _matrix.in_ci_matrix(inside, "jax", "float32") and _matrix.in_ci_matrix(outside, "jax", "float64")
    for backend in BACKENDS:
        for dtype in ("float32", "float64"):
            # the default run is inside the CI matrix, and only these dtypes of these backends are left out of it
            assert not _matrix.in_default_matrix(outside, backend.id, dtype) or _matrix.in_ci_matrix(
                outside, backend.id, dtype
            )
            left_out = {("jax", "float32"), ("mlx", "float64"), ("dask", "float32"), ("array_api_strict", "float32")}
            assert _matrix.in_ci_matrix(outside, backend.id, dtype) or (backend.id, dtype) in left_out
    assert _matrix.in_ci_matrix(None, "jax", "float32")


def test_the_ci_matrix_runs_the_base_machinery_off_the_core_backends_on_the_subset_in_float64() -> None:
    inside = next(c for c in CASES if c.name in _matrix.SUBSET)
    outside = next(c for c in CASES if c.name not in _matrix.SUBSET)
    for backend in ("numpy", "torch"):  # the core backends: every case, both dtypes
        for dtype in ("float32", "float64"):
            assert _matrix.in_ci_matrix(outside, backend, dtype, machinery=True)
    for backend in ("jax", "dask", "array_api_strict"):
        assert _matrix.in_ci_matrix(inside, backend, "float64", machinery=True)
        assert _matrix.in_ci_matrix(inside, backend, None, machinery=True)  # a test without a dtype
        assert not _matrix.in_ci_matrix(inside, backend, "float32", machinery=True)
        assert not _matrix.in_ci_matrix(outside, backend, "float64", machinery=True)
        assert _matrix.in_ci_matrix(outside, backend, "float64")  # not machinery: every case
    import test_batch_ops
    import test_conformance
    import test_empty_batch

    assert "base_machinery" in {m.name for m in test_batch_ops.pytestmark}
    for test in (
        test_conformance.test_batch_operations,
        test_conformance.test_shapes_and_identity,
        test_conformance.test_seeds_reproduce_and_inputs_are_not_mutated,
        test_empty_batch.test_every_case_works_with_an_empty_batch,
    ):
        assert "base_machinery" in {m.name for m in test.pytestmark}


def test_family_modules_run_their_caseless_tests_on_the_core_backends_by_default() -> None:
    """A family module's tests without a case run on NumPy and torch by default and elsewhere in the complement;
    other caseless tests everywhere; the marks are read from collected items of the family modules."""
    for backend in ("numpy", "torch"):
        assert _matrix.in_default_matrix(None, backend, "float32", family=True)
    for backend in ("jax", "dask", "array_api_strict", "torch.compile"):
        assert not _matrix.in_default_matrix(None, backend, "float64", family=True)
        assert _matrix.in_default_matrix(None, backend, "float64", family=False)
    assert _matrix.in_default_matrix(None, None, family=True)  # no backend: builds NumPy/torch arrays itself
    import test_categorical

    assert test_categorical.pytestmark.name == "family"
    marks = test_categorical.test_multinomial_with_a_million_trials.pytestmark
    params = next(m for m in marks if m.name == "parametrize").args[1]
    assert [p.marks[0].args[0] for p in params] == ["numpy", "torch", "jax"]


def test_full_matrix_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("1", True), ("yes", True), ("", False), ("0", False), ("false", False)):
        monkeypatch.setenv(_matrix.ENV_VAR, value)
        assert _matrix.full_matrix_from_env() is expected
    monkeypatch.delenv(_matrix.ENV_VAR)
    assert _matrix.full_matrix_from_env() is False


def test_generic_checks_on_a_test_only_family() -> None:
    """The generic enumerate_support and rsample checks on the discrete ToyBinomial: they pass, and the first
    fails when its masses do not sum to 1."""
    check_rsample_capability(toy_case(), toy_case().build(arraydist, np.asarray))
    check_enumerate_support(toy_case(), toy_case().build(arraydist, np.asarray), np.asarray)
    unnormalized = toy_case(log_prob_offset=0.01)
    with pytest.raises(AssertionError, match="do not sum to 1"):
        check_enumerate_support(unnormalized, unnormalized.build(arraydist, np.asarray), np.asarray)
