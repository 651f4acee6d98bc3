"""The multivariate and structural families' rows of ``benchmarks/run.py`` (issue 21, item 5): LowRankMVN's
``log_prob`` against torch.distributions and a dense MVN, MixtureSameFamily's ``log_prob``, Dirichlet's
``rsample`` with its gradient.

Each group function returns rows ``(name, ours, peer name, peer, number)``, wrapped in ``run.Row`` by
``run.py``; a row whose class is not in arraydist yet is left out, and ``continuous.SKIPPED`` says which.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from continuous import RowSpec, _have  # the row type and the skip note are shared


def lowrank_rows(quick: bool) -> list[RowSpec]:
    """LowRankMultivariateNormal.log_prob of 10^5 points, d = 256, rank 8, in float32 on torch's CPU: against
    torch.distributions' LowRankMultivariateNormal and against arraydist's dense MultivariateNormal of the same
    covariance (the distributions are built once; the rows time ``log_prob`` alone)."""
    if not _have("LowRankMultivariateNormal"):
        return []
    import torch
    import torch.distributions as td

    import arraydist as ad

    torch.set_num_threads(1)
    m, n, r = (10**4 if quick else 10**5), 256, 8
    gen = torch.Generator().manual_seed(21)
    loc = torch.randn(n, generator=gen)
    cov_factor = torch.randn(n, r, generator=gen) / r**0.5
    cov_diag = torch.rand(n, generator=gen) + 0.5
    value = loc + torch.randn(m, n, generator=gen)
    ours = ad.LowRankMultivariateNormal(loc, cov_factor, cov_diag)
    theirs = td.LowRankMultivariateNormal(loc, cov_factor, cov_diag)
    dense = ad.MultivariateNormal(loc, covariance_matrix=cov_factor @ cov_factor.T + torch.diag(cov_diag))
    name = f"LowRankMVN.log_prob, {m:.0e} x {n}, rank {r} (torch, float32)"
    return [
        (name, partial(ours.log_prob, value), "torch.distributions", partial(theirs.log_prob, value), 1),
        (name, partial(ours.log_prob, value), "arraydist dense MultivariateNormal", partial(dense.log_prob, value), 1),
    ]


def mixture_rows(quick: bool) -> list[RowSpec]:
    """MixtureSameFamily.log_prob of 10^6 points, 10 Normal components, against torch.distributions (float32,
    validation on in both, no autograd: an evaluation of a fitted mixture)."""
    if not _have("MixtureSameFamily"):
        return []
    import torch
    import torch.distributions as td

    import arraydist as ad

    torch.set_num_threads(1)
    n = 10**4 if quick else 10**6
    gen = torch.Generator().manual_seed(21)
    k = 10
    logits = torch.randn(k, generator=gen)
    loc, scale = 3.0 * torch.randn(k, generator=gen), torch.rand(k, generator=gen) + 0.5
    x = 4.0 * torch.randn(n, generator=gen)
    ours = ad.MixtureSameFamily(ad.Categorical(logits=logits), ad.Normal(loc, scale))
    theirs = td.MixtureSameFamily(td.Categorical(logits=logits), td.Normal(loc, scale))
    return [
        (f"MixtureSameFamily.log_prob, {n:.0e} points x {k} Normal components (torch)", partial(ours.log_prob, x),
         "torch.distributions", partial(theirs.log_prob, x), 1)
    ]  # fmt: skip


def dirichlet_rows(quick: bool) -> list[RowSpec]:
    """Dirichlet.rsample with its gradient, 10^5 x 10, against torch.distributions: one draw of each of 10^5
    concentration vectors of 10 entries (uniform in [0.1, 3]: below and above 1), and the gradient of a weighted
    sum of the draws (an unweighted sum is 1 per draw, whose gradient is 0 whatever the sampler)."""
    if not _have("Dirichlet"):
        return []
    import torch
    import torch.distributions as td

    import arraydist as ad

    torch.set_num_threads(1)
    n = 10**3 if quick else 10**5
    gen = torch.Generator().manual_seed(21)
    concentration = (torch.rand(n, 10, generator=gen, dtype=torch.float64) * 2.9 + 0.1).requires_grad_()
    weights = torch.rand(10, generator=gen, dtype=torch.float64)
    seed = torch.Generator().manual_seed(22)

    def ours() -> Any:
        x = ad.Dirichlet(concentration).rsample(seed=seed)
        return torch.autograd.grad((x * weights).sum(), concentration)

    def theirs() -> Any:
        x = td.Dirichlet(concentration).rsample()
        return torch.autograd.grad((x * weights).sum(), concentration)

    return [(f"Dirichlet.rsample + gradient, {n:.0e} x 10 (torch)", ours, "torch.distributions", theirs, 1)]


def torch_rows(quick: bool) -> list[RowSpec]:
    return lowrank_rows(quick) + mixture_rows(quick) + dirichlet_rows(quick)
