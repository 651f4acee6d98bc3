"""Batch operations written once in the base class, on every registry case and backend: slicing, ``reshape``,
``expand`` and ``to_event`` commute with ``log_prob``, and ``explain`` states the shapes that come out.

Every operation is checked by values, member by member: a slice ``d[index]`` (integers, open-ended and negative
slices, steps, ``...``, ``None``) gives the log densities, means and variances of the full distribution indexed
by the same index, so a slice that returns the wrong members with the right shape fails.  One test per case,
backend and dtype (one build, one set of draws, every operation checked on them), so the matrix of
``_matrix.py`` applies and a case costs one test, not one per operation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import _tolerance
import arraydist
from backends import NUMPY, Backend
from cases import CASES, Case
from test_conformance import TOL, as_numpy, assert_close, build

#: by default on NumPy and torch; the other backends (JAX under jit, Dask) in the complement (_matrix.py)
pytestmark = [pytest.mark.core_by_default, pytest.mark.base_machinery]


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def batch_indices(batch: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """Indices of a batch: integers (negative too), open-ended and negative slices, a step, ``...`` and ``None``,
    on the first and on the last batch dimension, each keeping every dimension non-empty.  (A negative step:
    ``test_negative_steps``.)"""
    if not batch:
        return []
    first, last = batch[0], batch[-1]
    out: list[tuple[Any, ...]] = [(0,), (-1,), (None,)]
    if first > 1:
        k = first // 2
        out += [(slice(k, None),), (slice(None, -k),), (slice(-k, None),), (slice(None, None, 2),)]
        out += [(slice(1, first - 1),)] if first > 2 else []
    if last > 1:
        out += [(Ellipsis, slice(1, None)), (Ellipsis, -2), (Ellipsis, slice(-1, None))]
    if len(batch) > 1:
        out += [(-1, Ellipsis), (slice(-1, None), Ellipsis, slice(None, None, 2)), (slice(None), None, -1)]
    return out


def spelled(index: tuple[Any, ...], batch_ndim: int) -> tuple[Any, ...]:
    """``index`` with its ``...`` spelled out over the batch dimensions only, so that it indexes the batch part of
    an array that has event dimensions after it (NumPy's ``...`` would reach into them)."""
    if Ellipsis not in index:
        return index
    at = index.index(Ellipsis)
    used = sum(item is not None for item in index if item is not Ellipsis)
    return index[:at] + (slice(None),) * (batch_ndim - used) + index[at + 1 :]


class _NoMoments:
    """Zeros for the moments of a family that has none in its whole chain (the relaxed categoricals): its
    ``log_prob``, which reads every parameter, identifies the members alone."""

    def __init__(self, d: Any) -> None:
        zeros = d._ops.xp.zeros(d.batch_shape + d.event_shape, dtype=d._dtype, device=d._device)
        self.mean = self.variance = zeros
        self.event_shape = d.event_shape


def _moments(d: Any) -> Any:
    """Whose moments identify the members: the distribution's, or where it has none (a transformed
    distribution) its base's, indexed by the same tree; its transforms' parameters are checked by log_prob."""
    transformed = isinstance(d, arraydist.TransformedDistribution)
    node = d.base_dist if transformed and type(d).mean is arraydist.TransformedDistribution.mean else d
    return node if type(node).mean is not arraydist.Distribution.mean else _NoMoments(node)


def operations(d: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Every batch operation on ``d``, its shapes asserted, and ``log_prob`` of each result at its value.  On JAX
    it runs inside one ``jax.jit`` (shapes are static there): one compilation instead of one per eager
    operation and shape, which took this test from 10-20 s to about 1 s per case."""
    batch, event = d.batch_shape, d.event_shape
    size = math.prod(batch)
    out = {"full": d.log_prob(values["x"]), "mean": _moments(d).mean, "variance": _moments(d).variance}
    for i, index in enumerate(batch_indices(batch)):  # slices by values: the members the index names
        part = d[index]
        assert part.event_shape == event
        out[f"index {i}"] = (part.log_prob(values[f"index {i}"]), _moments(part).mean, _moments(part).variance)
    if batch:  # slicing the last batch dimension
        part = d[..., batch[-1] - 1]
        assert part.batch_shape == batch[:-1] and part.event_shape == event
        out["slice"] = part.log_prob(values["slice"])
    flat = d.reshape(-1)  # every batch member in one dimension, and back; the event shape is untouched
    assert type(flat) is type(d) and flat.batch_shape == (size,) and flat.event_shape == event
    out["flat"] = flat.log_prob(values["flat"])
    out["flat mean"] = _moments(flat).mean
    back = flat.reshape(batch)
    assert back.batch_shape == batch
    out["back"] = back.log_prob(values["x"])
    grown = d.expand((3, *batch))  # expand, then reshape: a new batch dimension of 3 flattened with the others
    assert grown.batch_shape == (3, *batch)
    wide = grown.reshape((-1,))
    assert wide.batch_shape == (3 * size,)
    out["wide"] = wide.log_prob(values["wide"])
    out["wide variance"] = _moments(wide).variance
    every = d.to_event()  # every batch dimension joins the event
    assert isinstance(every, arraydist.Independent) and every.batch_shape == () and every.event_shape == batch + event
    if batch:  # the rightmost batch dimension joins the event; log_prob sums over it
        one = d.to_event(1)
        assert one.batch_shape == batch[:-1] and one.event_shape == batch[-1:] + event
        assert one.reshape(-1).event_shape == one.event_shape  # an Independent reshapes its base's batch part
        out["event"] = one.log_prob(values["x"])
    return out


def test_batch_operations_commute_with_log_prob(case: Case, backend: Backend, dtype: str) -> None:
    check_batch_operations(case, backend, dtype)


def check_batch_operations(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    batch, event = case.batch_shape, case.event_shape
    size = math.prod(batch)
    # values in the support, drawn once by NumPy from the same parameters (sampling is tested elsewhere, and an
    # eager JAX sampler compiles for seconds)
    x64 = np.asarray(build(case, NUMPY, dtype).sample((2,), seed=5))  # (2, *batch, *event)
    values = {
        "x": x64,
        "flat": x64.reshape((2, size, *event)),
        "wide": np.broadcast_to(x64[:, None], (2, 3, *batch, *event)).reshape((2, 3 * size, *event)),
    }
    if batch:
        values["slice"] = x64[(slice(None),) * len(batch) + (batch[-1] - 1,)]
    for i, index in enumerate(batch_indices(batch)):
        values[f"index {i}"] = x64[(slice(None), *spelled(index, len(batch)))]
    # a neutral (Python-number) case adopts the values' library
    values = {k: backend.asarray(np.ascontiguousarray(v), case.sample_dtype or dtype) for k, v in values.items()}
    if backend.name == "jax" and not d._neutral:
        import jax

        out = jax.jit(operations)(d, values)
    else:
        out = operations(d, values)
    if backend.lazy:  # one compute of every graph (their shared parts once), not one per value read
        import dask

        out = dict(zip(out, dask.compute(*out.values())))
    lp = as_numpy(out["full"], backend)
    assert lp.shape == (2, *batch)

    # explain states the shapes that sample, log_prob, mean and the parameters have
    e = d.explain((2,))
    assert e.row("sample").shape == x64.shape and e.row("log_prob").shape == lp.shape
    assert e.row("mean").shape == batch + event
    assert [dim.kind for dim in e.draw] == ["sample"] + ["batch"] * len(batch) + ["event"] * len(event)
    for row in e.rows[3:]:
        assert len(row.dims) == len(row.shape) and all(dim.kind in ("batch", "event", "param") for dim in row.dims)

    # d[..., i].log_prob(x[..., i, :]) == d.log_prob(x)[..., i]; reshape and expand commute with log_prob
    if batch:
        assert_close(out["slice"], lp[..., -1], dtype, backend)
    assert_close(out["flat"], lp.reshape(2, size), dtype, backend)
    assert_close(out["back"], lp, dtype, backend)
    assert_close(out["wide"], np.broadcast_to(lp[:, None], (2, 3, *batch)).reshape(2, 3 * size), dtype, backend)
    if batch:
        assert_close(out["event"], lp.sum(axis=-1), dtype, backend, scale=len(batch) * 10)
    # member by member: each index gives the full distribution's values at the members it names
    mean, variance = (as_numpy(out[k], backend) for k in ("mean", "variance"))
    for i, index in enumerate(batch_indices(batch)):
        lp_part, mean_part, variance_part = (as_numpy(v, backend) for v in out[f"index {i}"])
        where = spelled(index, len(batch))
        what = f"{case.name}[{index}]"
        # the same arithmetic on the same numbers: only XLA's fusion under jit may move a last bit, so the dtype's
        # tolerance, relative for the moments (a wrong tiny member's variance is not hidden by a floor of 1)
        _tolerance.assert_close(lp_part, lp[(slice(None), *where)], TOL[dtype], err_msg=f"log_prob of {what}")
        _tolerance.assert_close(mean_part, mean[where], TOL[dtype], floor=0.0, err_msg=f"mean of {what}")
        _tolerance.assert_close(variance_part, variance[where], TOL[dtype], floor=0.0, err_msg=f"variance of {what}")
    moments_event = _moments(d).event_shape  # a base's (LogisticNormal's normal has one entry fewer)
    assert_close(out["flat mean"], mean.reshape(size, *moments_event), dtype, backend)
    wide = np.broadcast_to(variance, (3, *batch, *moments_event)).reshape(3 * size, *moments_event)
    assert_close(out["wide variance"], wide, dtype, backend)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape batch_shape"):
        d.reshape((size + 1,))


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in x.shape)


def test_reshape_arguments_and_errors() -> None:
    d = arraydist.Normal(np.zeros((2, 3)), 1.0)
    assert d.reshape((3, 2)).batch_shape == (3, 2)
    assert d.reshape([6]).batch_shape == (6,)
    assert d.reshape(np.int64(6)).batch_shape == (6,)
    assert d.reshape((-1, 2)).batch_shape == (3, 2)
    assert arraydist.Normal(0.0, 1.0).reshape((1, 1)).batch_shape == (1, 1)
    assert arraydist.Normal(np.zeros((0, 3)), 1.0).reshape((3, 0)).batch_shape == (3, 0)
    with pytest.raises(ValueError, match=r"Normal.reshape: batch_shape \(-1, -1\) may have one -1"):
        d.reshape((-1, -1))
    with pytest.raises(ValueError, match=r"may have one -1 and no other negative size"):
        d.reshape((-2, -3))
    with pytest.raises(ValueError, match=r"cannot reshape batch_shape \(2, 3\) \(6 member\(s\)\) to \(4, -1\)"):
        d.reshape((4, -1))
    with pytest.raises(ValueError, match=r"to \(4,\) \(4 member\(s\)\); the event shape is not part of the batch"):
        d.reshape(4)
    with pytest.raises(ValueError, match="no size for -1 fits"):
        arraydist.Normal(np.zeros((0, 3)), 1.0).reshape((0, -1))
    for bad in (2.0, "6", (True, 6), (6, None)):
        with pytest.raises(TypeError, match="reshape: batch_shape must be an int or a sequence of ints"):
            d.reshape(bad)


def test_reshape_keeps_one_shared_matrix_and_the_parameterization() -> None:
    mvn = arraydist.MultivariateNormal(np.zeros((2, 3, 2)), scale_tril=np.eye(2))
    r = mvn.reshape(-1)
    assert r.batch_shape == (6,) and _shape(r._unbroadcasted_scale_tril) == (2, 2)  # one factor for all
    assert r._leaves == mvn._leaves
    b = arraydist.Bernoulli(logits=np.zeros((2, 2)))
    assert "logits" in b.reshape(4).__dict__ and "probs" not in b.reshape(4).__dict__


def test_reshape_of_a_torch_style_subclass_names_what_is_missing() -> None:
    class Box(arraydist.Distribution):
        arg_constraints: dict[str, Any] = {}

        def __init__(self) -> None:
            self.x = np.zeros(3)
            super().__init__((3,), ())

    with pytest.raises(NotImplementedError, match="Box does not implement reshape"):
        Box().reshape(3)


def test_reshape_and_expand_carry_gradients(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    loc = torch.zeros(2, 3, requires_grad=True)
    d = arraydist.Normal(loc, 1.0).reshape(-1).expand((4, 6))
    d.log_prob(torch.ones(4, 6)).sum().backward()
    torch.testing.assert_close(loc.grad, torch.full((2, 3), 4.0))


@pytest.mark.parametrize("name", ["normal-broadcast", "mvn-batched-cov"])
def test_negative_steps(name: str, backend: Backend) -> None:
    """``d[::-1]`` and ``d[..., ::-2]`` give the members in reverse, by values, as the other indices do (torch
    tensors refuse a negative step: the base flips the dimension and takes a positive one, on every backend)."""
    from cases import CASES_BY_NAME

    case = CASES_BY_NAME[name]
    d = build(case, backend, "float64")
    x64 = np.asarray(build(case, NUMPY, "float64").sample((2,), seed=5))
    lp = as_numpy(d.log_prob(backend.asarray(x64)), backend)
    indices: list[tuple[Any, ...]] = [(slice(None, None, -1),), (Ellipsis, slice(None, None, -2)), (slice(5, 0, -2),)]
    if len(case.batch_shape) > 1:  # two reversed dimensions, around a new axis
        indices.append((slice(None, None, -1), None, slice(-1, 0, -1)))
    for index in indices:
        where = spelled(index, len(case.batch_shape))
        part = d[index]
        values = backend.asarray(np.ascontiguousarray(x64[(slice(None), *where)]))
        _tolerance.assert_close(as_numpy(part.log_prob(values), backend), lp[(slice(None), *where)], TOL["float64"])
        _tolerance.assert_close(as_numpy(part.mean, backend), as_numpy(d.mean, backend)[where], TOL["float64"], 0.0)


def test_a_slice_that_returns_the_wrong_members_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above made to fail: open-ended slices ``d[k:]`` that return members ``k - 1 .. -1`` (the right
    shape, the wrong members), as issue 24 seeded, on a batch of different members."""
    from cases import CASES_BY_NAME

    original = arraydist.Distribution.__getitem__

    def shifted(self: Any, index: Any) -> Any:
        items = index if isinstance(index, tuple) else (index,)
        moved = tuple(
            slice(i.start - 1, -1) if isinstance(i, slice) and (i.start or 0) > 0 and i.stop is None else i
            for i in items
        )
        return original(self, moved)

    check_batch_operations(CASES_BY_NAME["normal-batched"], NUMPY, "float64")
    monkeypatch.setattr(arraydist.Distribution, "__getitem__", shifted)
    with pytest.raises(AssertionError, match=r"normal-batched\[\(slice\(1, None"):
        check_batch_operations(CASES_BY_NAME["normal-batched"], NUMPY, "float64")
