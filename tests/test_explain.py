"""``Distribution.explain``: the tutorial's two distributions laid out exactly, on every backend; broadcast
parameters, shared matrices, nested ``Independent``; the HTML form; shape errors that show the layout."""

from __future__ import annotations

import numpy as np
import pytest

from arraydist import Categorical, Explanation, Independent, MultivariateNormal, Normal
from backends import Backend

MVN_TEXT = """\
MultivariateNormal of numpy float64 arrays
draw = sample_shape + batch_shape + event_shape = (100,) + (3,) + (2,) = (100, 3, 2)

dimension   0       1      2
size        100     3      2
kind        sample  batch  event

quantity           shape        dimensions
sample((100,))     (100, 3, 2)  sample 100, batch 3, event 2
log_prob(value)    (100, 3)     sample 100, batch 3
mean               (3, 2)       batch 3, event 2
loc                (3, 2)       batch 3, event 2
covariance_matrix  (3, 2, 2)    batch 3, param 2, param 2

broadcast: none (every parameter holds one value per batch member)"""

INDEPENDENT_TEXT = """\
Independent(Normal, 1) of numpy float64 arrays
draw = sample_shape + batch_shape + event_shape = (100,) + (3,) + (2,) = (100, 3, 2)

dimension   0       1      2
size        100     3      2
kind        sample  batch  event

quantity         shape        dimensions
sample((100,))   (100, 3, 2)  sample 100, batch 3, event 2
log_prob(value)  (100, 3)     sample 100, batch 3
mean             (3, 2)       batch 3, event 2
base_dist.loc    (3, 2)       batch 3, event 2
base_dist.scale  (3, 2)       batch 3, event 2

broadcast: none (every parameter holds one value per batch member)"""


def tutorial(backend: Backend, dtype: str = "float64") -> tuple[MultivariateNormal, Independent]:
    mean = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    var = np.full((3, 2), 0.1)
    mvn = MultivariateNormal(
        loc=backend.asarray(mean, dtype),
        covariance_matrix=backend.asarray(var[:, :, None] * np.eye(2)[None, :, :], dtype),
    )
    iid = Independent(Normal(loc=backend.asarray(mean, dtype), scale=backend.asarray(np.sqrt(var), dtype)), 1)
    return mvn, iid


def test_the_tutorial_explained_exactly_on_numpy() -> None:
    from backends import NUMPY

    mvn, iid = tutorial(NUMPY)
    assert str(mvn.explain((100,))) == MVN_TEXT
    assert str(iid.explain(100)) == INDEPENDENT_TEXT
    assert repr(mvn.explain((100,))) == MVN_TEXT  # what a REPL shows


def test_the_tutorial_explained_on_every_backend(backend: Backend) -> None:
    dtype = "float32" if backend.name == "torch" else "float64"
    mvn, iid = tutorial(backend, dtype)
    for d, text in ((mvn, MVN_TEXT), (iid, INDEPENDENT_TEXT)):
        e = d.explain((100,))
        assert isinstance(e, Explanation)
        lines = str(e).splitlines()
        assert lines[0] == text.splitlines()[0].replace("numpy float64", f"{backend.name} {dtype}")
        assert lines[1:] == text.splitlines()[1:]  # the same table whatever the library
        # the shapes stated are the shapes that come out
        x = d.sample((100,), seed=0)
        assert e.row("sample").shape == tuple(x.shape)
        assert e.row("log_prob").shape == tuple(d.log_prob(x).shape)
        assert e.row("mean").shape == tuple(d.mean.shape)


def test_broadcast_parameters_are_marked(backend: Backend) -> None:
    """Marked on every backend: from the constructor's record (JAX and Dask arrays keep no strides), and from
    strides where the library has them."""
    d = Normal(backend.asarray(np.zeros((3, 1))), backend.asarray(np.ones((1, 2))))
    e = d.explain()
    assert e.broadcast_known
    assert [dim.broadcast for dim in e.row("loc").dims] == [False, True]
    assert [dim.broadcast for dim in e.row("scale").dims] == [True, False]
    text = str(e)
    assert "loc              (3, 2)  batch 3, batch 2*" in text
    assert "  loc: batch dim 1\n  scale: batch dim 0" in text
    # expand keeps what was broadcast and adds its own dimensions
    wide = d.expand((4, 3, 2)).explain()
    assert [dim.broadcast for dim in wide.row("loc").dims] == [True, False, True]
    assert [dim.broadcast for dim in wide.row("scale").dims] == [True, True, False]
    # a slice is known where strides show it, and said to be unknown where they do not
    sliced = d[1:].explain()
    if backend.name in ("jax", "dask"):
        assert not sliced.broadcast_known
        assert all(dim.broadcast is None for dim in sliced.row("loc").dims)
        assert str(sliced).splitlines()[-1] == (
            f"broadcast: not known ({backend.name} arrays keep no strides, and these arrived already broadcast: "
            "only constructors and expand record it)"
        )
    else:
        assert sliced.broadcast_known
        assert [dim.broadcast for dim in sliced.row("scale").dims] == [True, False]


