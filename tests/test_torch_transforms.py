"""PyTorch beyond eager CPU: torch.compile(fullgraph=True), torch.func.vmap / grad, CUDA devices."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import arraydist
from arraydist import Independent, MultivariateNormal, Normal
from cases import CASES, Case

torch = pytest.importorskip("torch")

ARRAY_CASES = [c for c in CASES if "neutral" not in c.tags]
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")


@pytest.fixture
def no_validation() -> Any:
    arraydist.set_default_validate_args(False)
    yield
    arraydist.set_default_validate_args(True)


@pytest.mark.parametrize("case", ARRAY_CASES, ids=str)
def test_compile_fullgraph_build_sample_log_prob_entropy(case: Case, no_validation: None) -> None:
    """One graph (no break) of construction, draws (``rsample``, or ``sample`` for discrete families),
    ``log_prob`` and ``entropy``; the compiled values equal the eager ones."""
    leaves: list[Any] = []
    reference = case.build(arraydist, lambda x: leaves.append(torch.as_tensor(np.array(x))) or leaves[-1])
    value = reference.sample((2,), seed=0)

    def step(value: Any, *params: Any) -> tuple[Any, Any, Any]:
        it = iter(params)
        d = case.build(arraydist, lambda _: next(it))
        draws = d.rsample((3,)) if d.has_rsample else d.sample((3,))
        return draws, d.log_prob(value), entropy_of(case, d)

    torch._dynamo.reset()
    compiled = torch.compile(step, fullgraph=True, backend="aot_eager")
    draws, lp, h = compiled(value, *leaves)
    assert tuple(draws.shape) == (3, *case.batch_shape, *case.event_shape)
    assert draws.dtype == reference.sample(seed=0).dtype
    torch.testing.assert_close(lp, reference.log_prob(value))
    torch.testing.assert_close(h, entropy_of(case, reference))


def entropy_of(case: Case, d: Any) -> Any:
    """The entropy where the case has one that traces (else zeros of the batch shape, to keep one code path)."""
    if case.has_entropy and case.traced_entropy:
        return d.entropy()
    return torch.zeros(d.batch_shape, dtype=torch.float64)


@pytest.mark.complement_only  # inductor builds its C++ headers the first time on a machine: 25 s cold
def test_compiled_vae_step_with_inductor() -> None:
    def step(loc: Any, scale: Any) -> Any:
        q = Normal(loc, scale, validate_args=False)
        z = q.rsample()
        return (q.log_prob(z) + arraydist.kl_divergence(q, Normal(0.0, 1.0, validate_args=False))).sum()

    loc = torch.zeros(3, 2, requires_grad=True)
    scale = torch.full((3, 2), 0.5, requires_grad=True)
    torch._dynamo.reset()
    loss = torch.compile(step, fullgraph=True)(loc, scale)
    loss.backward()
    # d/dloc [log q(z) + KL(q || N(0, 1))] = 0 + loc = 0 at loc = 0; d/dscale = -1/scale + (scale - 1/scale)
    torch.testing.assert_close(loc.grad, torch.zeros(3, 2))
    torch.testing.assert_close(scale.grad, torch.full((3, 2), -2.0 + 0.5 - 2.0))


FIRST_USE_UNDER_COMPILE = """
import arraydist  # before torch: nothing of the torch backend is loaded yet
import torch

def step(loc, scale):
    q = arraydist.Normal(loc, scale)
    return (q.log_prob(q.rsample()) + arraydist.kl_divergence(q, arraydist.Normal(0.0, 1.0))).sum()

loss = torch.compile(step, fullgraph=True, backend="aot_eager")(torch.zeros(3, 2), torch.ones(3, 2))
print(tuple(loss.shape), bool(torch.isfinite(loss)))
"""


def test_first_use_inside_torch_compile() -> None:
    # the backend module is imported while the tracer runs (a statement it follows, not importlib)
    result = subprocess.run([sys.executable, "-c", FIRST_USE_UNDER_COMPILE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "() True"


@pytest.mark.parametrize("validate", [False, True])
def test_func_vmap_over_parameters(validate: bool) -> None:
    locs = torch.randn(5, 3, dtype=torch.float64)
    x = torch.randn(3, dtype=torch.float64)
    lp = torch.func.vmap(lambda m: Normal(m, 2.0, validate_args=validate).log_prob(x))(locs)
    torch.testing.assert_close(lp, Normal(locs, 2.0).log_prob(x))
    cov = torch.eye(3, dtype=torch.float64) * 0.5
    lp = torch.func.vmap(lambda m: MultivariateNormal(m, covariance_matrix=cov, validate_args=validate).log_prob(x))(
        locs
    )
    torch.testing.assert_close(lp, MultivariateNormal(locs, covariance_matrix=cov).log_prob(x))
    iid = torch.func.vmap(lambda m: Independent(Normal(m, 1.0, validate_args=validate), 1).entropy())(locs)
    torch.testing.assert_close(iid, torch.full((5,), 3 * (0.5 + 0.5 * math.log(2 * math.pi)), dtype=torch.float64))
    draws = torch.func.vmap(lambda m: Normal(m, 1.0, validate_args=validate).rsample(), randomness="different")(locs)
    assert draws.shape == (5, 3)


@pytest.mark.parametrize("validate", [False, True])
def test_func_grad(validate: bool) -> None:
    loc = torch.tensor([0.5, -1.0], dtype=torch.float64)
    x = torch.tensor([1.0, 1.0], dtype=torch.float64)
    grad = torch.func.grad(lambda m: Normal(m, 2.0, validate_args=validate).log_prob(x).sum())(loc)
    torch.testing.assert_close(grad, (x - loc) / 4.0)
    kl_grad = torch.func.grad(lambda m: arraydist.kl_divergence(Normal(m, 1.0), Normal(0.0, 1.0)).sum())(loc)
    torch.testing.assert_close(kl_grad, loc)


@cuda
def test_cuda_parameters_constants_and_generators() -> None:
    device = torch.device("cuda")
    loc = torch.zeros(3, 2, device=device, requires_grad=True)
    q = Normal(loc, torch.ones(3, 2, device=device))
    assert q.device == loc.device
    z = q.rsample((4,), seed=torch.Generator(device=device).manual_seed(0))
    assert z.device.type == "cuda"
    assert q.sample(seed=1).device.type == "cuda"  # an int seed makes a generator on the parameters' device
    kl = arraydist.kl_divergence(q, Normal(0.0, 1.0))
    assert kl.device.type == "cuda"
    (q.log_prob(z).sum() + kl.sum()).backward()
    assert loc.grad.device.type == "cuda"
    mvn = MultivariateNormal(torch.zeros(2, device=device), covariance_matrix=torch.eye(2, device=device))
    assert mvn.log_prob(mvn.sample((5,), seed=0)).device.type == "cuda"
    np.testing.assert_allclose(Normal(0.0, 1.0).cdf(torch.zeros(2, device=device)).cpu().numpy(), [0.5, 0.5])
