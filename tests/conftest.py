"""Fixtures: ``backend`` (every array library, skipped with a reason when missing) and ``dtype``."""

from __future__ import annotations

import pytest

from backends import BACKENDS, JAX, Backend

if JAX.available():
    import jax

    # float64 cases need x64; explicit float32 arrays stay float32 (the float32 default is tested in a subprocess)
    jax.config.update("jax_enable_x64", True)


@pytest.fixture(params=BACKENDS, ids=lambda b: b.id)
def backend(request: pytest.FixtureRequest) -> Backend:
    b: Backend = request.param
    if not b.available():
        pytest.skip(f"needs {b.needs()}: not present on this machine")
    return b


@pytest.fixture(params=["float32", "float64"])
def dtype(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def torch_backend() -> Backend:
    b = next(b for b in BACKENDS if b.name == "torch" and b.device is None)
    if not b.available():
        pytest.skip("torch is not installed")
    return b


@pytest.fixture
def eager_backend(backend: Backend) -> Backend:
    """The backends whose values can be read: value checks are skipped on lazy arrays (test_dask.py)."""
    if backend.lazy:
        pytest.skip(f"{backend.name} arrays are lazy: values are never read, so value checks are skipped by design")
    return backend
