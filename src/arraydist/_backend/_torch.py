"""PyTorch backend: torch.special, torch.linalg, torch's global RNG for seed=None.

Imported only once a torch tensor (or ``torch.Generator``) has been seen, so torch is already loaded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import chain
from typing import Any

import array_api_compat.torch as xp_torch
import numpy as np
import torch

from . import _set_torch_is_compiling
from ._base import Array, Ops, Shape, check_seed, symmetric_values, widen_methods, widened
from ._special import SPECIAL_FUNCTIONS, bind_special
from ._torch_gamma import _NUMPY_DTYPES, _host_log_gamma, _HostDirichlet, _HostLogGamma, _on_host, _tensors

_SMALL = 64


_CPU = torch.device("cpu")
_SQRT_HALF = math.sqrt(0.5)
_is_compiling = torch.compiler.is_compiling
_set_torch_is_compiling(_is_compiling)  # arraydist._backend.compiling() then asks it without finding torch
_is_functorch_wrapped = torch._C._functorch.is_functorch_wrapped_tensor

#: floats narrower than float32: special functions, factorizations and some samplers compute in float32
_NARROW = frozenset({torch.float16, torch.bfloat16})
_FLOAT32_AND_NARROW = _NARROW | {torch.float32}


def _cast(x: Array, dtype: Any) -> Array:
    return x.to(dtype)


def _work_dtype(dtype: Any) -> Any:
    """The dtype a sampler draws in: float32 for the narrow floats (torch's binomial and gamma samplers lack them)."""
    return torch.float32 if dtype in _NARROW else dtype


_cholesky = widened(torch.linalg.cholesky, _NARROW, torch.float32, _cast)
_cholesky_ex = widened(torch.linalg.cholesky_ex, _NARROW, torch.float32, _cast)


#: categories from which an inverse CDF (``searchsorted``) beats ``torch.multinomial`` when a row takes several
#: draws (measured on the CPU: multinomial is faster over 6 to 63 categories with 100 or 1000 draws per row, 6x
#: slower over 1000).  One draw per row (an RL step) always takes the inverse CDF: multinomial's checks of its
#: input (two host reads) cost three times the draw itself there (the RL benchmark rows).
_SEARCH_FROM = 64

#: categories up to which one draw per row races exponential clocks (a uniform, a log and a division per
#: category, one argmin) rather than searching the CDF (a cumulative sum and one uniform per row, a binary
#: search): at a batch of 64 on the CPU the race is 20 % faster over 2 to 6 categories, even at 16, and slower
#: from 32 on (5x over 1000)
_RACE_UPTO = 8


def _category_draws(probs: Array, n: int, rng: Any) -> Array:
    """``n`` category indices per row of ``probs`` (rows x K, non-negative, each row with a positive finite sum),
    shape (rows, n): ``torch.multinomial`` for several draws over few categories, else an inverse CDF.

    The inverse CDF takes the first category whose cumulative weight exceeds ``v = u * total`` (``searchsorted``,
    right).  ``torch.rand``'s ``u < 1`` in a dtype of ``p`` significant bits is at most ``1 - 2**-p``, so the
    exact product is at least ``total * 2**-p`` below ``total``, more than half the gap to the float below it
    (or exact, for a power of two): ``v < total``.  So the category found is never beyond the last one and its
    weight is positive: a category of weight 0 (a CDF step of exactly 0) is never drawn.
    """
    if n > 1 and probs.shape[-1] < _SEARCH_FROM:
        return torch.multinomial(probs, n, replacement=True, generator=rng)
    cdf = probs.cumsum(-1)
    u = torch.rand((cdf.shape[0], n), generator=rng, dtype=cdf.dtype, device=cdf.device)
    return torch.searchsorted(cdf, u.mul_(cdf[:, -1:]), right=True)


def _is_generator(seed: object) -> bool:
    return isinstance(seed, torch.Generator)


class TorchOps(Ops):
    name = "torch"
    differentiable = True

    def __init__(self) -> None:
        super().__init__(xp_torch)
        self._constants: dict[tuple[float, Any, Any], Array] = {}
        self._last_constant: tuple[Any, ...] = (None, None, None, None)

    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        if isinstance(x, torch.Tensor):
            if (dtype is None or x.dtype == dtype) and (device is None or x.device == device):
                return x
            return x.to(dtype=dtype, device=device)
        if type(x) is float or (type(x) is np.ndarray and x.ndim == 0):
            return self.const(float(x), dtype or torch.get_default_dtype(), device)
        if isinstance(x, np.ndarray) and not x.flags.writeable:
            x = np.array(x)  # torch cannot wrap read-only memory (broadcast views of neutral parameters)
        return torch.as_tensor(x, dtype=dtype, device=device)

    addcmul = staticmethod(torch.addcmul)

    def add_scaled(self, a: Array, b: Array, alpha: float) -> Array:
        return torch.add(a, b, alpha=alpha)

    def log_dtanh(self, x: Array) -> Array:
        # softplus(x, beta=-2) is -softplus(-2x) / 2 (and x itself where -2x passes softplus's linear threshold,
        # which is the same number): 2 log 2 - 2x + 4 softplus(x, beta=-2) in three operations, not four (the
        # squashed Gaussian of every SAC step; benchmarks/run.py's SAC rows)
        half = torch.add(torch.nn.functional.softplus(x, beta=-2.0), x, alpha=-0.5)
        return torch.add(self.const(2.0 * math.log(2.0), x.dtype, x.device), half, alpha=4.0)

    def const(self, value: float, dtype: Any, device: Any) -> Array:
        # Shared, never-mutated 0-d tensors: autograd arithmetic with a Python float costs twice that with a
        # 0-d tensor (the scalar is wrapped anew every time), and Python-number parameters (Normal(0.0, 1.0) as
        # the prior in every training step) need no new tensor per step.  0-d tensors promote like scalars.
        last = self._last_constant  # the same request as the last one (a formula's constant, every step)
        if last[0] is value and last[1] is dtype and last[2] is device:
            return last[3]
        key = (value, dtype, device) if value or math.copysign(1.0, value) > 0 else ("-0.0", dtype, device)
        found = self._constants.get(key)
        if found is None:
            found = torch.as_tensor(value, dtype=dtype, device=device)
            if len(self._constants) < 1024 and not _is_compiling():
                self._constants[key] = found
        if not _is_compiling():
            self._last_constant = (value, dtype, device, found)
        return found

    def default_float(self) -> Any:
        return torch.get_default_dtype()

    def float_dtype(self, arrays: Any) -> Any:
        dtype = None
        for a in arrays:
            dtype = a.dtype if dtype is None else torch.promote_types(dtype, a.dtype)
        if dtype is None or not dtype.is_floating_point:
            return torch.get_default_dtype()
        return dtype

    def is_float_dtype(self, dtype: Any) -> bool:
        return bool(dtype.is_floating_point)

    def tail_float(self, dtype: Any, device: Any) -> Any:
        if dtype in _FLOAT32_AND_NARROW and (device is None or torch.device(device).type == "cpu"):
            return torch.float64
        return self.wide_float(dtype)

    def device(self, x: Array) -> Any:
        return _CPU if x.is_cpu else x.device  # one shared object for the common case (no new device object)

    def is_concrete(self, x: Array) -> bool:
        # FakeTensors (torch.compile tracing) and functorch wrappers have no readable values.
        return not _is_compiling() and not _is_functorch_wrapped(x)

    def blocks_ok(self, arrays: list[Array]) -> bool:
        # eagerly on the CPU, and only where autograd records nothing (a block written into the output would
        # cut the graph); not inside torch.compile's trace nor torch.func's transforms
        if _is_compiling():
            return False
        grad = torch.is_grad_enabled()
        return all(
            not isinstance(a, torch.Tensor)
            or (a.is_cpu and not _is_functorch_wrapped(a) and not (grad and a.requires_grad))
            for a in arrays
        )

    def can_cache(self, x: Array) -> bool:
        # Not under no_grad or inference_mode either (as torch.distributions computes its lazy properties with
        # grad enabled): probs derived there lack the graph that a later entropy or backward needs.
        return torch.is_grad_enabled() and not _is_compiling() and not _is_functorch_wrapped(x)

    def to_numpy(self, x: Array) -> np.ndarray:
        if x.dtype is torch.bfloat16:  # NumPy has no bfloat16; float32 holds every value exactly
            x = x.float()
        return x.detach().cpu().numpy()

    def from_numpy(self, x: np.ndarray, like: Array) -> Array:
        return torch.as_tensor(x, device=like.device)

    def can_inplace(self, *arrays: Array) -> bool:
        if torch.is_grad_enabled():
            for a in arrays:
                if a.requires_grad:
                    return False
        if _is_compiling():
            return False
        # under torch.func transforms an in-place update may meet an operand with more batch dimensions
        for a in arrays:  # noqa: SIM110 (a loop: a generator costs more on this hot path)
            if _is_functorch_wrapped(a):
                return False
        return True

    def stop_gradient(self, x: Array) -> Array:
        return x.detach()

    def all(self, x: Array) -> bool:
        return bool(torch.all(x))

    tracing = staticmethod(_is_compiling)

    defers_checks = True

    def deferred_check(
        self,
        ok: Array,
        message: str,
        guarded: Array | None = None,
        event_dim: int = 0,
        error: Any = None,
        operands: tuple[tuple[Array, int], ...] = (),
    ) -> Array | None:
        # In the graph, no graph break: the compiled program raises RuntimeError(message) when it runs on bad
        # values.  Only under torch.compile: eager code reads the values (functorch's wrappers are left alone).
        if _is_compiling():
            torch._assert_async(torch.all(ok), message)
        return guarded

    def small_values(self, x: Array) -> Iterable[Any] | None:
        # Any device: one small copy to the host costs less than a reduction kernel and its read.
        if x.numel() > _SMALL:
            return None
        try:
            values = x.tolist()  # no detach needed, no tensor made
        except RuntimeError:  # vmap's batched tensors have no storage (torch.func.grad's wrappers read fine)
            return None
        if type(values) is not list:
            return (values,)  # 0-d
        row = values[0] if values else None
        if type(row) is not list:
            return values  # 1-d
        values = chain.from_iterable(values)  # iterate the innermost elements, without copies
        while row and type(row[0]) is list:  # three or more dimensions
            row = row[0]
            values = chain.from_iterable(values)
        return values

    def reduce_value(self, x: Array, how: str) -> float:
        if x.numel() == 0:
            return {"min": math.inf, "max": -math.inf, "sum": 0.0}[how]
        return getattr(x.detach(), how)().item()

    def value_range(self, x: Array) -> tuple[float, float]:
        if x.numel() == 0:
            return math.inf, -math.inf
        low, high = torch.aminmax(x.detach())  # NaN-propagating, one kernel
        if x.is_cpu:
            return low.item(), high.item()  # no device to wait for: two reads cost less than a stack
        return tuple(torch.stack((low, high)).tolist())  # one host read

    def placement(self, arrays: tuple[Any, ...]) -> tuple[Any, Any] | None:
        first = arrays[0]
        dtype = first.dtype
        if not dtype.is_floating_point:
            return None
        if first.is_cpu:  # one CPU device: a flag, without making device objects
            for a in arrays[1:]:
                if not isinstance(a, torch.Tensor) or a.dtype is not dtype or not a.is_cpu:
                    return None
            return dtype, _CPU
        device = first.device
        for a in arrays[1:]:
            if not isinstance(a, torch.Tensor) or a.dtype is not dtype or a.device != device:
                return None
        return dtype, device

    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        if x.shape == shape:
            return x
        return x.expand(shape)

    def sum_rightmost(self, x: Array, n: int) -> Array:
        if n < 2:
            return x.sum(-1) if n else x
        return x.sum(tuple(range(-n, 0)))

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else x.to(dtype)

    def dot_last(self, x: Array, y: Array) -> Array:
        return torch.linalg.vecdot(x, y)  # one operation (and one backward node) for the product and its sum

    def clip_lowest(self, x: Array) -> Array:
        return torch.clamp_min(x, torch.finfo(x.dtype).min)  # one operation (the array-API clip costs four)

    global_rng_is_none = True

    def make_rng(self, seed: object, device: Any) -> Any:
        if seed is None:
            return None  # torch's global RNG
        seed = check_seed(seed, "torch", "None (torch's global RNG), a torch.Generator", _is_generator)
        if type(seed) is int:
            gen = torch.Generator(device=device)
            gen.manual_seed(seed)  # the whole uint64 range
            return gen
        return seed

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return torch.randn(shape, generator=rng, dtype=dtype, device=device)

    def normal_like(self, rng: Any, x: Array) -> Array:
        if rng is None:  # the global RNG: no shape, dtype or device to parse (the same stream as randn)
            return torch.randn_like(x)
        return torch.randn(x.shape, generator=rng, dtype=x.dtype, device=x.device)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        u = torch.rand(shape, generator=rng, dtype=dtype, device=device)
        return u.clamp_(min=torch.finfo(dtype).tiny)

    # Samplers: parameters broadcast with ``expand`` (views); the generator advances.
    @staticmethod
    def _param(p: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return torch.as_tensor(p, dtype=dtype, device=device).expand(shape)

    def standard_gamma(self, rng: Any, concentration: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        # torch._standard_gamma is differentiable: its backward is the implicit reparameterization gradient
        z = torch._standard_gamma(self._param(concentration, shape, _work_dtype(dtype), device), generator=rng)
        return z.clamp(min=torch.finfo(dtype).tiny).to(dtype)  # as torch.distributions.Gamma: log z stays finite

    def log_standard_gamma(self, rng: Any, concentration: Array, shape: Shape, dtype: Any, device: Any) -> Array:
        a = self._param(concentration, shape, dtype, device)
        if not _on_host(a, dtype):
            return super().log_standard_gamma(rng, concentration, shape, dtype, device)
        boosted, draw, log_g, slope = _host_log_gamma(rng, a, shape)
        out = torch.from_numpy(log_g).to(dtype)
        if not (a.requires_grad and torch.is_grad_enabled()):
            return out
        return _HostLogGamma.apply(a, out, *_tensors(dtype, boosted, draw, slope))

    def dirichlet(self, rng: Any, concentration: Array, shape: Shape, dtype: Any, device: Any) -> Array:
        a = self._param(concentration, shape, dtype, device)
        if not _on_host(a, dtype):
            return super().dirichlet(rng, concentration, shape, dtype, device)
        boosted, draw, log_g, slope = _host_log_gamma(rng, a, shape)
        log_g -= log_g.max(axis=-1, keepdims=True)
        x = np.exp(log_g, out=log_g)
        x /= x.sum(axis=-1, keepdims=True)
        np.maximum(x, np.finfo(_NUMPY_DTYPES[dtype]).smallest_normal, out=x)
        out = torch.from_numpy(x).to(dtype)
        if not (a.requires_grad and torch.is_grad_enabled()):
            return out
        return _HostDirichlet.apply(a, out, *_tensors(dtype, boosted, draw, slope))

    def exponential(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return torch.empty(shape, dtype=dtype, device=device).exponential_(generator=rng)

    def native_counts_upto(self, dtype: Any) -> float:
        # float32 torch.binomial is 1.17x too spread at n = 1e8; float64 Poisson's acceptance test loses digits
        # at large rates as NumPy's does (and Poisson(1e300) draws -9.2e18)
        return 2.0**30 if dtype is torch.float64 else 2.0**20

    def while_loop(self) -> Any:
        if not _is_compiling():
            return None
        from torch._higher_order_ops.while_loop import while_loop

        def loop(cond: Any, body: Any, state: tuple[Any, ...]) -> tuple[Any, ...]:
            *arrays, rng = state  # a generator (or None, the global one): not carried, it advances by itself
            out = while_loop(lambda *s: cond((*s, rng)), lambda *s: tuple(body((*s, rng))[:-1]), tuple(arrays))
            return (*out, rng)

        return loop

    def put(self, x: Array, index: Array, values: Array) -> Array:
        return x.index_put((index,), values)

    def _natively(self, param: Any, dtype: Any) -> bool:
        if isinstance(param, torch.Tensor):
            param = param.detach()
        return super()._natively(param, dtype)

    def _native_poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return torch.poisson(self._param(rate, shape, dtype, device), generator=rng).detach()

    def _native_binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        work = _work_dtype(dtype)
        n = self._param(total_count, shape, work, device).detach()
        p = self._param(probs, shape, work, device).detach()
        return torch.binomial(n, p, generator=rng).to(dtype)

    def bernoulli(self, rng: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        u = torch.rand(shape, generator=rng, dtype=dtype, device=device)
        return (u < torch.as_tensor(probs, dtype=dtype, device=device).detach()).to(dtype)

    def categorical(
        self, rng: Any, logits: Array, shape: Shape, dtype: Any = None, device: Any = None, probs: Any = None
    ) -> Array:
        # torch.multinomial draws n per row of probabilities: one row per distinct batch element of the logits
        # (their broadcast axes hold the draws of each row), so no draws x categories temporary.
        probs = (torch.softmax(logits, dim=-1) if probs is None else probs).detach()
        k = probs.shape[-1]
        if shape == probs.shape[:-1] and probs.numel():
            # One draw per row (an RL step), over the batch as it is: no layout, no multinomial and its checks of
            # the input.  On torch's global RNG, rand_like parses no dtype or device (the same stream as rand).
            if k <= _RACE_UPTO:
                # The exponential race: with E_k = -log U_k ~ Exp(1), the first of the clocks E_k / p_k is k
                # with probability p_k / sum(p), so the draw is argmin_k p_k / log U_k (four operations).
                # U >= tiny keeps log U finite and negative: a category of weight 0 (ratio -0.0) loses to every
                # category of positive weight (ratio < 0; the largest weight is at least 1/K, far from
                # underflow), so it is never drawn.
                if rng is None:
                    u = torch.rand_like(probs)
                else:
                    u = torch.rand(probs.shape, generator=rng, dtype=probs.dtype, device=probs.device)
                out = probs.div(u.clamp_min_(torch.finfo(probs.dtype).tiny).log_()).argmin(-1)
            else:  # the inverse CDF of _category_draws: one uniform per row instead of one per category
                cdf = probs.cumsum(-1)
                total = cdf.narrow(-1, k - 1, 1)
                if rng is None:
                    u = torch.rand_like(total)
                else:
                    u = torch.rand(total.shape, generator=rng, dtype=cdf.dtype, device=cdf.device)
                out = torch.searchsorted(cdf, u.mul_(total), right=True).squeeze(-1)
            return out if dtype is None else out.to(dtype)
        batch = (1,) * (len(shape) - (probs.ndim - 1)) + tuple(probs.shape[:-1])
        if len(batch) != len(shape) or any(b not in (1, s) for b, s in zip(batch, shape)):
            raise ValueError(f"logits of shape {tuple(probs.shape)} do not broadcast to the draws' shape {shape}")
        varying = [axis for axis in range(len(shape)) if batch[axis] != 1]
        repeated = [axis for axis in range(len(shape)) if batch[axis] == 1]
        n = math.prod([shape[axis] for axis in repeated])  # a list: Dynamo cannot trace a generator here
        rows = math.prod([shape[axis] for axis in varying])
        if n == 0 or rows == 0:
            out = torch.zeros(shape, dtype=torch.int64, device=probs.device)
        else:
            draws = _category_draws(probs.reshape(rows, k), n, rng)
            draws = draws.reshape([shape[axis] for axis in varying] + [shape[axis] for axis in repeated])
            order = varying + repeated
            out = draws.permute([order.index(axis) for axis in range(len(shape))]).contiguous()
        return out if dtype is None else out.to(dtype)

    def ndtr(self, x: Array) -> Array:
        # torch.special.ndtr loses the lower tail (float64 ndtr(-8) 1.8% off and 0 from -9); erfc keeps the
        # relative accuracy down to the underflow, and its gradient is the normal density.
        return torch.special.erfc(x * -_SQRT_HALF) * 0.5

    def _repeat(self, steps: int, body: Any, state: Any) -> Any:
        if not _is_compiling():
            return super()._repeat(steps, body, state)
        # traced once as a scan, not unrolled `steps` times: Dynamo takes minutes over 180 copies of a step
        from torch._higher_order_ops.scan import scan

        def step(carry: Any, m: Array) -> tuple[Any, Array]:
            return tuple(body(m, tuple(carry))), m.clone()  # the scan refuses outputs that alias its inputs

        first = state[0]
        counts = torch.arange(1, steps + 1, dtype=first.dtype, device=first.device)
        return tuple(scan(step, tuple(t.clone() for t in state), counts)[0])

    # torch has none of these: the composites of _special_math (fixed-length loops, so they compile)
    betainc = Ops._betainc_series
    betaincc = Ops._betaincc_series
    betaincinv = Ops._betaincinv_halley
    gammaincinv = Ops._gammaincinv_halley
    gammainccinv = Ops._gammainccinv_halley

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        return torch.logsumexp(x, dim=axis)

    def log_softmax(self, x: Array, axis: int = -1) -> Array:
        return torch.log_softmax(x, dim=axis)

    def cumulative_sum(self, x: Array, axis: int = -1) -> Array:
        return torch.cumsum(x, dim=axis)  # array_api_compat's wrapper breaks torch.compile's graph (an lru_cache)

    def softmax(self, x: Array, axis: int = -1) -> Array:
        return torch.softmax(x, dim=axis)

    def log_softmax_checked(self, x: Array, check: bool) -> tuple[Array, bool | None]:
        out = torch.log_softmax(x, dim=-1)
        if not check or _is_compiling() or _is_functorch_wrapped(x):
            return out, None
        if not out.numel():
            return out, True
        top = out.detach().max().item()  # NaN exactly where a row is bad
        return out, top == top

    index_type = torch.int64

    def index_dtype(self) -> Any:
        return torch.int64

    def take_last(self, x: Array, index: Array) -> Array:
        if index.dtype is not torch.int64:
            index = index.long()
        if index.shape == x.shape[:-1]:  # a value per batch member (an RL step's actions)
            return x.gather(-1, index.unsqueeze(-1)).squeeze(-1)
        index, x = torch.broadcast_tensors(index.unsqueeze(-1), x)  # views
        return x.gather(-1, index[..., :1]).squeeze(-1)

    @staticmethod
    def cholesky(x: Array) -> Array:
        return _cholesky(x)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        return torch.linalg.solve_triangular(a, b, upper=not lower)

    def diagonal(self, x: Array) -> Array:
        return torch.diagonal(x, dim1=-2, dim2=-1)

    def matrix_transpose(self, x: Array) -> Array:
        return x.transpose(-1, -2)

    def row_major(self, x: Array) -> Array:
        return x.contiguous()

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        return torch.eye(n, dtype=dtype, device=device)

    def tril(self, x: Array) -> Array:
        return torch.tril(x)

    def is_symmetric(self, x: Array) -> Array:
        x = x.detach()
        tol = x.abs().amax(dim=(-2, -1), keepdim=True).mul_(16 * torch.finfo(x.dtype).eps)
        # an infinite entry makes the tolerance infinite (and cholesky_ex factorizes an infinite diagonal)
        return (x - x.mT).abs_().le_(tol).all(-1).all(-1) & tol[..., 0, 0].isfinite()

    def is_positive_definite(self, x: Array) -> Array:
        return self.is_symmetric(x) & (_cholesky_ex(x.detach())[1] == 0)

    def cholesky_checked(self, x: Array, check: bool) -> tuple[Array | None, Array | bool | None]:
        # symmetry is checked in x's own dtype (its rounding), the factorization of a narrow float in float32
        if not check or not self.is_concrete(x):
            return _cholesky(x), None
        tril, info = _cholesky_ex(x)  # differentiable, and it reports each matrix's failure
        # a few matrices (a training step's): one read of the values and the codes, checked as numbers
        small = x.numel() <= _SMALL and x.ndim <= 4
        if small and symmetric_values(x.tolist(), torch.finfo(x.dtype).eps) and not any(info.reshape(-1).tolist()):
            return tril, True
        return tril, self.is_symmetric(x) & (info == 0)


bind_special(TorchOps, "torch", torch)
# the continued fraction in float32 loses the digits of 1 - x where x is tiny and beyond the mean (its
# coefficients cancel to 1 - x; 24 % off at a = 2, b = 1e6, x = 3e-6), and torch's float32 igamma is 5e-5 off at
# a = 1e4: computed in float64, rounded once
widen_methods(
    TorchOps, ("betainc", "betaincc", "betaincinv", "gammainc", "gammaincc"), _FLOAT32_AND_NARROW, torch.float64, _cast
)
widen_methods(TorchOps, (*SPECIAL_FUNCTIONS, "solve_triangular"), _NARROW, torch.float32, _cast)
OPS = TorchOps()
