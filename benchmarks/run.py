"""Speed of arraydist against its peers, as ratios measured in one run.

    python benchmarks/run.py            # full sizes (about a minute on two cores)
    python benchmarks/run.py --quick    # small sizes, a smoke test of the benchmark itself
    python benchmarks/run.py --cuda     # the GPU rows only (torch on CUDA, and CuPy where installed)

Every row times arraydist and a peer (torch.distributions, scipy.stats) on the same inputs, interleaving their
repetitions so that drifts of the machine's speed affect both alike, and reports the best time of each and
``ratio = peer time / arraydist time`` (above 1: arraydist is faster).  The CPU rows run on one thread.
Timings are never asserted in the test suite: this table is where performance is read.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

import arraydist as ad


@dataclass
class Row:
    name: str
    ours: Callable[[], Any]
    peer_name: str
    peer: Callable[[], Any]
    number: int
    #: at least this many interleaved repetitions (a row of short steps, whose best of 7 moves by 15 % from run
    #: to run on a shared machine); an explicit --repeats wins
    min_repeats: int = 0


def best_times(row: Row, repeats: int) -> tuple[float, float]:
    ours = peer = math.inf
    # warm-up, one timed-size batch of each (imports, caches, the allocator, the CPU's clock): steady state only
    timeit.timeit(row.ours, number=row.number)
    timeit.timeit(row.peer, number=row.number)
    for _ in range(repeats):
        ours = min(ours, timeit.timeit(row.ours, number=row.number) / row.number)
        peer = min(peer, timeit.timeit(row.peer, number=row.number) / row.number)
    return ours, peer


def torch_rows(quick: bool) -> list[Row]:
    import torch
    import torch.distributions as td

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    mu = torch.randn(3, 2, generator=gen, requires_grad=True)
    sigma = (torch.rand(3, 2, generator=gen) + 0.5).requires_grad_()

    def vae_ours(validate: bool | None) -> Callable[[], Any]:
        def step() -> Any:
            q = ad.Normal(mu, sigma, validate_args=validate)
            z = q.rsample()
            return q.log_prob(z), ad.kl_divergence(q, ad.Normal(0.0, 1.0, validate_args=validate))

        return step

    def vae_torch(validate: bool | None) -> Callable[[], Any]:
        def step() -> Any:
            q = td.Normal(mu, sigma, validate_args=validate)
            z = q.rsample()
            prior = td.Normal(torch.zeros_like(mu), torch.ones_like(sigma), validate_args=validate)
            return q.log_prob(z), td.kl_divergence(q, prior)

        return step

    def with_backward(step: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> None:
            lp, kl = step()
            (kl.sum() - lp.sum()).backward()

        return run

    # the tutorial's MultivariateNormal step: build from the (3, 2, 2) covariances, 100 draws, their log density
    mean = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], requires_grad=True)
    cov = (0.1 * torch.eye(2)).expand(3, 2, 2).clone()

    def mvn_ours(validate: bool | None) -> Callable[[], Any]:
        def step() -> Any:
            d = ad.MultivariateNormal(mean, covariance_matrix=cov, validate_args=validate)
            return d.log_prob(d.rsample((100,)))

        return step

    def mvn_torch(validate: bool | None) -> Callable[[], Any]:
        def step() -> Any:
            d = td.MultivariateNormal(mean, covariance_matrix=cov, validate_args=validate)
            return d.log_prob(d.rsample((100,)))

        return step

    steps = 200 if quick else 2000
    return [
        Row(
            "VAE step (3, 2), validation on",
            vae_ours(None),
            "torch.distributions (validation on)",
            vae_torch(None),
            steps,
        ),
        Row(
            "VAE step (3, 2), validation on",
            vae_ours(None),
            "torch.distributions (validate_args=False)",
            vae_torch(False),
            steps,
        ),
        Row(
            "VAE step (3, 2), validation off",
            vae_ours(False),
            "torch.distributions (validate_args=False)",
            vae_torch(False),
            steps,
        ),
        Row(
            "VAE step + backward, validation on",
            with_backward(vae_ours(None)),
            "torch.distributions (validation on)",
            with_backward(vae_torch(None)),
            steps // 2,
        ),
        Row(
            "Tutorial MVN step (3, 2, 2), validation on",
            mvn_ours(None),
            "torch.distributions (validation on)",
            mvn_torch(None),
            steps // 4,
        ),
        Row(
            "Tutorial MVN step (3, 2, 2), validation on",
            mvn_ours(None),
            "torch.distributions (validate_args=False)",
            mvn_torch(False),
            steps // 4,
        ),
    ]


def torch_large_rows(quick: bool) -> list[Row]:
    import torch
    import torch.distributions as td

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1)
    n = 10**5 if quick else 10**7
    value, loc, scale = torch.randn(n, generator=gen), torch.randn(n, generator=gen), torch.rand(n, generator=gen) + 0.5
    big_ours, big_torch = ad.Normal(loc, scale), td.Normal(loc, scale)
    k = 8
    cov = torch.eye(k) + 0.3 * torch.ones(k, k)
    mvn_loc = torch.randn(16, k, generator=gen)
    m = 10**3 if quick else 10**5
    mvn_value = torch.randn(m, 16, k, generator=gen)
    mvn_ours = ad.MultivariateNormal(mvn_loc, covariance_matrix=cov)
    mvn_torch = td.MultivariateNormal(mvn_loc, covariance_matrix=cov)
    return [
        Row(
            f"Normal.log_prob, {n:.0e} elements (torch)",
            lambda: big_ours.log_prob(value),
            "torch.distributions",
            lambda: big_torch.log_prob(value),
            3,
        ),
        Row(
            f"Normal.rsample, {n:.0e} draws (torch)",
            lambda: big_ours.rsample(),
            "torch.distributions",
            lambda: big_torch.rsample(),
            3,
        ),
        Row(
            f"MVN.log_prob, {m:.0e} x 16 batch x {k}-dim (torch)",
            lambda: mvn_ours.log_prob(mvn_value),
            "torch.distributions",
            lambda: mvn_torch.log_prob(mvn_value),
            3,
        ),
    ]


def rl_rows(quick: bool) -> list[Row]:
    """The policy-gradient step: a Categorical policy over 6 actions for a batch of 64 states (build, draw the
    actions, their log-probabilities, the entropy bonus), and a masked policy over 1000 actions."""
    import torch
    import torch.distributions as td

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(64, 6, generator=gen, requires_grad=True)
    advantage = torch.randn(64, generator=gen)

    def ours(validate: bool | None) -> Callable[[], Any]:
        def step() -> Any:
            pi = ad.Categorical(logits=logits, validate_args=validate)
            a = pi.sample()
            return pi.log_prob(a), pi.entropy()

        return step

    def theirs(validate: bool | None) -> Callable[[], Any]:
        def step() -> Any:
            pi = td.Categorical(logits=logits, validate_args=validate)
            a = pi.sample()
            return pi.log_prob(a), pi.entropy()

        return step

    def raw() -> Any:
        # the floor: the same operations in plain torch, no distribution object
        log_p = torch.log_softmax(logits, dim=-1)
        p = log_p.exp()
        a = torch.multinomial(p.detach(), 1, replacement=True)
        return log_p.gather(-1, a).squeeze(-1), -(p * log_p).sum(-1)

    def with_backward(step: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> None:
            lp, entropy = step()
            (-(lp * advantage).sum() - 0.01 * entropy.sum()).backward()

        return run

    mask = torch.rand(64, 1000, generator=gen) < 0.5
    mask[:, 0] = True  # every state has an allowed action
    wide = torch.randn(64, 1000, generator=gen)
    masked = torch.where(mask, wide, torch.tensor(-torch.inf))

    def masked_ours() -> Any:
        pi = ad.Categorical(logits=masked)
        a = pi.sample()
        return pi.log_prob(a), pi.entropy()

    def masked_theirs() -> Any:
        pi = td.Categorical(logits=masked)
        a = pi.sample()
        return pi.log_prob(a), pi.entropy()

    steps = 200 if quick else 2000
    best_of = 21  # the steps take 0.1 to 0.4 ms: more repetitions for a stable best
    return [
        Row("RL step, Categorical 64 x 6, validation on", ours(None), "torch.distributions (validation on)",
            theirs(None), steps, best_of),
        Row("RL step, Categorical 64 x 6, validation on", ours(None), "torch.distributions (validate_args=False)",
            theirs(False), steps, best_of),
        Row("RL step, Categorical 64 x 6, validation on", ours(None), "raw torch (the floor)", raw, steps, best_of),
        Row("RL step + backward, validation on", with_backward(ours(None)), "torch.distributions (validation on)",
            with_backward(theirs(None)), steps // 2, best_of),
        Row("RL step + backward, validation on", with_backward(ours(None)),
            "torch.distributions (validate_args=False)", with_backward(theirs(False)), steps // 2, best_of),
        Row("RL step + backward, validation on", with_backward(ours(None)), "raw torch (the floor)",
            with_backward(raw), steps // 2, best_of),
        Row("Masked Categorical 64 x 1000, validation on", masked_ours, "torch.distributions (validation on)",
            masked_theirs, steps // 10),
    ]  # fmt: skip


def sac_rows(quick: bool) -> list[Row]:
    """The SAC actor step: a squashed Gaussian policy over 6 actions for a batch of 256 states (build, a
    reparameterized action, its log-density summed over the action), with and without backward; and a flow of 8
    Affine + Tanh layers evaluating 10^6 x 16 points."""
    import torch
    import torch.distributions as td

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(3)
    mu = torch.randn(256, 6, generator=gen, requires_grad=True)
    log_std = (0.5 * torch.randn(256, 6, generator=gen)).requires_grad_()
    half_log_2pi = 0.5 * math.log(2 * math.pi)

    def ours(validate: bool | None) -> Callable[[], Any]:
        tanh = ad.transforms.TanhTransform()

        def step() -> Any:
            pi = ad.TransformedDistribution(ad.Normal(mu, log_std.exp(), validate_args=validate), [tanh])
            action, log_p = pi.rsample_and_log_prob()
            return action, log_p.sum(-1)

        return step

    def theirs(validate: bool | None, cache_size: int = 0) -> Callable[[], Any]:
        def step() -> Any:
            base = td.Normal(mu, log_std.exp(), validate_args=validate)
            pi = td.TransformedDistribution(base, [td.TanhTransform(cache_size=cache_size)], validate_args=validate)
            action = pi.rsample()
            return action, pi.log_prob(action).sum(-1)

        return step

    def raw() -> Any:
        # the floor: the same operations in plain torch, no distribution object
        std = log_std.exp()
        eps = torch.randn_like(mu)
        x = mu + std * eps
        log_det = 2.0 * (math.log(2.0) - x - torch.nn.functional.softplus(-2.0 * x))
        return torch.tanh(x), (-0.5 * eps * eps - log_std - half_log_2pi - log_det).sum(-1)

    def with_backward(step: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> None:
            action, log_p = step()
            (0.2 * log_p - action.sum(-1)).mean().backward()

        return run

    n = 10_000 if quick else 1_000_000
    layers = [(torch.randn(16, generator=gen) * 0.1, torch.rand(16, generator=gen) + 0.5) for _ in range(8)]
    ours_flow = ad.TransformedDistribution(
        ad.Normal(torch.zeros(16), 1.0),
        [
            t
            for loc, scale in layers
            for t in (ad.transforms.AffineTransform(loc, scale), ad.transforms.TanhTransform())
        ],
    )
    their_flow = td.TransformedDistribution(
        td.Independent(td.Normal(torch.zeros(16), 1.0), 0),
        [t for loc, scale in layers for t in (td.AffineTransform(loc, scale), td.TanhTransform())],
    )
    with torch.no_grad():
        points = ours_flow.sample((n,), seed=torch.Generator().manual_seed(4))
        points = points.clamp(-1 + 1e-6, 1 - 1e-6)  # inside the open codomain for torch's inverse too

    steps = 200 if quick else 2000
    best_of = 21
    return [
        Row("SAC step 256 x 6, validation on", ours(None), "torch.distributions (validation on)", theirs(None),
            steps, best_of),
        Row("SAC step 256 x 6, validation on", ours(None), "torch.distributions (validate_args=False)",
            theirs(False), steps, best_of),
        Row("SAC step 256 x 6, validation on", ours(None), "torch.distributions (cache_size=1)",
            theirs(None, 1), steps, best_of),
        Row("SAC step 256 x 6, validation on", ours(None), "raw torch (the floor)", raw, steps, best_of),
        Row("SAC step + backward, validation on", with_backward(ours(None)), "torch.distributions (validation on)",
            with_backward(theirs(None)), steps // 2, best_of),
        Row("SAC step + backward, validation on", with_backward(ours(None)),
            "torch.distributions (validate_args=False)", with_backward(theirs(False)), steps // 2, best_of),
        Row("SAC step + backward, validation on", with_backward(ours(None)), "raw torch (the floor)",
            with_backward(raw), steps // 2, best_of),
        Row(f"Flow 8 x (Affine, Tanh), log_prob {n:.0e} x 16", partial(ours_flow.log_prob, points),
            "torch.distributions (validation on)", partial(their_flow.log_prob, points), 1),
    ]  # fmt: skip


def squashed_nonfinite(quick: bool) -> str:
    """How many float32 log-densities of a squashed Gaussian's own actions are not finite, for wide policies
    (scales from 0.1 to 30), in arraydist and torch.distributions, in the same run."""
    import torch
    import torch.distributions as td

    n = 100 if quick else 1000
    gen = torch.Generator().manual_seed(5)
    loc = torch.randn(n, 1, generator=gen) * 3.0
    scale = torch.logspace(-1, math.log10(30.0), n).reshape(n, 1)
    ours = ad.TransformedDistribution(ad.Normal(loc, scale), [ad.transforms.TanhTransform()])
    action, log_p = ours.rsample_and_log_prob((1000,), seed=torch.Generator().manual_seed(6))
    counts = {
        "arraydist rsample_and_log_prob": int((~torch.isfinite(log_p)).sum()),
        "arraydist log_prob(action)": int((~torch.isfinite(ours.log_prob(action))).sum()),
    }
    for cache in (0, 1):
        theirs = td.TransformedDistribution(td.Normal(loc, scale), [td.TanhTransform(cache_size=cache)])
        torch.manual_seed(6)
        a = theirs.rsample((1000,))
        counts[f"torch.distributions cache_size={cache}"] = int((~torch.isfinite(theirs.log_prob(a))).sum())
    listed = ", ".join(f"{k}: {v}" for k, v in counts.items())
    return f"non-finite log_prob among {1000 * n:.0e} float32 squashed actions (scales 0.1 to 30): {listed}"


def count_rows(quick: bool) -> list[Row]:
    """Poisson and Binomial draws, one per parameter of a large batch, against the backend's own sampler."""
    import torch

    torch.set_num_threads(1)
    n = 10**5 if quick else 10**7
    host = np.random.default_rng(3)
    rates_np = host.uniform(0.5, 20.0, n)
    probs_np = host.uniform(0.05, 0.95, n)
    rates, probs = torch.as_tensor(rates_np), torch.as_tensor(probs_np)
    count = torch.full((n,), 100.0, dtype=torch.float64)
    poisson_t, binomial_t = ad.Poisson(rates), ad.Binomial(count, probs)
    poisson_n, binomial_n = ad.Poisson(rates_np), ad.Binomial(100.0, probs_np)
    gen = torch.Generator().manual_seed(4)
    rng_ours, rng_numpy = np.random.default_rng(5), np.random.default_rng(5)
    return [
        Row(f"Poisson.sample, {n:.0e} draws (torch)", lambda: poisson_t.sample(seed=gen), "torch.poisson",
            lambda: torch.poisson(rates, generator=gen), 1),
        Row(f"Binomial(100).sample, {n:.0e} draws (torch)", lambda: binomial_t.sample(seed=gen), "torch.binomial",
            lambda: torch.binomial(count, probs, generator=gen), 1),
        Row(f"Poisson.sample, {n:.0e} draws (numpy)", lambda: poisson_n.sample(seed=rng_ours),
            "numpy Generator.poisson", lambda: rng_numpy.poisson(rates_np), 1),
        Row(f"Binomial(100).sample, {n:.0e} draws (numpy)", lambda: binomial_n.sample(seed=rng_ours),
            "numpy Generator.binomial", lambda: rng_numpy.binomial(100, probs_np), 1),
    ]  # fmt: skip


