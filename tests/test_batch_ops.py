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
from backends import Backend
from cases import CASES, Case
from test_conformance import assert_close, build


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def test_batch_operations_commute_with_log_prob(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    batch, event = case.batch_shape, case.event_shape
    vdtype = case.sample_dtype or dtype
    x64 = np.asarray(d._ops.to_numpy(d.sample((2,), seed=5)))  # (2, *batch, *event)

    def as_value(a: np.ndarray) -> Any:
        return backend.asarray(a, vdtype)  # a neutral (Python-number) case adopts the value's library

    x = as_value(x64)
    lp = backend.to_numpy(d.log_prob(x))
    ev = (slice(None),) * len(event)

    # explain states the shapes that sample, log_prob, mean and the parameters have
    e = d.explain((2,))
    assert e.row("sample").shape == x64.shape and e.row("log_prob").shape == lp.shape
    assert e.row("mean").shape == tuple(d.mean.shape)
    assert [dim.kind for dim in e.draw] == ["sample"] + ["batch"] * len(batch) + ["event"] * len(event)
    for row in e.rows[3:]:
        assert len(row.dims) == len(row.shape) and all(dim.kind in ("batch", "event", "param") for dim in row.dims)

    # slicing: d[..., i].log_prob(x[..., i, :]) == d.log_prob(x)[..., i] on the last batch dimension
    if batch:
        i = batch[-1] - 1
        part = d[..., i]
        assert part.batch_shape == batch[:-1] and part.event_shape == event
        index = (slice(None),) * len(batch) + (i, *ev)
        assert_close(part.log_prob(as_value(x64[index])), lp[..., i], dtype, backend)

    # reshape: every batch member in one dimension (-1), and back; the event shape is untouched
    size = math.prod(batch)
    flat = d.reshape(-1)
    assert type(flat) is type(d) and flat.batch_shape == (size,) and flat.event_shape == event
    flat_x = x64.reshape((2, size, *event))
    assert_close(flat.log_prob(as_value(flat_x)), lp.reshape(2, size), dtype, backend)
    back = flat.reshape(batch)
    assert back.batch_shape == batch
    assert_close(back.log_prob(x), lp, dtype, backend)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape batch_shape"):
        d.reshape((size + 1,))

    # expand then reshape: a new leading batch dimension of 3, flattened with the others
    grown = d.expand((3, *batch))
    assert grown.batch_shape == (3, *batch)
    wide = grown.reshape((-1,))
    assert wide.batch_shape == (3 * size,)
    wide_x = np.broadcast_to(x64[:, None], (2, 3, *batch, *event)).reshape((2, 3 * size, *event))
    expected = np.broadcast_to(lp[:, None], (2, 3, *batch)).reshape(2, 3 * size)
    assert_close(wide.log_prob(as_value(np.ascontiguousarray(wide_x))), expected, dtype, backend)

    # to_event: the rightmost batch dimension (and then all of them) joins the event; log_prob sums over it
    if batch:
        one = d.to_event(1)
        assert isinstance(one, arraydist.Independent)
        assert one.batch_shape == batch[:-1] and one.event_shape == batch[-1:] + event
        assert_close(one.log_prob(x), lp.sum(axis=-1), dtype, backend, scale=len(batch) * 10)
        every = d.to_event()
        assert every.batch_shape == () and every.event_shape == batch + event
        # reshape of an Independent reshapes its base's batch part only
        assert one.reshape(-1).event_shape == one.event_shape
    else:
        assert d.to_event().event_shape == event and d.to_event().batch_shape == ()


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
