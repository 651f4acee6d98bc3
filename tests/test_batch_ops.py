"""Batch operations written once in the base class, on every registry case and backend: slicing, ``reshape``,
``expand`` and ``to_event`` commute with ``log_prob``, and ``explain`` states the shapes that come out.

One test per case, backend and dtype (one build, one set of draws, every operation checked on them), so the
matrix of ``_matrix.py`` applies and a case costs one test, not one per operation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import arraydist
from backends import NUMPY, Backend
from cases import CASES, Case
from test_conformance import assert_close, build


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def operations(d: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Every batch operation on ``d``, its shapes asserted, and ``log_prob`` of each result at its value.  On JAX
    it runs inside one ``jax.jit`` (shapes are static there): one compilation instead of one per eager
    operation and shape, which took this test from 10-20 s to about 1 s per case."""
    batch, event = d.batch_shape, d.event_shape
    size = math.prod(batch)
    out = {"full": d.log_prob(values["x"])}
    if batch:  # slicing the last batch dimension
        part = d[..., batch[-1] - 1]
        assert part.batch_shape == batch[:-1] and part.event_shape == event
        out["slice"] = part.log_prob(values["slice"])
    flat = d.reshape(-1)  # every batch member in one dimension, and back; the event shape is untouched
    assert type(flat) is type(d) and flat.batch_shape == (size,) and flat.event_shape == event
    out["flat"] = flat.log_prob(values["flat"])
    back = flat.reshape(batch)
    assert back.batch_shape == batch
    out["back"] = back.log_prob(values["x"])
    grown = d.expand((3, *batch))  # expand, then reshape: a new batch dimension of 3 flattened with the others
    assert grown.batch_shape == (3, *batch)
    wide = grown.reshape((-1,))
    assert wide.batch_shape == (3 * size,)
    out["wide"] = wide.log_prob(values["wide"])
    every = d.to_event()  # every batch dimension joins the event
    assert isinstance(every, arraydist.Independent) and every.batch_shape == () and every.event_shape == batch + event
    if batch:  # the rightmost batch dimension joins the event; log_prob sums over it
        one = d.to_event(1)
        assert one.batch_shape == batch[:-1] and one.event_shape == batch[-1:] + event
        assert one.reshape(-1).event_shape == one.event_shape  # an Independent reshapes its base's batch part
        out["event"] = one.log_prob(values["x"])
    return out


def test_batch_operations_commute_with_log_prob(case: Case, backend: Backend, dtype: str) -> None:
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
    # a neutral (Python-number) case adopts the values' library
    values = {k: backend.asarray(np.ascontiguousarray(v), case.sample_dtype or dtype) for k, v in values.items()}
    if backend.name == "jax" and not d._neutral:
        import jax

        out = jax.jit(operations)(d, values)
    else:
        out = operations(d, values)
    lp = backend.to_numpy(out["full"])
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
