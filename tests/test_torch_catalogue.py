"""The torch.distributions catalogue is complete and true, and ``docs/torch.md`` is the catalogue rendered now."""

from __future__ import annotations

import importlib
import math
import pkgutil
import types
import warnings
from typing import Any

import pytest

import torch_catalogue as cat


def resolve(path: str) -> Any:
    """The object at a dotted path (the longest importable module prefix, then attributes); LookupError if none."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for part in parts[i:]:
            if not hasattr(obj, part):
                raise LookupError(path)
            obj = getattr(obj, part)
        return obj
    raise LookupError(path)


def arraydist_homes() -> list[types.ModuleType]:
    """The modules a name could land in: the package, its public subpackages and every family module."""
    import arraydist
    import arraydist.distributions

    homes = [arraydist, arraydist.distributions, arraydist.transforms, arraydist.constraints]
    for info in pkgutil.iter_modules(arraydist.distributions.__path__):
        homes.append(importlib.import_module(f"arraydist.distributions.{info.name}"))
    return homes


def found_at(short: str) -> list[str]:
    return [m.__name__ for m in arraydist_homes() if short in vars(m)]


def test_every_torch_name_is_catalogued_once() -> None:
    pytest.importorskip("torch")
    names = set(cat.torch_names())
    both = cat.PLACES.keys() & cat.OMISSIONS.keys()
    assert not both, f"both placed and omitted: {sorted(both)}"
    missing = sorted(names - cat.PLACES.keys() - cat.OMISSIONS.keys())
    assert not missing, f"torch names with no row in tests/torch_catalogue.py (PLACES or OMISSIONS): {missing}"
    stale = sorted((cat.PLACES.keys() | cat.OMISSIONS.keys()) - names)
    assert not stale, f"rows for names torch does not have (any more): {stale}"
    for name in names:
        resolve(name)  # torch has every name it lists
    assert cat.PLACES.keys() >= cat.PENDING_ISSUE_21
    assert cat.NOTES.keys() <= cat.PLACES.keys()


def test_every_place_imports() -> None:
    """Each placed name is at its path, of the same kind as torch's; a pending one may be absent, not elsewhere."""
    pytest.importorskip("torch")
    pending_absent = []
    for name, path in sorted(cat.PLACES.items()):
        try:
            ours = resolve(path)
        except LookupError:
            short = path.rpartition(".")[2]
            assert name in cat.PENDING_ISSUE_21, f"{name}: {path} does not import"
            assert not found_at(short), (
                f"{name} landed at {found_at(short)}, not at {path}: correct PLACES in tests/torch_catalogue.py"
            )
            pending_absent.append(name)
            continue
        theirs = resolve(name)
        if isinstance(theirs, type):
            assert isinstance(ours, type), f"{path} is not a class"
            if name.rpartition(".")[2][:1].isupper():  # torch's lowercase constraint functors are private classes
                assert ours.__name__ == theirs.__name__, f"{path} is {ours.__name__}"
        elif isinstance(theirs, types.ModuleType):
            assert isinstance(ours, types.ModuleType), f"{path} is not a module"
        elif callable(theirs):
            assert callable(ours), f"{path} is not callable"
    # the pending set shrinks as the issue-21 classes land; the rest of the catalogue holds either way
    assert set(pending_absent) <= cat.PENDING_ISSUE_21


def test_every_omission_is_absent() -> None:
    for name in cat.OMISSIONS:
        short = name.rpartition(".")[2]
        assert not found_at(short), f"{name} is omitted but arraydist has it at {found_at(short)}: place it"
        with pytest.raises(LookupError):
            resolve(f"arraydist.{short}")


def test_every_public_arraydist_name_is_in_the_document() -> None:
    import arraydist

    placed = {path.rpartition(".")[2] for path in cat.PLACES.values()} | {"constraints", "transforms"}
    beyond = {path.rpartition(".")[2] for path in cat.BEYOND}
    unknown = sorted(set(arraydist.__all__) - placed - beyond)
    assert not unknown, f"public arraydist names in no row of tests/torch_catalogue.py (PLACES or BEYOND): {unknown}"
    for path in cat.BEYOND:
        resolve(path)


def _torch_kl_pairs() -> set[tuple[str, str]]:
    import torch.distributions as td
    import torch.distributions.kl as tkl

    classes = [
        n
        for n in td.__all__
        if isinstance(getattr(td, n), type) and issubclass(getattr(td, n), td.Distribution) and n != "Distribution"
    ]
    pairs = set()
    for p in classes:
        for q in classes:
            rule = tkl._dispatch_kl(getattr(td, p), getattr(td, q))
            # torch's exponential-family rule is found for any two such classes but works for one class only
            if rule is NotImplemented or (rule is tkl._kl_expfamily_expfamily and p != q):
                continue
            pairs.add((p, q))
    return pairs


