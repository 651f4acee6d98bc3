"""The backends the suite runs on: each knows how to make arrays, read them back and make seeds.

Every backend is compared against the NumPy/SciPy reference; one whose library is missing is skipped with the
reason.  Adding a backend is adding an entry to ``BACKENDS``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Backend:
    name: str
    module: str
    #: rsample carries gradients that the tests can take
    differentiable: bool = False
    #: values are never read eagerly (value checks raise at ``compute()``)
    lazy: bool = False
    #: the device the arrays live on, where the library has several (``None``: its default)
    device: str | None = None
    #: its arithmetic flushes subnormal numbers to zero (XLA on the CPU): a value below the smallest normal number
    #: is 0 to every operation, so a CDF there is the CDF at 0 (a log of it, -inf): nothing can tell it apart
    flushes_subnormals: bool = False

    @property
    def id(self) -> str:
        """The test id: the library, and the device where it is not the default."""
        return self.name if self.device is None else f"{self.name}-{self.device}"

    def available(self) -> bool:
        if importlib.util.find_spec(self.module.partition(".")[0]) is None:
            return False
        if self.name == "cupy":  # installed is not enough: it needs a GPU
            try:
                return self.lib.cuda.runtime.getDeviceCount() > 0
            except Exception:
                return False
        if self.device == "cuda":
            return bool(self.lib.cuda.is_available())
        return True

    def needs(self) -> str:
        """What must be present for this backend, for the skip reason."""
        if self.name == "cupy" or self.device == "cuda":
            return f"{self.module} with a CUDA GPU"
        return self.module

    def as_computed(self, x: Any, dtype: str) -> Any:
        """Float64 values ``x`` of ``dtype`` as this backend's arithmetic sees them: its subnormals 0 where it
        flushes them (float16 and bfloat16 compute in float32 and flush float32's)."""
        if not self.flushes_subnormals:
            return x
        tiny = np.finfo(np.float64 if dtype == "float64" else np.float32).tiny
        x = np.asarray(x, np.float64)
        return np.where(np.abs(x) < tiny, 0.0 * x, x)

    @property
    def lib(self) -> Any:
        return importlib.import_module(self.module)

    def dtype(self, name: str) -> Any:
        if self.name == "mlx" and name == "bool":
            return self.lib.bool_
        return getattr(self.lib, name)

    def asarray(self, x: Any, dtype: str = "float64") -> Any:
        """A NumPy array (or number) as an array of this backend."""
        if self.name == "torch":
            return self.lib.as_tensor(np.array(x, dtype=dtype), device=self.device)
        if self.name == "jax":
            return importlib.import_module("jax.numpy").asarray(np.array(x, dtype=dtype))
        if self.name == "array_api_strict":
            return self.lib.asarray(np.array(x, dtype=dtype))
        if self.name == "cupy":
            return self.lib.asarray(np.array(x, dtype=dtype))
        if self.name == "mlx":
            return self.lib.array(np.array(x, dtype=dtype), dtype=self.dtype(dtype))
        if self.name == "dask":
            # small chunks, so that every test runs across chunk boundaries
            return self.lib.from_array(np.array(x, dtype=dtype), chunks=2)
        return np.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        if self.name == "torch":
            return x.detach().cpu().numpy()
        if self.name == "array_api_strict":
            return np.from_dlpack(x)
        if self.name == "cupy":
            return self.lib.asnumpy(x)
        if self.name == "dask" and hasattr(x, "compute"):
            return np.asarray(x.compute())
        if self.name == "mlx" and hasattr(x, "dtype") and str(x.dtype).endswith("bfloat16"):
            return np.array(x.astype(self.lib.float32))
        return np.asarray(x)

    def owns(self, x: Any) -> bool:
        """Whether ``x`` is an array of this backend."""
        if self.name == "jax":
            return isinstance(x, self.lib.Array)
        if self.name in ("array_api_strict", "dask", "cupy", "mlx"):
            return type(x).__module__.startswith(self.module.partition(".")[0])
        if self.name == "torch":
            return isinstance(x, self.lib.Tensor) and x.device.type == (self.device or "cpu")
        return type(x).__module__.partition(".")[0] == self.module

    def dtype_name(self, x: Any) -> str:
        return str(x.dtype).rpartition(".")[2]


NUMPY = Backend("numpy", "numpy")
TORCH = Backend("torch", "torch", differentiable=True)
JAX = Backend("jax", "jax", differentiable=True, flushes_subnormals=True)
#: the array API standard and nothing else: proof that the distributions use only the standard + the backend layer
STRICT = Backend("array_api_strict", "array_api_strict")
DASK = Backend("dask", "dask.array", lazy=True)
#: runs only where CuPy is installed and a GPU is present (skipped with the reason otherwise)
CUPY = Backend("cupy", "cupy")
#: PyTorch with every array on the GPU: runs only where CUDA is present (skipped with the reason otherwise)
TORCH_CUDA = Backend("torch", "torch", differentiable=True, device="cuda")
#: MLX on its default device (the CPU on Linux: ``mlx[cpu]``); a non-core backend (``_matrix.py``)
MLX = Backend("mlx", "mlx.core", differentiable=True)
BACKENDS = [NUMPY, TORCH, JAX, STRICT, DASK, CUPY, TORCH_CUDA, MLX]


def on_backends(*names: str) -> list[Any]:
    """Backend names as parameters of a test that builds its arrays itself, each marked ``on_backend`` so that the
    test matrix (``_matrix.py``) knows the backend it runs on."""
    import pytest

    return [pytest.param(name, id=name, marks=pytest.mark.on_backend(name)) for name in names]
