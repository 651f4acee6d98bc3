"""The special functions of the backend layer, in one table: name -> each backend's function.

Every :class:`~arraydist._backend.Ops` has a method of each name in :data:`SPECIAL_FUNCTIONS`.  A backend
binds the table's entry for its library (``bind_special``); where an entry names no function for a library, the
backend uses :class:`Ops`' own method, which is one of

- ``standard``: a formula in the array API standard alone (stable ``softplus``, ``xlogy``...), also the
  array-API fallback;
- ``composite``: a formula over other entries of the table (``betaln``, ``multigammaln``, ``stirlerr``, ``bd0``,
  ``lgamma_ratio``, ``gamma_entropy_term``, ``log_i0e``, the logs of the regularized incomplete gamma and beta
  functions everywhere), written once on :class:`Ops` (the longer
  ones in ``_special_math.py``, with the algorithms behind torch's and JAX's ``betainc``, ``betaincinv``,
  ``gammaincinv`` and ``gammainccinv``, and MLX's ``gammainc``, ``gammaincc``, ``ndtri``, ``i0``, ``i0e``,
  ``i1``, ``i1e``);
- ``own``: written by that backend's module (torch's ``ndtr``, accurate in the lower tail), checked at binding.

Elsewhere the array-API fallback runs SciPy on the host (``host``): correct everywhere, fast nowhere.
Arguments are arrays unless the signature says otherwise (``polygamma``'s order ``n`` and ``multigammaln``'s
dimension ``p`` are Python ints; ``logsumexp`` takes ``axis``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

OWN = "own"  # the backend module defines the method itself (checked by bind_special)


@dataclass(frozen=True)
class Special:
    #: ``name(arguments)``: what the method takes
    signature: str
    #: the function's name in ``scipy.special`` and ``cupyx.scipy.special`` (NumPy, CuPy, Dask, host fallback);
    #: None: :class:`Ops`' method
    scipy: str | None
    #: attribute path under ``torch``; None: :class:`Ops`' method; OWN: the torch backend's own
    torch: str | None
    #: attribute path under ``jax``; None: :class:`Ops`' method
    jax: str | None
    #: how :class:`Ops` (the array-API fallback) computes it: "host", "standard" or "composite"
    fallback: str = "host"
    doc: str = ""


SPECIAL_FUNCTIONS: dict[str, Special] = {
    "erf": Special("erf(x)", "erf", "special.erf", "scipy.special.erf"),
    "erfc": Special("erfc(x)", "erfc", "special.erfc", "scipy.special.erfc", doc="1 - erf(x), accurate for large x"),
    "erfinv": Special("erfinv(x)", "erfinv", "special.erfinv", "scipy.special.erfinv"),
    "ndtr": Special("ndtr(x)", "ndtr", OWN, "scipy.special.ndtr", doc="the standard normal CDF"),
    "erfcx": Special(
        "erfcx(x)", "erfcx", "special.erfcx", "scipy.special.erfcx", doc="exp(x^2) erfc(x), no overflow for large x"
    ),
    "ndtri": Special("ndtri(p)", "ndtri", "special.ndtri", "scipy.special.ndtri", doc="the inverse of ndtr"),
    "log_ndtr": Special(
        "log_ndtr(x)", "log_ndtr", "special.log_ndtr", OWN,
        doc="log(ndtr(x)); JAX's own: log1p(-ndtr(-x)) above 0, where jax.scipy's log(ndtr(x)) keeps 3 digits",
    ),
    "lgamma": Special("lgamma(x)", "gammaln", "lgamma", "scipy.special.gammaln", doc="log|Gamma(x)|"),
    "gammaln": Special("gammaln(x)", "gammaln", "lgamma", "scipy.special.gammaln", doc="SciPy's name of lgamma"),
    "digamma": Special("digamma(x)", "digamma", "special.digamma", "scipy.special.digamma"),
    "polygamma": Special(
        "polygamma(n, x)", OWN, "special.polygamma", "scipy.special.polygamma",
        doc="the n-th derivative of digamma, n a Python int",
    ),
    "xlogy": Special(
        "xlogy(x, y)", "xlogy", "special.xlogy", "scipy.special.xlogy", "standard", doc="x * log(y), 0 where x == 0"
    ),
    "xlog1py": Special(
        "xlog1py(x, y)", "xlog1py", "special.xlog1py", "scipy.special.xlog1py", "standard",
        doc="x * log1p(y), 0 where x == 0",
    ),
    "gammainc": Special(
        "gammainc(a, x)", "gammainc", "special.gammainc", OWN,
        doc="regularized lower P(a, x); JAX's own, float32 computed in float64 where x64 is enabled",
    ),
    "gammaincc": Special(
        "gammaincc(a, x)", "gammaincc", "special.gammaincc", OWN,
        doc="1 - gammainc(a, x); JAX's own, float32 computed in float64 where x64 is enabled",
    ),
    "log_gammainc": Special(
        "log_gammainc(a, x)", None, None, None, "composite",
        doc="log P(a, x), finite where P underflows (the log of its continued fraction's prefactor plus the log of "
        "the fraction) and exact where P is near 1 (log1p(-gammaincc))",
    ),
    "log_gammaincc": Special(
        "log_gammaincc(a, x)", None, None, None, "composite",
        doc="log Q(a, x), finite where Q underflows and exact where Q is near 1, as log_gammainc",
    ),
    "betaln": Special(
        "betaln(a, b)", None, None, None, "composite",
        doc="log|B(a, b)| through Stirling's form with stirlerr where an argument is large: exact at any size "
        "(SciPy's is 4e-10 off at (0.1, 3e5), JAX's 2e-9 at (30, 0.2))",
    ),
    "betainc": Special(
        "betainc(a, b, x)", "betainc", OWN, OWN,
        doc="regularized incomplete beta I_x(a, b); torch and JAX: a continued fraction of fixed length "
        "(JAX's own has no gradient in a, b and loses digits at large a, b), differentiable in a, b and x",
    ),
    "betaincc": Special(
        "betaincc(a, b, x)", "betaincc", OWN, OWN,
        doc="1 - betainc(a, b, x) to relative accuracy where it is small (the other tail, without cancellation)",
    ),
    "log_betainc": Special(
        "log_betainc(a, b, x)", None, None, None, "composite",
        doc="log I_x(a, b), finite where I underflows (the log of its continued fraction's prefactor plus the log "
        "of the fraction) and exact where I is near 1 (log1p(-betaincc))",
    ),
    "log_betaincc": Special(
        "log_betaincc(a, b, x)", None, None, None, "composite",
        doc="log(1 - I_x(a, b)), finite where it underflows and exact where it is near 1, as log_betainc",
    ),
    "betaincinv": Special(
        "betaincinv(a, b, y)", "betaincinv", OWN, OWN,
        doc="the x with betainc(a, b, x) = y; torch and JAX: Halley steps, implicit gradients",
    ),
    "gammaincinv": Special(
        "gammaincinv(a, y)", "gammaincinv", OWN, OWN,
        doc="the x with gammainc(a, x) = y; torch and JAX: Halley steps, implicit gradient in y",
    ),
    "gammainccinv": Special(
        "gammainccinv(a, y)", "gammainccinv", OWN, OWN,
        doc="the x with gammaincc(a, x) = y; torch and JAX: Halley steps, implicit gradient in y",
    ),
    "log1mexp": Special(
        "log1mexp(x)", None, None, None, "standard",
        doc="log(1 - exp(-|x|)): log(1 - exp(x)) of a log-probability x <= 0, stable on both sides of log 2",
    ),
    "lgamma_ratio": Special(
        "lgamma_ratio(x, d)", None, None, None, "composite",
        doc="lgamma(x + d) - lgamma(x), exact for large x (Stirling's form; StudentT's normalizer)",
    ),
    "gamma_entropy_term": Special(
        "gamma_entropy_term(a)", None, None, None, "composite",
        doc="a + lgamma(a) + (1 - a) digamma(a), exact for large a (Gamma's entropy is this - log(rate))",
    ),
    "log_i0e": Special(
        "log_i0e(x)", None, None, None, "composite",
        doc="log(i0e(x)) = log(I0(x)) - |x|, its gradient exact for large |x| (VonMises' normalizer)",
    ),
    "i0": Special("i0(x)", "i0", "special.i0", "scipy.special.i0", doc="modified Bessel function of order 0"),
    "i0e": Special("i0e(x)", "i0e", "special.i0e", "scipy.special.i0e", doc="exp(-|x|) * i0(x)"),
    "i1": Special("i1(x)", "i1", "special.i1", "scipy.special.i1", doc="modified Bessel function of order 1"),
    "i1e": Special("i1e(x)", "i1e", "special.i1e", "scipy.special.i1e", doc="exp(-|x|) * i1(x)"),
    "expit": Special(
        "expit(x)", "expit", "special.expit", "scipy.special.expit", "standard", doc="the logistic sigmoid"
    ),
    "logit": Special("logit(p)", "logit", "special.logit", "scipy.special.logit", "standard", doc="log(p / (1-p))"),
    "log_sigmoid": Special(
        "log_sigmoid(x)", "log_expit", "nn.functional.logsigmoid", "nn.log_sigmoid", "standard",
        doc="log(expit(x)) without overflow: -softplus(-x)",
    ),
    "softplus": Special(
        "softplus(x)", None, "nn.functional.softplus", "nn.softplus", "standard", doc="log(1 + exp(x)), stable"
    ),
    "logsumexp": Special(
        "logsumexp(x, axis=-1)", None, None, None, "standard", doc="log(sum(exp(x), axis)), stable; -inf rows give -inf"
    ),
    "multigammaln": Special(
        "multigammaln(x, p)", None, None, None, "composite",
        doc="log of the multivariate gamma function of dimension p (a Python int), elementwise in x",
    ),
    "stirlerr": Special(
        "stirlerr(x)", None, None, None, "composite",
        doc="lgamma(x + 1) - (x + 1/2) log x + x - log(2 pi)/2, the error of Stirling's formula, exact at any x",
    ),
    "bd0": Special(
        "bd0(x, m, log_m=None)", None, None, None, "composite",
        doc="x log(x / m) + m - x without cancellation near x = m (the saddle-point deviance term)",
    ),
}  # fmt: skip


def resolve(module: Any, path: str) -> Any:
    """``resolve(torch, "special.erf")`` is ``torch.special.erf``."""
    return functools.reduce(getattr, path.split("."), module)


def bind_special(cls: type, library: str, module: Any) -> None:
    """Set the table's functions of ``library`` ("torch" or "jax") as static methods of ``cls``.

    Entries marked OWN must be defined by ``cls`` itself; entries naming no function keep :class:`Ops`' method.
    """
    for name, entry in SPECIAL_FUNCTIONS.items():
        path = getattr(entry, library)
        if path == OWN:
            if name not in cls.__dict__:
                raise TypeError(f"{cls.__name__} must define {name}: the special-function table says so")
        elif path is not None:
            setattr(cls, name, staticmethod(resolve(module, path)))
