"""The bad-input catalogue: what arraydist does with each kind of bad or extreme input (``docs/errors.md``).

Each row is a line of Python a user might write; the catalogue runs it and records the exception (type and exact
message) or the documented result.  ``python tests/errors_catalogue.py`` writes ``docs/errors.md``;
``tests/test_errors_catalogue.py`` regenerates it and fails when the document and the library disagree, so that the
document is always what the library does.  Rows whose classes do not exist (yet) are left out, never guessed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"

#: (section, the code a user writes, what the row shows); a row raises or evaluates to the documented result
ROWS: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ invalid parameter values
    ("Invalid parameter values", "Normal(0.0, -1.0)", "a scale that is not positive"),
    ("Invalid parameter values", "Normal(np.array([0.0, 1.0, 2.0]), np.array([1.0, -2.0, 0.0]))", "which members"),
    ("Invalid parameter values", "Normal(np.nan, 1.0)", "NaN"),
    ("Invalid parameter values", "Normal(np.inf, 1.0)", "an infinite location"),
    ("Invalid parameter values", "Bernoulli(probs=1.5)", "a probability above 1"),
    ("Invalid parameter values", "Categorical(probs=np.array([0.5, -0.1, 0.6]))", "a negative probability"),
    ("Invalid parameter values", "Categorical(logits=np.array([-np.inf, -np.inf]))", "every category masked"),
    ("Invalid parameter values", "Binomial(total_count=2.5, probs=0.5)", "a count that is not an integer"),
    ("Invalid parameter values", "Poisson(-1.0)", "a negative rate"),
    ("Invalid parameter values", "MultivariateNormal(np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]))", "not PD"),
    ("Invalid parameter values", "Uniform(1.0, 0.0)", "low above high"),
    ("Invalid parameter values", "Gamma(0.0, 1.0)", "a zero concentration"),
    ("Invalid parameter values", "Beta(1.0, -2.0)", "a negative concentration"),
    ("Invalid parameter values", "StudentT(0.0)", "zero degrees of freedom"),
    ("Invalid parameter values", "TruncatedNormal(0.0, 1.0, 2.0, 1.0)", "bounds in the wrong order"),
    ("Invalid parameter values", "VonMises(0.0, -1.0)", "a negative concentration"),
    ("Invalid parameter values", "Exponential(np.array([1.0, 0.0]))", "a zero rate in a batch"),
    ("Invalid parameter values", "Wishart(np.array([4.0, 1.5]), covariance_matrix=np.eye(3))", "df <= p - 1"),
    ("Invalid parameter values", "LKJCholesky(1)", "matrices of size 1"),
    # ------------------------------------------------------------------ shapes
    ("Shapes", "Normal(np.zeros(3), np.ones(2))", "parameters that do not broadcast"),
    ("Shapes", "Normal(np.zeros(3), 1.0).log_prob(np.zeros(2))", "a value that does not broadcast"),
    ("Shapes", "MultivariateNormal(np.zeros(3), np.eye(2))", "a mean and a matrix of different sizes"),
    ("Shapes", "MultivariateNormal(np.zeros(2), np.ones((2, 3)))", "a matrix that is not square"),
    ("Shapes", "Independent(Normal(np.zeros(3), 1.0), 2)", "more dimensions than the batch has"),
    ("Shapes", "Normal(np.zeros((2, 3)), 1.0)[5]", "an index past the batch"),
    ("Shapes", "Normal(np.zeros(3), 1.0).sample((-1,))", "a negative sample size"),
    ("Shapes", "Normal(np.zeros(3), 1.0).expand((2, 4))", "an expansion that does not fit"),
    # ------------------------------------------------------------------ values outside the support
    ("Values outside the support", "Poisson(2.0).log_prob(np.array(-1.0))", "a negative count"),
    ("Values outside the support", "Poisson(2.0).log_prob(np.array(1.5))", "a count that is not an integer"),
    ("Values outside the support", "Bernoulli(0.3).log_prob(np.array(0.5))", "neither 0 nor 1"),
    ("Values outside the support", "Categorical(probs=np.ones(3) / 3).log_prob(np.array(3))", "an index past K"),
    ("Values outside the support", "Uniform(np.array([0.0, 1.0]), 2.0).log_prob(np.array(0.5))", "one member"),
    ("Values outside the support", "Normal(0.0, 1.0).icdf(np.array(1.5))", "a probability above 1"),
    (
        "Values outside the support",
        "Poisson(2.0, validate_args=False).log_prob(np.array(-1.0))",
        "validation off: the log-mass there",
    ),
    (
        "Values outside the support",
        "Uniform(0.0, 1.0, validate_args=False).log_prob(np.array(2.0))",
        "validation off: the log-density there",
    ),
    # ------------------------------------------------------------------ types
    ("Types", "Normal('0', 1.0)", "a string"),
    ("Types", "Normal(np.array([1 + 2j]), 1.0)", "a complex array"),
    ("Types", "Normal(0.0, 1.0).log_prob(np.array([1 + 2j]))", "a complex value"),
    ("Types", "Normal(0.0, 1.0).sample(2.5)", "a float sample shape"),
    ("Types", "Normal(0.0, 1.0).sample({2: 3})", "a dict as a sample shape"),
    ("Types", "Multinomial(2.5, probs=np.array([0.5, 0.5]))", "a float total_count"),
    ("Types", "Independent(np.zeros(3), 1)", "not a distribution"),
    # ------------------------------------------------------------------ libraries
    ("Mixed libraries", "Normal(torch.zeros(2), jnp.ones(2))", "torch beside JAX"),
    ("Mixed libraries", "Normal(torch.zeros(2), np.ones(2)).loc", "NumPy beside torch: taken as constants"),
    ("Mixed libraries", "Normal(torch.zeros(2), 1.0).log_prob(jnp.zeros(2))", "a value of another library"),
    ("Mixed libraries", "isinstance(Normal(0.0, 1.0).sample(seed=jax.random.PRNGKey(0)), jax.Array)", "a JAX key"),
    # ------------------------------------------------------------------ lazy arrays
    ("Lazy arrays (Dask)", "Normal(0.0, da.from_array(np.array([1.0, -2.0])))", "building computes nothing"),
    (
        "Lazy arrays (Dask)",
        "Normal(0.0, da.from_array(np.array([1.0, -2.0]))).log_prob(0.0).compute()",
        "compute(): NumPy's message",
    ),
    ("Lazy arrays (Dask)", "Uniform(da.from_array(np.array([1.0])), 0.0).sample((2,), seed=0).compute()", "a draw"),
    ("Lazy arrays (Dask)", "Poisson(2.0).log_prob(da.from_array(np.array([1.0, 1.5]))).compute()", "a value"),
    (
        "Lazy arrays (Dask)",
        "Normal(da.from_array(np.array([np.nan])), 1.0, validate_args=False).log_prob(0.0).compute()",
        "validation off: the formula's value",
    ),
    # ------------------------------------------------------------------ empty batches and extremes
    ("Empty batches and extremes", "Normal(np.zeros((0, 3)), 1.0).sample((2,)).shape", "an empty batch"),
    ("Empty batches and extremes", "Poisson(np.zeros(0)).log_prob(np.zeros(0)).shape", "an empty batch"),
    ("Empty batches and extremes", "Multinomial(10**400, probs=np.array([0.5, 0.5]))", "a count past float64"),
    ("Empty batches and extremes", "float(Normal(0.0, 1.0).log_prob(1.5e154))", "far out: finite"),
    ("Empty batches and extremes", "float(Normal(0.0, 1.0).log_cdf(-40.0))", "the lower tail"),
    ("Empty batches and extremes", "Categorical(logits=np.array([1e30, 1e30, 1e30])).probs", "a large offset"),
    ("Empty batches and extremes", "float(Bernoulli(logits=100.0).log_prob(np.array(0.0)))", "a saturated logit"),
]


def namespace() -> dict[str, Any]:
    import dask.array as da
    import jax
    import jax.numpy as jnp
    import torch

    import arraydist

    ns: dict[str, Any] = {"np": np, "torch": torch, "jax": jax, "jnp": jnp, "da": da, "arraydist": arraydist}
    ns.update({name: getattr(arraydist, name) for name in arraydist.__all__ if name[:1].isupper()})
    return ns


def outcome(code: str, ns: dict[str, Any]) -> str | None:
    """What ``code`` does: ``raises Type: message`` or ``returns repr``; None where it names a class arraydist
    does not have (the row is left out)."""
    try:
        value = eval(code, dict(ns))
    except NameError:
        return None
    except Exception as exc:
        return f"raises `{type(exc).__name__}`: {exc}"
    return f"returns `{value!r}`".replace("\n", " ")


def render() -> str:
    # the print options only inside: set globally they changed every later doctest of the test process
    with np.printoptions(precision=6, legacy=False):
        return _render()


def _render() -> str:
    ns = namespace()
    lines = [
        "# arraydist: what each bad or extreme input does",
        "",
        "Generated by `python tests/errors_catalogue.py` (the rows are in that file) and checked by",
        "`tests/test_errors_catalogue.py`: every message below is the library's own, verbatim. Validation is on",
        "(the default) unless a row says `validate_args=False`. Errors name the class, the parameter or method, the",
        "constraint, the shape and a few of the offending values; with validation off nothing is checked and the",
        "result is the formula's value (the last rows of the support section).",
        "",
    ]
    sections: dict[str, list[str]] = {}
    for where, code, what in ROWS:
        result = outcome(code, ns)
        if result is None:
            continue
        first, _, rest = result.partition("\n")
        if rest:  # a shape error goes on with the value's layout, drawn as ``explain`` draws it
            first += " (then the value's layout, dimension by dimension)"
        cell = first.replace("|", "\\|")
        sections.setdefault(where, []).append(f"| `{code}` | {what} | {cell} |")
    for where, rows in sections.items():
        lines += [f"## {where}", "", "| input | what it shows | result |", "|---|---|---|", *rows, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    DOC.write_text(render())
    print(f"wrote {DOC}")
