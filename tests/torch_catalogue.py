"""The torch.distributions catalogue: where each public name of torch.distributions is in arraydist
(``docs/torch.md``).

Every name of ``torch.distributions.__all__``, ``torch.distributions.transforms.__all__`` and
``torch.distributions.constraints.__all__``, and the public submodules and classes a porting user imports from
torch's submodules (``EXTRA_TORCH_NAMES``), is either in ``PLACES`` (its arraydist import path) or in
``OMISSIONS`` (the one-line reason it is left out). ``DIFFERENCES`` lists what a porting user meets, with the line
they change. ``python tests/torch_catalogue.py`` writes ``docs/torch.md``; ``tests/test_torch_catalogue.py`` checks
the catalogue against torch and arraydist (every path imports, every omission is really absent, every difference's
lines run) and that the document is current. ``render()`` reads nothing but this module, so the document does not
change when the classes of ``PENDING_ISSUE_21`` land.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

DOC = Path(__file__).resolve().parents[1] / "docs" / "torch.md"

#: the torch modules whose ``__all__`` the catalogue covers, in the order of the document
TORCH_MODULES = ("torch.distributions", "torch.distributions.transforms", "torch.distributions.constraints")

#: public names outside those ``__all__`` lists that porting code imports: torch's public submodules and the
#: classes torch defines in a submodule without exporting them at the top
EXTRA_TORCH_NAMES = (
    "torch.distributions.constraint_registry",
    "torch.distributions.constraint_registry.ConstraintRegistry",
    "torch.distributions.constraints",
    "torch.distributions.kl",
    "torch.distributions.relaxed_bernoulli.LogitRelaxedBernoulli",
    "torch.distributions.relaxed_categorical.ExpRelaxedCategorical",
    "torch.distributions.transforms",
    "torch.distributions.utils",
)

_DISTRIBUTIONS = (
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Chi2",
    "ContinuousBernoulli",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "FisherSnedecor",
    "Gamma",
    "GeneralizedPareto",
    "Geometric",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Independent",
    "InverseGamma",
    "Kumaraswamy",
    "LKJCholesky",
    "Laplace",
    "LogNormal",
    "LogisticNormal",
    "LowRankMultivariateNormal",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Pareto",
    "Poisson",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "StudentT",
    "TransformedDistribution",
    "Uniform",
    "VonMises",
    "Weibull",
    "Wishart",
)

_TRANSFORMS = (
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
)

_CONSTRAINTS = (
    "Constraint",
    "boolean",
    "cat",
    "corr_cholesky",
    "dependent",
    "dependent_property",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "less_than",
    "lower_cholesky",
    "lower_triangular",
    "multinomial",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "positive",
    "positive_definite",
    "positive_integer",
    "positive_semidefinite",
    "real",
    "real_vector",
    "simplex",
    "square",
    "stack",
    "symmetric",
    "unit_interval",
)

#: torch name -> the arraydist import path of the same thing
PLACES: dict[str, str] = {
    **{f"torch.distributions.{n}": f"arraydist.{n}" for n in _DISTRIBUTIONS},
    **{f"torch.distributions.{n}": f"arraydist.transforms.{n}" for n in _TRANSFORMS},
    **{f"torch.distributions.transforms.{n}": f"arraydist.transforms.{n}" for n in _TRANSFORMS},
    **{f"torch.distributions.constraints.{n}": f"arraydist.constraints.{n}" for n in _CONSTRAINTS},
    "torch.distributions.biject_to": "arraydist.biject_to",
    "torch.distributions.kl_divergence": "arraydist.kl_divergence",
    "torch.distributions.register_kl": "arraydist.register_kl",
    "torch.distributions.transform_to": "arraydist.transform_to",
    "torch.distributions.constraint_registry": "arraydist.transforms",
    "torch.distributions.constraint_registry.ConstraintRegistry": "arraydist.transforms.ConstraintRegistry",
    "torch.distributions.constraints": "arraydist.constraints",
    "torch.distributions.kl": "arraydist.kl",
    "torch.distributions.transforms": "arraydist.transforms",
    # torch keeps these two in their modules; arraydist's modules have torch's names
    "torch.distributions.relaxed_bernoulli.LogitRelaxedBernoulli": (
        "arraydist.distributions.relaxed_bernoulli.LogitRelaxedBernoulli"
    ),
    "torch.distributions.relaxed_categorical.ExpRelaxedCategorical": (
        "arraydist.distributions.relaxed_categorical.ExpRelaxedCategorical"
    ),
}

#: torch name -> why arraydist deliberately has no counterpart (and what to use instead)
OMISSIONS: dict[str, str] = {
    "torch.distributions.ExponentialFamily": (
        "no base class of that name: torch uses it for an entropy and a same-family KL from the natural "
        "parameters (Bregman divergence); every arraydist family writes its entropy and KL in closed form, so "
        "`isinstance(d, ExponentialFamily)` has no counterpart"
    ),
    "torch.distributions.constraints.MixtureSameFamilyConstraint": (
        "the support of torch's MixtureSameFamily alone (the component's support, reduced over the component "
        "dimension); read `mixture.support` instead of building the class"
    ),
    "torch.distributions.utils": (
        "torch's internal helpers (`broadcast_all`, `probs_to_logits`, `logits_to_probs`, `clamp_probs`, "
        "`lazy_property`): arraydist broadcasts in the base class and derives the other form lazily "
        "(`d.logits` of a `probs` distribution)"
    ),
}

#: torch names whose arraydist class is being written (absent): the test takes each as expected-absent while absent
#: and checks it like any other once it lands (issue 21's landed on 2026-12-07: none is pending)
PENDING_ISSUE_21: set[str] = set()

#: torch name -> a note for the table (what differs for that name; most have none)
NOTES: dict[str, str] = {
    "torch.distributions.Distribution": (
        "torch-style subclasses work (attributes, then `super().__init__(batch_shape, ...)`); no `sample_n`; "
        "extra: `cdf`/`icdf` tails (`log_cdf`, `survival_function`, ...), `rsample_and_log_prob`, `reshape`, "
        "`to_event`, `explain`"
    ),
    "torch.distributions.Categorical": "JAX: indices are JAX's default integer (int32 without `jax_enable_x64`)",
    "torch.distributions.Normal": "`log_cdf` and `cdf` accurate in the far tails (torch's `cdf` is 0 below -8.3)",
    "torch.distributions.Poisson": "float32 `log_prob` in a saddle-point form: right at large counts (torch's is not)",
    "torch.distributions.Binomial": "float32 `log_prob` in a saddle-point form (as Poisson)",
    "torch.distributions.NegativeBinomial": "float32 `log_prob` in a saddle-point form (as Poisson)",
    "torch.distributions.biject_to": "`biject_to(constraints.positive)` is `ExpTransform()` (torch: a Compose of "
    "Exp and the identity Affine; the same values)",
    "torch.distributions.kl_divergence": "20 pairs torch registers are not written yet (below)",
    "torch.distributions.kl": "`register_kl`, `kl_divergence`; no `_KL_REGISTRY`",
    "torch.distributions.constraint_registry": "`ConstraintRegistry`, `biject_to` and `transform_to` live in "
    "`arraydist.transforms`",
    "torch.distributions.transforms.AffineTransform": "a 0-d scale's log-determinant is summed over the event "
    "(torch counts a 0-d tensor scale once per event)",
    "torch.distributions.transforms.PowerTransform": "a Python-number exponent stays a number (torch makes it a "
    "tensor of the default dtype)",
    "torch.distributions.transforms.SigmoidTransform": "clips to `[tiny, 1 - eps/2]` (torch: `1 - eps`)",
    "torch.distributions.transforms.StickBreakingTransform": "the inverse keeps full precision near a vertex",
    "torch.distributions.transforms.TanhTransform": "`inv(±1)` is finite (torch: ±inf), so `log_prob` of a "
    "squashed Gaussian at ±1 is finite",
    "torch.distributions.transforms.Transform": "transforms are hashable and `t.inv` pickles on its own",
    "torch.distributions.constraints.positive_semidefinite": "accepts eigenvalues down to `-10 n eps` of the "
    "largest (torch rejects any negative one)",
    "torch.distributions.constraints.stack": "`dim=-1` over scalar parts is a batch dimension (event rank 0)",
    "torch.distributions.constraints.interval": "bounds may be arrays, one per batch member (so the other "
    "bounded constraints)",
}

#: arraydist public names with no torch counterpart -> what they are
BEYOND: dict[str, str] = {
    "arraydist.Explanation": "what `d.explain(sample_shape)` returns: the shape table",
    "arraydist.Truncated": "truncation of any univariate family with a cdf and an icdf",
    "arraydist.TruncatedNormal": "a normal truncated to `[low, high]`, accurate far in the tails",
    "arraydist.manual_seed": "seeds arraydist's own generator (NumPy and array-API parameters with `seed=None`)",
    "arraydist.set_default_backend": "the library of distributions of Python numbers: numpy (default), torch, jax",
    "arraydist.set_default_validate_args": "torch's `Distribution.set_default_validate_args` (both spellings work)",
    "arraydist.__version__": "the version",
    "arraydist.Distribution.log_cdf": "`log(cdf(x))`, accurate in the far lower tail",
    "arraydist.Distribution.survival_function": "`1 - cdf(x)`, accurate in the upper tail",
    "arraydist.Distribution.log_survival_function": "`log(1 - cdf(x))`, accurate in the upper tail",
    "arraydist.Distribution.prob": "`exp(log_prob(x))`",
    "arraydist.Distribution.rsample_and_log_prob": "a draw and its log-density in one call (a transformed "
    "density from the draw before the transforms: finite for a saturated tanh)",
    "arraydist.Distribution.reshape": "the batch dimensions reshaped",
    "arraydist.Distribution.to_event": "`Independent(d, n)`",
    "arraydist.Distribution.explain": "which dimensions are sample, batch and event, and every shape",
    "arraydist.Distribution.backend": "the parameters' array library (`dtype`, `device`, `xp` too)",
}

#: family -> methods torch.distributions does not implement (NotImplementedError) and arraydist computes (checked)
MORE_THAN_TORCH: dict[str, tuple[str, ...]] = {
    "Bernoulli": ("cdf", "icdf"),
    "Beta": ("cdf", "icdf"),
    "Binomial": ("cdf",),
    "Chi2": ("icdf",),
    "ContinuousBernoulli": ("mode",),
    "FisherSnedecor": ("cdf", "icdf"),
    "Gamma": ("icdf",),
    "Geometric": ("cdf", "icdf"),
    "InverseGamma": ("icdf",),
    "Multinomial": ("mode",),
    "NegativeBinomial": ("cdf",),
    "Poisson": ("cdf",),
    "StudentT": ("cdf", "icdf"),
    "VonMises": ("entropy",),
}


class Difference(NamedTuple):
    """What a porting user meets, the torch line and the arraydist line; ``runs``: both lines are Python the test
    executes (a line of ``-`` is left out), in namespaces where ``d`` is a Normal of torch tensors; otherwise they
    are Markdown, as written."""

    what: str
    torch: str
    arraydist: str
    runs: bool = True


DIFFERENCES: list[Difference] = [
    Difference(
        "the transforms are not re-exported at the top",
        "from torch.distributions import AffineTransform",
        "from arraydist.transforms import AffineTransform",
    ),
    Difference(
        "the constraint registry's class lives with the transforms",
        "from torch.distributions.constraint_registry import ConstraintRegistry",
        "from arraydist.transforms import ConstraintRegistry",
    ),
    Difference(
        "Python numbers make NumPy float64 distributions until a library is named (torch: tensors)",
        "Normal(0.0, 1.0).sample((3,))",
        'arraydist.set_default_backend("torch")',
    ),
    Difference(
        "torch parameters draw from torch's global generator, as in torch (the same draws for Normal, Gamma, "
        "Exponential, Poisson and Categorical); NumPy parameters from arraydist's",
        "torch.manual_seed(0)",
        "arraydist.manual_seed(0)",
    ),
    Difference(
        "a seed per call: an int, a `torch.Generator`, a `numpy.random.Generator` or a JAX key",
        "-",
        "d.sample((3,), seed=torch.Generator().manual_seed(0))",
    ),
    Difference(
        "JAX parameters have no global random state: `seed=` is required",
        "-",
        "Normal(jnp.zeros(3), 1.0).sample(seed=jax.random.key(0))",
    ),
    Difference("no `sample_n` (deprecated in torch)", "d.sample_n(5)", "d.sample((5,))"),
    Difference(
        "shapes are plain tuples (equal to torch.Size, without its methods)",
        "d.batch_shape.numel()",
        "math.prod(d.batch_shape)",
    ),
    Difference(
        "validation stays on under `python -O` (torch follows `__debug__`)",
        "`python -O`",
        "`arraydist.set_default_validate_args(False)`",
        runs=False,
    ),
    Difference(
        "parameters that do not broadcast are a `ValueError` naming the class and parameters (torch: "
        "`RuntimeError`); messages are arraydist's own, so match the class and parameter, not torch's text",
        "`except RuntimeError:`",
        "`except ValueError:`",
        runs=False,
    ),
    Difference(
        "a torch-style subclass needs no `expand` of its own (there is no `_get_checked_instance`): the base "
        "rebuilds the subclass from its parameters",
        "`new = self._get_checked_instance(MyDist, _instance)`",
        "delete the `expand` override",
        runs=False,
    ),
    Difference(
        "KL pairs torch registers that arraydist has not written raise `NotImplementedError` naming the pair",
        "`kl_divergence(Gamma(2.0, 1.0), Gumbel(0.0, 1.0))`",
        "`@register_kl(Gamma, Gumbel)` on a rule of your own",
        runs=False,
    ),
    Difference(
        "JAX's Categorical indices are int32 without x64 (torch: int64)",
        "-",
        '`jax.config.update("jax_enable_x64", True)`',
        runs=False,
    ),
    Difference(
        "`isinstance(d, ExponentialFamily)` has no counterpart (see the omissions)",
        "isinstance(d, ExponentialFamily)",
        "-",
    ),
]

#: torch registers a KL rule for these (p, q) classes and arraydist has none (yet): `kl_divergence` raises
#: NotImplementedError naming the pair. Pairs of PENDING_ISSUE_21's classes are checked once the set is emptied.
KL_NOT_WRITTEN: tuple[tuple[str, str], ...] = ()

#: families whose draws under ``torch.manual_seed`` are torch.distributions' own (checked by the test)
SAME_DRAWS = ("Normal", "Gamma", "Exponential", "Poisson", "Categorical")


def torch_names() -> list[str]:
    """Every torch name the catalogue must cover, from torch itself (needs torch)."""
    import importlib

    names = [f"{m}.{n}" for m in TORCH_MODULES for n in importlib.import_module(m).__all__]
    return sorted(set(names) | set(EXTRA_TORCH_NAMES))


def _section(name: str) -> str:
    module = name.rpartition(".")[0]
    return module if module in TORCH_MODULES else "other public modules and classes"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str, runs: bool) -> str:
    if text == "-":
        return "(none)"
    return f"`{_cell(text)}`" if runs else _cell(text)


def render() -> str:
    lines = [
        "# Porting from torch.distributions",
        "",
        "Generated by `python tests/torch_catalogue.py` (the data are in that file) and checked by",
        "`tests/test_torch_catalogue.py`: every public name of `torch.distributions`, `torch.distributions.transforms`",
        "and `torch.distributions.constraints` (and the public submodules and classes porting code imports) is here,",
        "with where it is in arraydist or why it is left out; every path below imports, every omission is really",
        "absent, and the lines of the porting table run. Constructors, parameter names, `arg_constraints`,",
        "`support`, `has_rsample`, the moments' semantics and the class hierarchy are torch's; the transforms'",
        "differences are detailed in `docs/transforms.md`.",
        "",
        "## What changes when porting",
        "",
        "| what differs | torch.distributions | arraydist |",
        "|---|---|---|",
    ]
    lines += [f"| {_cell(d.what)} | {_code(d.torch, d.runs)} | {_code(d.arraydist, d.runs)} |" for d in DIFFERENCES]
    lines += ["", "## Where each name is", ""]
    rows: dict[str, list[str]] = {}
    for name in sorted(PLACES.keys() | OMISSIONS.keys(), key=lambda n: (n.rpartition(".")[0], n.lower())):
        if name in OMISSIONS:
            row = f"| `{name}` | (omitted) | {_cell(OMISSIONS[name])} |"
        else:
            row = f"| `{name}` | `{PLACES[name]}` | {_cell(NOTES.get(name, ''))} |"
        rows.setdefault(_section(name), []).append(row)
    for section in (*TORCH_MODULES, "other public modules and classes"):
        lines += [f"### {section}", "", "| torch name | arraydist | note |", "|---|---|---|", *rows[section], ""]
    lines += ["## KL pairs torch registers that arraydist has not written", ""]
    if KL_NOT_WRITTEN:
        lines += [
            "`kl_divergence` raises `NotImplementedError` naming the pair; `register_kl` adds a rule.",
            "",
            "| p | q |",
            "|---|---|",
            *[f"| `{p}` | `{q}` |" for p, q in KL_NOT_WRITTEN],
        ]
    else:
        lines.append("None: every pair torch registers among the classes both libraries have has a rule here.")
    lines += [
        "",
        "## Beyond torch.distributions",
        "",
        "| arraydist | what it is |",
        "|---|---|",
        *[f"| `{name}` | {_cell(what)} |" for name, what in BEYOND.items()],
        "",
        "Methods torch.distributions leaves unimplemented (`NotImplementedError`) on these classes and arraydist",
        "computes (every family has `log_cdf`, `survival_function` and `log_survival_function` where it has a `cdf`):",
        "",
        "| class | methods |",
        "|---|---|",
        *[f"| `{name}` | {', '.join(f'`{m}`' for m in methods)} |" for name, methods in MORE_THAN_TORCH.items()],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC}", file=sys.stderr)
