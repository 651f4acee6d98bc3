"""Accuracy of Poisson and binomial draws at large parameters: each backend's own sampler against arraydist's.

Prints a Markdown table (``docs/accuracy.md``): for each backend, dtype and parameter, the sample mean and variance of
20,000 draws over the exact ones, for the backend's own sampler ("native") and for ``Ops.poisson`` /
``Ops.binomial`` (which keep the native sampler where it is right and use ``_backend/_counts.py`` elsewhere).  A ratio
is 1 within about 3 standard errors: 0.01 for the variance, far less for the mean.  Where the dtype cannot resolve
the spread (a standard deviation under 10 units in the last place of the mean), the cell says whether every draw is
the mean rounded ("= mean").  Dask and MLX draw through the NumPy backend on the host (the NumPy rows hold for them).

    python benchmarks/large_counts.py          # NumPy, torch, JAX with x64, and JAX without (a child process)
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

N = 20_000
POISSON = {
    "float64": [1e2, 1e6, 2.0**31 + 5, 1e8, 1e12, 1e15, 2.0**53, 1e16, 1e300],
    "float32": [1e2, 1e6, 2.0**31 + 256, 1e8, 1e12],
}
BINOMIAL = {
    "float64": [(1e6, 0.3), (1e9, 0.3), (1e12, 0.3), (2.0**53, 0.3), (1e16, 0.3), (1e19, 0.3), (1e300, 0.3),
                (1e13, 1e-12), (1e17, 1e-12)],
    "float32": [(1e6, 0.3), (1e8, 0.3), (1e9, 0.3), (1e12, 0.3), (1e10, 1e-9)],
}  # fmt: skip


def ratios(draw: Callable[..., Any], args: tuple, mean: float, var: float, dtype: str) -> str:
    """``mean ratio / variance ratio`` of the draws ``draw(*args)``, or what went wrong."""
    try:
        x = np.asarray(draw(*args), dtype=np.float64)
    except Exception as e:  # the backend's own message: what a user gets
        return f"error: {str(e).splitlines()[0][:28]}"
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        return f"bad draw {x[~np.isfinite(x) | (x < 0)][0]:.3g}"
    ulp = float(np.spacing(np.asarray(mean, dtype=dtype)))
    if math.sqrt(var) < 10 * ulp:
        return "= mean" if np.all(np.abs(x - mean) <= 2 * ulp + 6 * math.sqrt(var)) else f"{x.mean() / mean:.4g} / -"
    centred = x - mean
    return f"{1 + centred.mean() / mean:.6f} / {centred.var() / var:.3f}"


def rows_for(backend: str, x64: bool) -> list[str]:
    from arraydist._backend import ops_of

    out = []
    if backend == "numpy":
        rng = np.random.default_rng(1)
        dtypes = {"float64": np.float64, "float32": np.float32}
        asarray = np.asarray
        native_p = lambda lam, dt: rng.poisson(lam, N)  # noqa: E731
        native_b = lambda n, p, dt: rng.binomial(int(n) if n < 2**63 else n, p, N)  # noqa: E731
        ops = ops_of(np.zeros(1))
        our_rng = lambda: np.random.default_rng(2)  # noqa: E731
    elif backend == "torch":
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(1)  # torch's own samplers draw from the global generator
        dtypes = {"float64": torch.float64, "float32": torch.float32}
        asarray = torch.as_tensor
        native_p = lambda lam, dt: torch.poisson(torch.full((N,), lam, dtype=dt))  # noqa: E731
        native_b = lambda n, p, dt: torch.binomial(torch.full((N,), n, dtype=dt), torch.full((N,), p, dtype=dt))  # noqa: E731
        ops = ops_of(torch.zeros(1))
        our_rng = lambda: torch.Generator().manual_seed(2)  # noqa: E731
    else:
        import jax
        import jax.numpy as jnp

        key = jax.random.key(1)
        dtypes = {"float64": jnp.float64, "float32": jnp.float32} if x64 else {"float32": jnp.float32}
        asarray = jnp.asarray
        native_p = lambda lam, dt: jax.random.poisson(key, jnp.asarray(lam, dt), (N,))  # noqa: E731
        native_b = lambda n, p, dt: jax.random.binomial(key, jnp.asarray(n, dt), jnp.asarray(p, dt), (N,), dt)  # noqa: E731
        ops = ops_of(jnp.zeros(1))
        our_rng = lambda: jax.random.key(2)  # noqa: E731
    name = backend if backend != "jax" else f"jax ({'x64' if x64 else 'no x64'})"

    def ours_p(lam: float, dname: str, dt: Any) -> Any:
        return ops.poisson(our_rng(), asarray(np.full(N, lam, dname)), (N,), dt, None)

    def ours_b(n: float, p: float, dname: str, dt: Any) -> Any:
        return ops.binomial(our_rng(), asarray(np.full(N, n, dname)), asarray(np.full(N, p, dname)), (N,), dt, None)

    for dname, dt in dtypes.items():
        for lam in POISSON[dname]:
            lam = float(np.asarray(lam, dname))
            native = ratios(native_p, (lam, dt), lam, lam, dname)
            ours = ratios(ours_p, (lam, dname, dt), lam, lam, dname)
            out.append(f"| {name} | {dname} | Poisson({lam:.6g}) | {native} | {ours} |")
        for n, p in BINOMIAL[dname]:
            n, p = float(np.asarray(n, dname)), float(np.asarray(p, dname))
            mean, var = n * p, n * p * (1 - p)
            native = ratios(native_b, (n, p, dt), mean, var, dname)
            ours = ratios(ours_b, (n, p, dname, dt), mean, var, dname)
            out.append(f"| {name} | {dname} | Binomial({n:.6g}, {p:g}) | {native} | {ours} |")
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--jax-no-x64":
        print("\n".join(rows_for("jax", False)))
        return 0
    import jax

    jax.config.update("jax_enable_x64", True)
    print("| backend | dtype | law | native: mean / variance ratio | arraydist: mean / variance ratio |")
    print("|---|---|---|---|---|")
    for backend in ("numpy", "torch", "jax"):
        print("\n".join(rows_for(backend, True)), flush=True)
    env = {**os.environ, "JAX_ENABLE_X64": "0"}
    child = subprocess.run([sys.executable, __file__, "--jax-no-x64"], env=env, capture_output=True, text=True)
    print(child.stdout.rstrip() or child.stderr[-2000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
