"""Large eager ``log_prob`` in blocks (``arraydist._blocks``): the same numbers as one whole evaluation, the
blocks taken along sample or batch dimensions as the shapes say, and never where autograd, a trace or an event
dimension is involved."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraydist as ad
from arraydist._blocks import BLOCK, BLOCKS_FROM


class _Counting:
    """Counts the calls of a family's ``_log_prob`` (one per block, or one when computed whole)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cls: type) -> None:
        self.calls = 0
        self.seen: list[Any] = []
        original = cls._log_prob

        def counted(d: Any, value: Any) -> Any:
            self.calls += 1
            self.seen.append(d)
            return original(d, value)

        monkeypatch.setattr(cls, "_log_prob", counted)


def _whole(d: ad.Distribution, value: Any) -> Any:
    return d._log_prob(value)


@pytest.mark.parametrize(
    ("batch", "value_shape", "sliced"),
    [
        ((BLOCKS_FROM,), (BLOCKS_FROM,), "batch"),  # one batch dimension, a value per member
        ((), (BLOCKS_FROM,), "sample"),  # one distribution, many values
        ((BLOCK // 4,), (16, BLOCK // 4), "sample"),  # draws of a batch: blocks of whole draws
        ((1024, BLOCKS_FROM // 1024), (1024, BLOCKS_FROM // 1024), "batch"),  # rows of a 2-d batch
    ],
)
def test_blocks_give_the_whole_evaluation(
    monkeypatch: pytest.MonkeyPatch, batch: tuple[int, ...], value_shape: tuple[int, ...], sliced: str
) -> None:
    rng = np.random.default_rng(0)
    df = rng.uniform(0.5, 30.0, batch) if batch else 4.0
    d = ad.StudentT(df, rng.standard_normal(batch) if batch else 0.5, 2.0)
    value = 3.0 * rng.standard_normal(value_shape)
    expected = _whole(d, value)
    counter = _Counting(monkeypatch, ad.StudentT)
    got = d.log_prob(value)
    assert counter.calls >= 4  # computed in blocks
    # blocks of draws share the distribution; blocks of batch members take its slices
    assert all((part is d) == (sliced == "sample") for part in counter.seen)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)


def test_a_small_or_multivariate_evaluation_is_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _Counting(monkeypatch, ad.Normal)
    ad.Normal(0.0, 1.0).log_prob(np.zeros(BLOCKS_FROM - 1))
    assert counter.calls == 1
    counter = _Counting(monkeypatch, ad.MultivariateNormal)
    mvn = ad.MultivariateNormal(np.zeros(4), np.eye(4))
    mvn.log_prob(np.zeros((BLOCKS_FROM // 4 * 4, 4)))  # event dimensions: whole
    assert counter.calls == 1


def test_torch_blocks_only_without_a_tape(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    counter = _Counting(monkeypatch, ad.Normal)
    loc = torch.zeros(BLOCKS_FROM, dtype=torch.float64, requires_grad=True)
    value = torch.linspace(-3, 3, BLOCKS_FROM, dtype=torch.float64)
    d = ad.Normal(loc, 2.0)
    out = d.log_prob(value)
    assert counter.calls == 1  # autograd records it: whole, and the gradient flows
    out.sum().backward()
    torch.testing.assert_close(loc.grad, value / 4.0)
    with torch.no_grad():
        blocked = d.log_prob(value)
    assert counter.calls > 4
    torch.testing.assert_close(blocked, out.detach(), rtol=1e-15, atol=0)  # one rounding: SIMD lanes differ


def _composites() -> list[tuple[str, Any, Any, str]]:
    rng = np.random.default_rng(1)
    n = BLOCKS_FROM
    members = BLOCK // 4
    return [
        ("LogNormal", ad.LogNormal(rng.standard_normal(n), 0.5), rng.lognormal(size=n), "_log_prob"),
        ("Poisson", ad.Poisson(3.5), rng.poisson(3.5, n).astype(np.float64), "_log_prob"),
        ("TruncatedNormal", ad.TruncatedNormal(0.0, 1.0, -1.0, 2.0), rng.uniform(-1, 2, n), "_cdf"),
        (
            "MixtureSameFamily",
            ad.MixtureSameFamily(ad.Categorical(probs=np.full((members, 3), 1 / 3)), ad.Normal(np.zeros(3), 1.0)),
            rng.standard_normal((16, members)),
            "_log_prob",
        ),
        ("Gamma.icdf", ad.Gamma(rng.uniform(0.5, 5.0, n), 2.0), rng.uniform(0.01, 0.99, n), "_icdf"),
    ]


@pytest.mark.parametrize("index", range(5), ids=[c[0] for c in _composites()])
def test_blocks_of_composites_discrete_and_tail_methods(monkeypatch: pytest.MonkeyPatch, index: int) -> None:
    _, d, value, method = _composites()[index]
    expected = getattr(d, method)(value)
    calls = []
    original = getattr(type(d), method)
    monkeypatch.setattr(type(d), method, lambda self, v: calls.append(v.shape) or original(self, v))
    got = {"_log_prob": d.log_prob, "_cdf": d.cdf, "_icdf": d.icdf}[method](value)
    assert len(calls) >= 4
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
