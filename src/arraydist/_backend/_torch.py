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
from ._base import Array, Ops, Shape, seed_type_error

_SMALL = 64


_CPU = torch.device("cpu")
_is_compiling = torch.compiler.is_compiling
_set_torch_is_compiling(_is_compiling)  # arraydist._backend.compiling() then asks it without finding torch
_is_functorch_wrapped = torch._C._functorch.is_functorch_wrapped_tensor


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

    def device(self, x: Array) -> Any:
        return _CPU if x.is_cpu else x.device  # one shared object for the common case (no new device object)

    def is_concrete(self, x: Array) -> bool:
        # FakeTensors (torch.compile tracing) and functorch wrappers have no readable values.
        return not _is_compiling() and not _is_functorch_wrapped(x)

    def to_numpy(self, x: Array) -> np.ndarray:
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
        if n == 0:
            return x
        return x.sum(tuple(range(-n, 0)))

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else x.to(dtype)

    def make_rng(self, seed: object, device: Any) -> Any:
        if seed is None or isinstance(seed, torch.Generator):
            return seed
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            gen = torch.Generator(device=device)
            gen.manual_seed(int(seed))
            return gen
        raise seed_type_error("torch", seed, "None (torch's global RNG), an int or a torch.Generator")

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return torch.randn(shape, generator=rng, dtype=dtype, device=device)

    def normal_like(self, rng: Any, x: Array) -> Array:
        if rng is None:  # the global RNG: no shape, dtype or device to parse (the same stream as randn)
            return torch.randn_like(x)
        return torch.randn(x.shape, generator=rng, dtype=x.dtype, device=x.device)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        u = torch.rand(shape, generator=rng, dtype=dtype, device=device)
        return u.clamp_(min=torch.finfo(dtype).tiny)

    erf = staticmethod(torch.special.erf)
    erfc = staticmethod(torch.special.erfc)
    erfinv = staticmethod(torch.special.erfinv)
    ndtr = staticmethod(torch.special.ndtr)
    ndtri = staticmethod(torch.special.ndtri)
    log_ndtr = staticmethod(torch.special.log_ndtr)
    lgamma = staticmethod(torch.lgamma)
    digamma = staticmethod(torch.special.digamma)
    xlogy = staticmethod(torch.special.xlogy)

    def softplus(self, x: Array) -> Array:
        return torch.nn.functional.softplus(x)

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        return torch.logsumexp(x, dim=axis)

    def cholesky(self, x: Array) -> Array:
        return torch.linalg.cholesky(x)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        return torch.linalg.solve_triangular(a, b, upper=not lower)

    def diagonal(self, x: Array) -> Array:
        return torch.diagonal(x, dim1=-2, dim2=-1)

    def matrix_transpose(self, x: Array) -> Array:
        return x.transpose(-1, -2)

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        return torch.eye(n, dtype=dtype, device=device)

    def tril(self, x: Array) -> Array:
        return torch.tril(x)

    def is_positive_definite(self, x: Array) -> Array:
        x = x.detach()
        scale = x.abs().amax(dim=(-2, -1))
        eps = torch.finfo(x.dtype).eps
        symmetric = ((x - x.mT).abs() <= 16 * eps * scale[..., None, None]).all(-1).all(-1)
        return symmetric & (torch.linalg.cholesky_ex(x).info == 0)


OPS = TorchOps()