def count_log_prob_rows(quick: bool) -> list[Row]:
    """Poisson and Binomial log-masses at counts up to 1e4: float64 in the lgamma form, as torch and SciPy;
    float32 in the saddle-point form (what float32's resolution costs: torch's float32 lgamma form is off in
    the third digit there)."""
    import torch
    import torch.distributions as td
    from scipy import stats

    torch.set_num_threads(1)
    m = 10**4 if quick else 10**6
    host = np.random.default_rng(6)
    rates_np = host.uniform(0.5, 1e4, m)
    counts_np = host.poisson(rates_np).astype(np.float64)
    probs_np = host.uniform(0.05, 0.95, m)
    successes_np = host.binomial(10_000, probs_np).astype(np.float64)
    rows = []
    for dtype in (torch.float64, torch.float32):
        rates, counts = torch.as_tensor(rates_np, dtype=dtype), torch.as_tensor(counts_np, dtype=dtype)
        ours, theirs = ad.Poisson(rates), td.Poisson(rates)
        name = str(dtype).rpartition(".")[2]
        rows.append(
            Row(
                f"Poisson.log_prob, {m:.0e} counts to 1e4 ({name}, torch)",
                partial(ours.log_prob, counts),
                "torch.distributions.Poisson.log_prob",
                partial(theirs.log_prob, counts),
                3,
            )
        )
    ours_np = ad.Binomial(10_000.0, probs_np)
    rows.append(
        Row(f"Binomial(1e4).log_prob, {m:.0e} counts (numpy)", partial(ours_np.log_prob, successes_np),
            "scipy.stats.binom.logpmf", partial(stats.binom.logpmf, successes_np, 10_000, probs_np), 3)
    )  # fmt: skip
    return rows