def test_broadcast_is_recorded_through_conversions_and_lost_under_jit() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    prior = Normal(np.zeros((3, 1)), 1.0)
    assert prior._broadcast_dims == {"scale": (True, False)}
    d = Normal(jnp.zeros((3, 1)), jnp.ones((1, 2)))
    out = jax.jit(lambda d: d)(d)  # the pytree comes back with arrays already broadcast
    assert out._broadcast_dims is None and not out.explain().broadcast_known
    assert Normal(jnp.zeros((3, 2)), jnp.ones((3, 2))).explain().broadcast_known  # nothing to broadcast


def test_a_python_number_is_broadcast_and_independent_relabels_the_base_dimensions() -> None:
    e = Normal(np.zeros((3, 2)), 1.0).to_event(1).explain(100)
    assert e.row("base_dist.scale").layout == "batch 3*, event 2*"
    assert "  base_dist.scale: batch dim 0 and event dim 0" in str(e)
    nested = Independent(Independent(Normal(np.zeros((4, 3, 2)), 1.0), 1), 1)
    assert nested.explain().row("base_dist.base_dist.loc").layout == "batch 4, event 3, event 2"
    assert str(nested.explain()).startswith("Independent(Independent(Normal, 1), 1) of numpy float64 arrays")


def test_a_shared_matrix_and_category_parameters() -> None:
    e = MultivariateNormal(np.zeros((3, 2)), covariance_matrix=np.eye(2)).explain()
    row = e.row("covariance_matrix")
    assert row.shape == (2, 2) and row.shared == (0,) and row.layout == "param 2, param 2"
    assert "  covariance_matrix: one (2, 2) value for every batch member (batch dim 0 not stored)" in str(e)
    c = Categorical(probs=np.full((4, 3), 1 / 3)).explain(2)
    assert c.row("probs").layout == "batch 4, param 3"
    assert c.row("sample").shape == (2, 4) and [d.kind for d in c.draw] == ["sample", "batch"]


def test_scalars_and_neutral_distributions() -> None:
    text = str(Normal(0.0, 1.0).explain())
    assert text.splitlines()[0] == (
        "Normal of numpy float64 arrays (Python numbers: it adopts the library of the arrays it meets)"
    )
    assert "a draw is a scalar: no sample, batch or event dimensions" in text
    assert "sample()         ()     (a scalar)" in text
    with pytest.raises(TypeError, match="sample_shape"):
        Normal(0.0, 1.0).explain(2.5)
    with pytest.raises(KeyError, match="no row 'nothing'"):
        Normal(0.0, 1.0).explain().row("nothing")


def test_html_table_for_notebooks() -> None:
    mvn, _ = tutorial(__import__("backends").NUMPY)
    page = mvn.explain((100,))._repr_html_()
    assert page.startswith("<div><b>MultivariateNormal</b>") and page.endswith("</div>")
    assert page.count("<tr>") == 1 + 5  # a header and the five rows
    assert 'background:#c7dcf5">sample 100</td>' in page and "event 2</td>" in page
    broadcast = Normal(np.zeros((3, 1)), 1.0).explain()._repr_html_()
    assert "batch 1*" not in broadcast and "broadcast" in broadcast


def test_log_prob_shape_errors_show_the_layout(backend: Backend) -> None:
    mvn, _ = tutorial(backend)
    with pytest.raises(ValueError, match=r"the value has shape \(3, 3\) but the event shape is \(2,\)") as info:
        mvn.log_prob(backend.asarray(np.zeros((3, 3))))
    assert str(info.value).splitlines()[1:] == [
        "a value must be laid out as sample_shape + batch_shape + event_shape = (...) + (3,) + (2,); from the right:",
        "             sample...  batch  event",
        "  expected         any      3      2",
        "  the value                 3      3",
        "  event dim 0: the value has 3, the event needs 2",
    ]
    with pytest.raises(ValueError, match=r"value's shape \(5, 4, 2\)") as info:
        mvn.log_prob(backend.asarray(np.zeros((5, 4, 2))))
    assert str(info.value).splitlines()[-4:] == [
        "             sample  batch  event",
        "  expected      any      3      2",
        "  the value       5      4      2",
        "  batch dim 0: 4 does not broadcast with 3",
    ]
    with pytest.raises(ValueError, match="the value has no dimension for event dim 0"):
        MultivariateNormal(backend.asarray(np.zeros(2)), covariance_matrix=backend.asarray(np.eye(2))).log_prob(
            backend.asarray(np.zeros(()))
        )


def test_the_readme_shows_what_explain_prints() -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Seeing the shapes: `explain`", 1)[1]
    shown = re.search(r"```text\n(.*?)```", section, flags=re.DOTALL)
    assert shown is not None
    mean = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    mvn = MultivariateNormal(mean, covariance_matrix=0.1 * np.eye(2))
    iid = Independent(Normal(mean, np.sqrt(0.1)), 1)
    assert shown.group(1) == f"{mvn.explain((100,))}\n\n{iid.explain((100,))}\n"