def test_the_kl_pairs_not_written_are_those_listed() -> None:
    pytest.importorskip("torch")
    import arraydist
    from arraydist.kl import _dispatch

    pending = {n.rpartition(".")[2] for n in cat.PENDING_ISSUE_21}
    missing = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an ambiguous rule is still a rule
        for p, q in _torch_kl_pairs():
            if p in pending or q in pending or not hasattr(arraydist, p) or not hasattr(arraydist, q):
                continue
            if _dispatch(getattr(arraydist, p), getattr(arraydist, q)) is None:
                missing.add((p, q))
    listed = set(cat.KL_NOT_WRITTEN)
    assert not missing - listed, f"KL pairs torch has and arraydist lacks, not listed: {sorted(missing - listed)}"
    assert not listed - missing, f"listed as not written but arraydist has them now: {sorted(listed - missing)}"


def test_the_porting_lines_run() -> None:
    """Both columns of every runnable row of the porting table run as written."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    import torch.distributions as td

    import arraydist

    common = {"torch": torch, "jax": jax, "jnp": jnp, "math": math}
    torch_ns = {**common, **{n: getattr(td, n) for n in td.__all__}, "d": td.Normal(torch.zeros(3), torch.ones(3))}
    ours_ns = {
        **common,
        "arraydist": arraydist,
        **{n: getattr(arraydist, n) for n in arraydist.__all__},
        "d": arraydist.Normal(torch.zeros(3), torch.ones(3)),
    }
    rows = [d for d in cat.DIFFERENCES if d.runs]
    assert rows
    try:
        for row in rows:
            if row.torch != "-":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # torch's own deprecation notices (sample_n)
                    exec(row.torch, dict(torch_ns))
            if row.arraydist != "-":
                exec(row.arraydist, dict(ours_ns))
    finally:
        arraydist.set_default_backend("numpy")
    with pytest.raises(AttributeError):
        exec("d.sample_n(5)", dict(ours_ns))


def test_torch_parameters_draw_torchs_numbers() -> None:
    torch = pytest.importorskip("torch")
    import torch.distributions as td

    import arraydist

    params = {
        "Normal": (torch.zeros(3), torch.ones(3)),
        "Gamma": (torch.full((3,), 2.0), torch.ones(3)),
        "Exponential": (torch.ones(3),),
        "Poisson": (torch.full((3,), 3.0),),
        "Categorical": (torch.full((3, 4), 0.25),),
    }
    assert set(params) == set(cat.SAME_DRAWS)
    for name, args in params.items():
        torch.manual_seed(0)
        theirs = getattr(td, name)(*args).sample((5,))
        torch.manual_seed(0)
        ours = getattr(arraydist, name)(*args).sample((5,))
        assert torch.equal(theirs, ours), name


def test_the_methods_torch_lacks_are_computed() -> None:
    """Each method of MORE_THAN_TORCH raises NotImplementedError in torch.distributions, gives finite numbers here."""
    torch = pytest.importorskip("torch")
    import torch.distributions as td

    import arraydist

    t = torch.tensor
    params = {
        "Bernoulli": (t([0.3, 0.6]),),
        "Beta": (t([2.0, 0.5]), t([3.0, 0.5])),
        "Binomial": (10, t([0.3, 0.6])),
        "Chi2": (t([3.0, 0.5]),),
        "ContinuousBernoulli": (t([0.3, 0.6]),),
        "FisherSnedecor": (t([5.0, 1.0]), t([7.0, 3.0])),
        "Gamma": (t([2.0, 0.5]), t([1.0, 2.0])),
        "Geometric": (t([0.3, 0.6]),),
        "InverseGamma": (t([3.0, 0.5]), t([1.0, 2.0])),
        "Multinomial": (5, t([[0.2, 0.3, 0.5]])),
        "NegativeBinomial": (t([5.0, 2.5]), t([0.3, 0.6])),
        "Poisson": (t([2.0, 30.0]),),
        "StudentT": (t([5.0, 0.5]),),
        "VonMises": (t([0.0, 1.0]), t([1.0, 30.0])),
    }
    assert params.keys() == cat.MORE_THAN_TORCH.keys()
    calls = {
        "cdf": lambda d, x: d.cdf(x),
        "icdf": lambda d, x: d.icdf(torch.full(d.batch_shape, 0.3)),
        "mode": lambda d, x: d.mode,
        "entropy": lambda d, x: d.entropy(),
    }
    for name, methods in cat.MORE_THAN_TORCH.items():
        theirs, ours = getattr(td, name)(*params[name]), getattr(arraydist, name)(*params[name])
        torch.manual_seed(0)
        x = theirs.sample()
        for method in methods:
            with pytest.raises(NotImplementedError):
                calls[method](theirs, x)
            assert torch.isfinite(calls[method](ours, x)).all(), f"{name}.{method}"


def test_the_porting_document_is_current() -> None:
    assert cat.DOC.read_text() == cat.render(), (
        "docs/torch.md is out of date: run `python tests/torch_catalogue.py` and review the difference"
    )