def cuda_rows(quick: bool) -> list[Row]:
    """The same work on one CUDA GPU: arraydist on torch (and on CuPy) against torch.distributions on the device.

    Every call ends with a device synchronisation, so that the time is the kernels' and not their launch.
    """
    import torch
    import torch.distributions as td

    dev = torch.device("cuda")
    sync = torch.cuda.synchronize
    gen = torch.Generator(device=dev).manual_seed(2)

    def synced(f: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            out = f()
            sync()
            return out

        return run

    n = 10**6 if quick else 10**8
    value, loc = torch.randn(n, generator=gen, device=dev), torch.randn(n, generator=gen, device=dev)
    scale = torch.rand(n, generator=gen, device=dev) + 0.5
    big_ours, big_torch = ad.Normal(loc, scale), td.Normal(loc, scale)
    mu = torch.randn(3, 2, generator=gen, device=dev, requires_grad=True)
    sigma = (torch.rand(3, 2, generator=gen, device=dev) + 0.5).requires_grad_()

    def vae_ours() -> Any:
        q = ad.Normal(mu, sigma)
        return q.log_prob(q.rsample()), ad.kl_divergence(q, ad.Normal(0.0, 1.0))

    def vae_torch() -> Any:
        q = td.Normal(mu, sigma)
        prior = td.Normal(torch.zeros_like(mu), torch.ones_like(sigma))
        return q.log_prob(q.rsample()), td.kl_divergence(q, prior)

    k, m = 8, (10**4 if quick else 10**5)
    cov = torch.eye(k, device=dev) + 0.3 * torch.ones(k, k, device=dev)
    mvn_loc = torch.randn(16, k, generator=gen, device=dev)
    mvn_value = torch.randn(m, 16, k, generator=gen, device=dev)
    mvn_ours = ad.MultivariateNormal(mvn_loc, covariance_matrix=cov)
    mvn_torch = td.MultivariateNormal(mvn_loc, covariance_matrix=cov)
    rows = [
        Row(
            "VAE step (3, 2), validation on (cuda)",
            synced(vae_ours),
            "torch.distributions (cuda, validation on)",
            synced(vae_torch),
            100 if quick else 1000,
        ),
        Row(
            f"Normal.log_prob, {n:.0e} elements (torch cuda)",
            synced(lambda: big_ours.log_prob(value)),
            "torch.distributions (cuda)",
            synced(lambda: big_torch.log_prob(value)),
            5,
        ),
        Row(
            f"Normal.rsample, {n:.0e} draws (torch cuda)",
            synced(lambda: big_ours.rsample()),
            "torch.distributions (cuda)",
            synced(lambda: big_torch.rsample()),
            5,
        ),
    ]
    if importlib.util.find_spec("cupy") is not None:
        import cupy

        c_value, c_loc, c_scale = (cupy.from_dlpack(t.detach()) for t in (value, loc, scale))
        c_ours = ad.Normal(c_loc, c_scale)

        def cupy_synced(f: Callable[[], Any]) -> Callable[[], Any]:
            def run() -> Any:
                out = f()
                cupy.cuda.get_current_stream().synchronize()
                return out

            return run

        rows.append(
            Row(
                f"Normal.log_prob, {n:.0e} elements (cupy)",
                cupy_synced(lambda: c_ours.log_prob(c_value)),
                "torch.distributions (cuda)",
                synced(lambda: big_torch.log_prob(value)),
                5,
            )
        )
    rows.append(
        Row(
            f"MVN.log_prob, {m:.0e} x 16 x {k}-dim (torch cuda)",
            synced(lambda: mvn_ours.log_prob(mvn_value)),
            "torch.distributions (cuda)",
            synced(lambda: mvn_torch.log_prob(mvn_value)),
            1,  # torch.distributions takes seconds here (one triangular solve with 1.6e6 columns on the GPU)
        )
    )
    return rows


def mlx_rows(quick: bool) -> list[Row]:
    """MLX on its default device (the CPU on Linux): arraydist against the same computation written in raw MLX,
    each evaluated (``mx.eval``: MLX is lazy) in the timed call."""
    import mlx.core as mx

    n = 10**5 if quick else 10**7
    x = mx.random.normal((n,), key=mx.random.key(0))
    loc, scale = mx.array(0.3), mx.array(1.7)
    mx.eval(x)
    half_log_2pi = 0.5 * math.log(2 * math.pi)

    def log_prob_ours() -> None:
        mx.eval(ad.Normal(loc, scale).log_prob(x))

    def log_prob_raw() -> None:
        z = (x - loc) / scale
        mx.eval(-0.5 * z * z - mx.log(scale) - half_log_2pi)

    mu = mx.random.normal((3, 2), key=mx.random.key(1))
    sigma = mx.random.uniform(shape=(3, 2), key=mx.random.key(2)) + 0.5
    key = mx.random.key(3)

    def vae_loss(validate: bool | None) -> Callable[[Any, Any], Any]:
        def loss(mu: Any, sigma: Any) -> Any:
            q = ad.Normal(mu, sigma, validate_args=validate)
            z = q.rsample(seed=key)
            return ad.kl_divergence(q, ad.Normal(0.0, 1.0, validate_args=validate)).sum() - q.log_prob(z).sum()

        return loss

    def vae_loss_raw(mu: Any, sigma: Any) -> Any:
        z = mu + sigma * mx.random.normal(mu.shape, key=key)
        w = (z - mu) / sigma
        lp = -0.5 * w * w - mx.log(sigma) - half_log_2pi
        kl = -mx.log(sigma) + 0.5 * (sigma * sigma + mu * mu) - 0.5
        return kl.sum() - lp.sum()

    grad_ours = mx.value_and_grad(vae_loss(None), argnums=(0, 1))
    grad_unchecked = mx.value_and_grad(vae_loss(False), argnums=(0, 1))
    grad_raw = mx.value_and_grad(vae_loss_raw, argnums=(0, 1))
    return [
        Row(f"mlx Normal.log_prob, {n:.0e} values", log_prob_ours, "the same expression in raw MLX",
            log_prob_raw, 3 if quick else 5),
        Row("mlx VAE step (rsample, log_prob, KL, grad), validation on", lambda: mx.eval(grad_ours(mu, sigma)),
            "the same step in raw MLX", lambda: mx.eval(grad_raw(mu, sigma)), 200, min_repeats=15),
        Row("mlx VAE step, validate_args=False", lambda: mx.eval(grad_unchecked(mu, sigma)),
            "the same step in raw MLX", lambda: mx.eval(grad_raw(mu, sigma)), 200, min_repeats=15),
    ]  # fmt: skip


def numpy_rows(quick: bool) -> list[Row]:
    from scipy import stats

    rng = np.random.default_rng(0)
    n = 10**5 if quick else 10**7
    value, loc, scale = rng.standard_normal(n), rng.standard_normal(n), rng.random(n) + 0.5
    ours = ad.Normal(loc, scale)
    k = 8
    cov = np.eye(k) + 0.3 * np.ones((k, k))
    mvn_loc = rng.standard_normal(k)
    m = 10**4 if quick else 10**6
    mvn_value = rng.standard_normal((m, k))
    mvn_ours = ad.MultivariateNormal(mvn_loc, covariance_matrix=cov)
    mvn_scipy = stats.multivariate_normal(mvn_loc, cov)
    return [
        Row(
            f"Normal.log_prob, {n:.0e} elements (numpy)",
            lambda: ours.log_prob(value),
            "scipy.stats.norm.logpdf",
            lambda: stats.norm.logpdf(value, loc, scale),
            3,
        ),
        Row(
            f"Normal.cdf, {n:.0e} elements (numpy)",
            lambda: ours.cdf(value),
            "scipy.stats.norm.cdf",
            lambda: stats.norm.cdf(value, loc, scale),
            3,
        ),
        Row(
            f"MVN.log_prob, {m:.0e} x {k}-dim (numpy)",
            lambda: mvn_ours.log_prob(mvn_value),
            "scipy.stats.multivariate_normal",
            lambda: mvn_scipy.logpdf(mvn_value),
            3,
        ),
    ]


def continuous_rows(quick: bool) -> list[Row]:
    """Issue 20's rows: Gamma and Beta sampling, Beta and StudentT densities, StudentT's CDF, Normal's far
    log-CDF (benchmarks/continuous.py; rows of classes not in arraydist yet are skipped, with a note)."""
    import continuous

    specs = continuous.numpy_rows(quick)
    if importlib.util.find_spec("torch") is not None:
        specs = continuous.torch_rows(quick) + specs
    return [Row(*spec) for spec in specs]


def multivariate_rows(quick: bool) -> list[Row]:
    """Issue 21's rows: LowRankMVN, MixtureSameFamily and Dirichlet against torch.distributions
    (benchmarks/multivariate.py)."""
    import multivariate

    return [Row(*spec) for spec in multivariate.torch_rows(quick)]


def format_time(seconds: float) -> str:
    for unit, factor in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= factor:
            return f"{seconds / factor:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (a smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repetitions per row")
    parser.add_argument("--cuda", action="store_true", help="only the rows on a CUDA GPU (torch, and CuPy if present)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)
    import platform

    groups: list[Callable[[bool], list[Row]]] = []
    if args.cuda:
        groups.append(cuda_rows)
    elif importlib.util.find_spec("torch") is not None:
        groups += [torch_rows, rl_rows, sac_rows, torch_large_rows, count_rows, count_log_prob_rows, numpy_rows]
        groups += [continuous_rows, multivariate_rows]
    else:
        print("(torch is not installed: its rows are skipped)")
        groups += [numpy_rows, continuous_rows]
    if not args.cuda and importlib.util.find_spec("mlx") is not None:
        groups.append(mlx_rows)
    print(f"arraydist {ad.__version__}, Python {platform.python_version()}, NumPy {np.__version__}, one thread")
    print(f"| {'benchmark':52} | {'arraydist':>10} | {'peer':42} | {'peer time':>10} | {'ratio':>6} |")
    print(f"|{'-' * 54}|{'-' * 12}|{'-' * 44}|{'-' * 12}|{'-' * 8}|")
    for make_rows in groups:  # each group's inputs are made just before it is timed and freed after
        for row in make_rows(args.quick):
            ours, peer = best_times(row, args.repeats or max(repeats, row.min_repeats))
            print(
                f"| {row.name:52} | {format_time(ours):>10} | {row.peer_name:42} | {format_time(peer):>10} "
                f"| {peer / ours:5.2f}x |"
            )
            sys.stdout.flush()
    if not args.cuda and importlib.util.find_spec("torch") is not None:
        print(squashed_nonfinite(args.quick))
    if not args.cuda:
        import continuous

        for note in dict.fromkeys(continuous.SKIPPED):
            print(f"({note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
