"""``arraydist.plot``, rendered headless (matplotlib's Agg canvas) and inspected as images: not blank, each batch
member's colour on the canvas, labelled axes; every backend converted to NumPy (torch gradients detached, Dask
computed only under ``DASK_LIMIT``)."""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import _matrix
import arraydist
import arraydist.plot
from arraydist import Binomial, Categorical, Geometric, Independent, MultivariateNormal, Normal, Poisson
from arraydist.plot import plot_density, plot_explain, plot_pairs, plot_samples
from backends import Backend
from cases import CASES, Case

MEAN = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])


def render(fig: Any) -> np.ndarray:
    """The figure as an RGB image of floats in [0, 1]."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3] / 255.0


def pixels_of(image: np.ndarray, colour: Any, alpha: float = 1.0, tol: float = 0.03) -> int:
    """How many pixels show ``colour`` drawn with ``alpha`` over the white background."""
    expected = alpha * np.asarray(colour[:3]) + (1 - alpha)
    return int(np.sum(np.max(np.abs(image - expected), axis=-1) < tol))


def assert_not_blank(image: np.ndarray) -> None:
    assert image.shape[0] > 300 and image.shape[1] > 300
    assert np.mean(np.min(image, axis=-1) < 0.95) > 0.02  # more than 2 % of the canvas is drawn on


def face_colours(ax: Any) -> list[tuple[float, ...]]:
    return [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections if len(c.get_offsets())]


def test_plot_samples_on_every_backend(backend: Backend) -> None:
    var = np.full((3, 2), 0.1)
    mvn = MultivariateNormal(backend.asarray(MEAN), covariance_matrix=backend.asarray(var[:, :, None] * np.eye(2)))
    loc = backend.asarray(MEAN)
    if backend.name == "torch":
        loc.requires_grad_(True)  # the draws carry no gradient to plot; the means do, and are detached
    iid = Independent(Normal(loc, backend.asarray(np.sqrt(var))), 1)
    for d in (mvn, iid):
        fig = plot_samples(d, 80, seed=4)
        ax = fig.axes[0]
        assert ax.get_xlabel() == "samples[:, i, 0]" and ax.get_ylabel() == "samples[:, i, 1]"
        title = ax.get_title()
        assert f"on {backend.name}, seed 4" in title and "batch_shape=(3,), event_shape=(2,)" in title
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == [f"batch member {i}, mean ({i + 1}, {i + 1})" for i in range(3)]
        members = ax.collections[:3]
        assert [len(c.get_offsets()) for c in members] == [80, 80, 80]
        colours = [c.get_facecolor()[0] for c in members]
        assert len({tuple(np.round(c, 3)) for c in colours}) == 3  # one colour per batch member
        # each cloud sits around its mean, and the clouds are what the tutorial says: samples[:, i, :]
        for i, c in enumerate(members):
            np.testing.assert_allclose(np.asarray(c.get_offsets()).mean(axis=0), MEAN[i], atol=0.15)
        image = render(fig)
        assert_not_blank(image)
        for colour in colours:
            assert pixels_of(image, colour, alpha=0.6) > 100


def test_the_two_tutorial_plots_show_the_same_cloud() -> None:
    mvn = MultivariateNormal(MEAN, covariance_matrix=0.1 * np.eye(2))
    iid = Independent(Normal(MEAN, np.sqrt(0.1)), 1)
    a, b = plot_samples(mvn, 60, seed=2).axes[0], plot_samples(iid, 60, seed=2).axes[0]
    for ca, cb in zip(a.collections[:3], b.collections[:3]):
        np.testing.assert_allclose(ca.get_offsets(), cb.get_offsets(), atol=1e-12)


def test_plot_density_curves_bars_and_contours() -> None:
    curves = plot_density(Normal(np.array([0.0, 1.0, 3.0]), np.array([1.0, 0.5, 2.0])))
    ax = curves.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3 and ax.get_xlabel() == "value" and ax.get_ylabel() == "density"
    x, y = lines[1].get_data()
    assert abs(x[np.argmax(y)] - 1.0) < 0.05 and abs(y.max() - 1 / (0.5 * np.sqrt(2 * np.pi))) < 1e-3
    image = render(curves)
    assert_not_blank(image)
    for line in lines:
        assert pixels_of(image, _rgb(line.get_color())) > 100

    bars = plot_density(Poisson(np.array([2.0, 6.0])))
    ax = bars.axes[0]
    assert ax.get_ylabel() == "probability" and "Poisson probabilities on numpy" in ax.get_title()
    heights = np.array([p.get_height() for p in ax.patches]).reshape(2, -1)
    assert abs(heights.sum(axis=1) - 1).max() < 1e-4  # all the mass is on the axes
    image = render(bars)
    for container in ax.containers:
        assert pixels_of(image, container.patches[0].get_facecolor()) > 200
    categorical = plot_density(Categorical(probs=np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])))
    np.testing.assert_allclose([p.get_height() for p in categorical.axes[0].patches], [0.2, 0.3, 0.5, 0.6, 0.3, 0.1])
    binomial = plot_density(Binomial(10, probs=np.array([0.2, 0.7])))  # the support is 0..10 for both
    assert len(binomial.axes[0].patches) == 22

    contours = plot_density(MultivariateNormal(MEAN, covariance_matrix=0.1 * np.eye(2)))
    ax = contours.axes[0]
    assert len(ax.collections) == 3 and ax.get_xlabel() == "value[..., 0]"
    image = render(contours)
    assert_not_blank(image)
    for line in ax.get_lines():
        assert pixels_of(image, _rgb(line.get_color())) > 100


def test_plot_density_on_every_backend(backend: Backend) -> None:
    loc = backend.asarray(np.array([0.0, 2.0]))
    if backend.name == "torch":
        loc.requires_grad_(True)
    fig = plot_density(Normal(loc, 1.0))
    x, y = fig.axes[0].get_lines()[1].get_data()
    assert abs(x[np.argmax(y)] - 2.0) < 0.05 and abs(y.max() - 1 / np.sqrt(2 * np.pi)) < 1e-3


def test_plot_pairs_for_a_longer_event() -> None:
    cov = np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.0, 1.0]])
    fig = plot_pairs(
        MultivariateNormal(np.array([[0.0, 0.0, 0.0], [4.0, 4.0, 4.0]]), covariance_matrix=cov), 300, seed=1
    )
    axes = np.asarray(fig.axes).reshape(3, 3)
    assert [ax.get_xlabel() for ax in axes[-1]] == [f"samples[:, i, {j}]" for j in range(3)]
    assert axes[1, 0].get_ylabel() == "samples[:, i, 1]"
    x, y = np.asarray(axes[1, 0].collections[0].get_offsets()).T
    assert np.corrcoef(x, y)[0, 1] > 0.6  # the correlated pair shows its correlation
    image = render(fig)
    assert_not_blank(image)
    colours = set(face_colours(axes[0, 1]))
    assert len(colours) == 2
    for colour in colours:
        assert pixels_of(image, colour, alpha=0.6) > 100
    with pytest.raises(ValueError, match=r"dims \[3\] must be coordinates of the event of size 3"):
        plot_pairs(MultivariateNormal(np.zeros(3), covariance_matrix=cov), dims=[3])


def test_plot_explain_draws_one_box_per_dimension() -> None:
    fig = plot_explain(Normal(np.zeros((3, 2)), 1.0).to_event(1), (100,))
    ax = fig.axes[0]
    boxes = ax.patches
    assert len(boxes) == 3 + 2 + 2 + 2 + 2  # sample, log_prob, mean, loc, scale
    assert sum(1 for b in boxes if b.get_hatch()) == 2  # the broadcast scale
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sample", "batch", "event"]
    assert_not_blank(render(fig))


def test_plots_into_given_axes_and_to_files(tmp_path: Any) -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert plot_samples(MultivariateNormal(MEAN, covariance_matrix=np.eye(2)), 10, seed=0, ax=left) is fig
    assert plot_density(Normal(0.0, 1.0), ax=right) is fig
    assert len(left.collections) == 6 and len(right.get_lines()) == 1
    path = tmp_path / "density.png"
    plot_density(Normal(0.0, 1.0), path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dask_is_computed_only_under_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    da = pytest.importorskip("dask.array")
    d = MultivariateNormal(da.from_array(MEAN, chunks=1), covariance_matrix=da.from_array(0.1 * np.eye(2)))
    monkeypatch.setattr(arraydist.plot, "DASK_LIMIT", 500)
    with pytest.raises(ValueError, match=r"the draws of shape \(100, 3, 2\) would compute 600 Dask elements"):
        plot_samples(d, 100, seed=0)
    assert len(plot_samples(d, 50, seed=0).axes[0].collections[0].get_offsets()) == 50
    with pytest.raises(ValueError, match="the densities of shape"):
        plot_density(d)


def test_what_cannot_be_plotted_is_named() -> None:
    with pytest.raises(ValueError, match=r"plot_samples draws 2-D events; got event_shape \(\).*plot_density"):
        plot_samples(Normal(0.0, 1.0))
    with pytest.raises(ValueError, match=r"at most 20; batch_shape \(30,\) has 30"):
        plot_samples(MultivariateNormal(np.zeros((30, 2)), covariance_matrix=np.eye(2)))
    with pytest.raises(ValueError, match=r"at most 400 bars; Geometric spreads over \[0, \d+\]"):
        plot_density(Geometric(probs=np.array([0.5, 1e-3])))
    with pytest.raises(ValueError, match=r"at most 400 bars; Binomial spreads over \[0, 1e\+06\] \(1000001 values"):
        plot_density(Binomial(1e6, probs=np.array([0.5, 0.2])))
    with pytest.raises(ValueError, match=r"event_shape \(3,\): use plot_pairs"):
        plot_density(MultivariateNormal(np.zeros(3), covariance_matrix=np.eye(3)))
    with pytest.raises(ValueError, match=r"plot_pairs draws 1-D events \(vectors\) or larger; got event_shape \(\)"):
        plot_pairs(Normal(0.0, 1.0))


def _rgb(colour: Any) -> tuple[float, ...]:
    import matplotlib.colors

    return matplotlib.colors.to_rgb(colour)


@pytest.mark.parametrize("case", [c for c in CASES if c.name in _matrix.SUBSET], ids=str)
def test_every_distribution_plots(case: Case, backend: Backend) -> None:
    """Every distribution (its family's subset case) on every backend gets its plot: density curves or
    probability bars for a univariate family, scatters (and contours where continuous) for 2-vectors, pair
    plots for longer events, the explain picture always; one artist per batch member (at most ``MAX_MEMBERS``: a
    larger batch is reshaped and sliced first).  What a plot draws depends on the class's shapes and support, not
    on parameter values, so one case per class (matplotlib costs about 0.3 s a case).  Figures are built, not
    rendered: the pixels are ``test_plot_samples_on_every_backend``'s."""
    d = case.build(arraydist, backend.asarray)
    if math.prod(d.batch_shape) > arraydist.plot.MAX_MEMBERS:
        d = d.reshape(-1)[: arraydist.plot.MAX_MEMBERS]
    k = max(math.prod(d.batch_shape), 1)
    assert len(plot_explain(d).axes) == 1
    if d.event_shape == ():
        ax = plot_density(d).axes[0]
        drawn = len(ax.containers) if case.discrete else len(ax.lines)
        assert drawn == k and ax.get_xlabel() == "value"
    elif d.event_shape == (2,):
        ax = plot_samples(d, 20, seed=0).axes[0]
        assert len(face_colours(ax)) == k + k  # one scatter per member, then the means
        if not case.discrete:
            assert len(plot_density(d).axes[0].get_legend().get_texts()) == k
    else:
        q = min(math.prod(d.event_shape), 3)
        axes = plot_pairs(d, 20, seed=0, dims=range(q)).axes
        assert len(axes) == q * q and len(axes[0].patches) >= k  # one histogram per member on the diagonal


def _seeds_of_every_kind() -> list[Any]:
    """(library, seed, what the title says): integers of any library, each library's generator or key."""
    found: list[Any] = [
        ("numpy", None, None),
        ("numpy", 7, "seed 7"),
        ("numpy", np.int64(7), "seed 7"),
        ("numpy", np.random.default_rng(1), "seed numpy.random.Generator (PCG64)"),
    ]
    if importlib.util.find_spec("torch") is not None:
        import torch

        found += [
            ("torch", torch.Generator().manual_seed(3), "seed torch.Generator"),
            ("torch", torch.tensor(5), "seed 5"),
        ]
    if importlib.util.find_spec("jax") is not None:
        import jax

        found += [
            ("jax", jax.random.key(42), "seed jax key [0, 42]"),
            ("jax", jax.random.PRNGKey(42), "seed jax key [0, 42]"),  # a raw uint32 key
            ("jax", 9, "seed 9"),
        ]
    return found


@pytest.mark.parametrize(
    ("library", "seed", "said"),
    [pytest.param(*s, marks=pytest.mark.on_backend(s[0]), id=f"{s[0]}-{s[2]}") for s in _seeds_of_every_kind()],
)
def test_the_title_names_the_seed_in_a_few_characters(library: str, seed: Any, said: str | None) -> None:
    if library == "numpy":
        mean, cov = MEAN, 0.1 * np.eye(2)
    elif library == "torch":
        import torch

        mean, cov = torch.as_tensor(MEAN), torch.eye(2, dtype=torch.float64) * 0.1
    else:
        import jax.numpy as jnp

        mean, cov = jnp.asarray(MEAN), 0.1 * jnp.eye(2)
    d = MultivariateNormal(mean, covariance_matrix=cov)
    samples_title = plot_samples(d, 10, seed=seed).axes[0].get_title()
    pairs_title = plot_pairs(d, 10, seed=seed)._suptitle.get_text()
    for title in (samples_title, pairs_title):
        first, second = title.split("\n")  # the seed on the first line, the shapes on the second
        assert first.startswith(f"MultivariateNormal 10 draws on {library}")
        assert second == "batch_shape=(3,), event_shape=(2,)"
        if said is None:
            assert "seed" not in first
        else:
            assert first.endswith(f", {said}"), first
        assert "0x" not in title and "Array(" not in title and "object at" not in title
