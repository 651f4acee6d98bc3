"""One seed policy on every backend (``arraydist._backend.check_seed``): None, the backend's generator or key, or an
integer in [0, 2**64) of any library; everything else refused with a message naming the seed and the range."""

from __future__ import annotations

import re

import numpy as np
import pytest

from arraydist._backend import ops_of
from backends import Backend

MESSAGE = r"seed for a {} distribution must be .* or an integer in \[0, 2\*\*64\); got {}"


@pytest.mark.parametrize(
    ("seed", "error", "shown"),
    [
        (-1, ValueError, "-1"),
        (2**64, ValueError, "18446744073709551616"),
        (2.5, TypeError, r"2\.5 \(float\)"),
        ("3", TypeError, r"'3' \(str\)"),
        (True, TypeError, r"True \(bool\)"),
        (np.bool_(True), TypeError, r"np\.True_ \(numpy\.bool\)"),
        (np.array([1, 2]), TypeError, r"array\(\[1, 2\]\) \(numpy\.ndarray\)"),
    ],
)
def test_invalid_seeds_are_refused_alike(backend: Backend, seed: object, error: type, shown: str) -> None:
    ops = ops_of(backend.asarray([0.0]))
    with pytest.raises(error, match=MESSAGE.format(re.escape(ops.name), shown)):
        ops.make_rng(seed, None)


@pytest.mark.parametrize("seed", [0, 2**63, 2**64 - 1, np.int64(5), np.uint64(2**64 - 1), np.array(7)])
def test_integer_seeds_are_accepted(backend: Backend, seed: object) -> None:
    x = backend.asarray(np.zeros(4))
    ops = ops_of(x)
    draws = [backend.to_numpy(ops.normal(ops.make_rng(seed, None), (4,), x.dtype, None)) for _ in range(2)]
    np.testing.assert_array_equal(draws[0], draws[1])  # an int seed is a fresh generator: the same draws


def test_integer_scalars_of_other_libraries_are_seeds(backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    jnp = pytest.importorskip("jax.numpy")
    x = backend.asarray(np.zeros(3))
    ops = ops_of(x)
    expected = backend.to_numpy(ops.normal(ops.make_rng(12, None), (3,), x.dtype, None))
    for seed in (torch.tensor(12), jnp.asarray(12), np.uint8(12)):
        got = backend.to_numpy(ops.normal(ops.make_rng(seed, None), (3,), x.dtype, None))
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError, match=r"got tensor\(True\)"):
        ops.make_rng(torch.tensor(True), None)
    with pytest.raises(TypeError, match=r"got tensor\(1\.5000\)"):
        ops.make_rng(torch.tensor(1.5), None)


@pytest.mark.parametrize("pair", [(0, 2**63), (1, 2**32 + 1), (2**64 - 1, 2**63 - 1), (5, 2**40 + 5)])
def test_distinct_seeds_give_distinct_draws(backend: Backend, pair: tuple[int, int]) -> None:
    """All of [0, 2**64) are distinct seeds (JAX without care keeps 32 bits, or overflows from 2**63)."""
    if backend.name == "torch" and backend.device is None:
        pytest.skip("torch's CPU generator (mt19937) keeps the low 32 bits of any seed: see the test below")
    x = backend.asarray(np.zeros(4))
    ops = ops_of(x)
    a, b = (backend.to_numpy(ops.normal(ops.make_rng(s, None), (4,), x.dtype, None)) for s in pair)
    assert not np.array_equal(a, b)


def test_torch_int_seeds_are_manual_seed(torch_backend: Backend) -> None:
    """An int seed on torch is ``torch.Generator().manual_seed(seed)``, over the whole uint64 range (the CPU
    generator then uses the seed's low 32 bits: torch's own limit, not ours)."""
    torch = torch_backend.lib
    ops = ops_of(torch.zeros(1))
    for seed in (0, 2**63, 2**64 - 1):
        gen = ops.make_rng(seed, torch.device("cpu"))
        assert gen.initial_seed() == seed
        expected = torch.randn(3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        assert torch.equal(ops.normal(gen, (3,), torch.float64, None), expected)


def test_jax_small_int_seeds_are_jax_keys(backend: Backend) -> None:
    """Below 2**32 an int seed is jax.random.key(seed): the documented equivalence holds."""
    if backend.name != "jax":
        pytest.skip("JAX keys only")
    jax = backend.lib
    ops = ops_of(backend.asarray([0.0]))
    for seed in (0, 7, 2**32 - 1):
        np.testing.assert_array_equal(
            jax.random.key_data(ops.make_rng(seed, None)), jax.random.key_data(jax.random.key(seed))
        )


def test_check_seed_is_the_one_policy() -> None:
    from arraydist._backend import check_seed

    assert check_seed(None, "x", "None", lambda s: False) is None
    marker = object()
    assert check_seed(marker, "x", "None", lambda s: s is marker) is marker
    assert check_seed(np.int64(3), "x", "None", lambda s: False) == 3
    assert type(check_seed(np.int64(3), "x", "None", lambda s: False)) is int
    with pytest.raises(ValueError, match=r"seed for a x distribution must be None or an integer in \[0, 2\*\*64\)"):
        check_seed(-5, "x", "None", lambda s: False)
