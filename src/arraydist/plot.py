"""Plots of distributions (matplotlib, the ``plot`` extra).  No pyplot global state: figures are made directly.

Every function takes an ``ax`` (or ``axes``) to draw into, or makes a new :class:`~matplotlib.figure.Figure`,
and returns the figure; ``path`` saves it (format from the suffix).  Draws and densities of any backend are
converted to NumPy for display (PyTorch gradients detached); Dask arrays are computed only up to
:data:`DASK_LIMIT` elements, and a larger plot is a ``ValueError`` that says so before anything is computed.

- :func:`plot_samples`: the tutorial's scatter of 2-D draws, one colour per batch member, means in the legend;
- :func:`plot_density`: density curves of a continuous univariate batch, probability bars of a discrete one,
  contours of a 2-D event;
- :func:`plot_pairs`: a grid of pairwise scatters and marginal histograms for larger events;
- :func:`plot_explain`: the sample, batch and event layout of :meth:`Distribution.explain` as coloured boxes.

Example:
    >>> import numpy as np
    >>> from arraydist import MultivariateNormal
    >>> from arraydist.plot import plot_samples
    >>> d = MultivariateNormal(np.array([[1.0, 1.0], [2.0, 2.0]]), covariance_matrix=0.1 * np.eye(2))
    >>> fig = plot_samples(d, 50, seed=0)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['batch member 0, mean (1, 1)', 'batch member 1, mean (2, 2)']
"""

from __future__ import annotations

import math
import operator
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _tree
from .distribution import Distribution

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DASK_LIMIT", "MAX_MEMBERS", "plot_density", "plot_explain", "plot_pairs", "plot_samples"]

#: the most elements a plot computes from a Dask array (draws, or densities on the grid)
DASK_LIMIT = 5_000_000
#: the most batch members one plot shows (one colour each)
MAX_MEMBERS = 20
#: the most values ``plot_density`` draws bars for
_MAX_BARS = 400

_Path = str | PathLike[str] | None


def _figure(ax: Any, size: tuple[float, float]) -> tuple[Figure, Any]:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("arraydist.plot needs matplotlib: pip install 'arraydist[plot]'") from exc
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots()


def _colours(k: int) -> list[Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


def _host(dist: Distribution, x: Any, what: str) -> np.ndarray:
    """``x`` (an array of ``dist``'s library) as NumPy: detached, and computed on Dask within the limit."""
    ops = dist._ops
    if ops.lazy:
        size = math.prod(int(s) for s in x.shape)
        if size > DASK_LIMIT:
            raise ValueError(
                f"arraydist.plot: {what} of shape {tuple(x.shape)} would compute {size:,} Dask elements; plots compute "
                f"at most arraydist.plot.DASK_LIMIT = {DASK_LIMIT:,}: draw fewer samples or plot a slice of the batch"
            )
    return np.asarray(ops.to_numpy(x), dtype=np.float64)


def _check_lazy_size(dist: Distribution, shape: tuple[int, ...], what: str) -> None:
    if dist._ops.lazy and math.prod(shape) > DASK_LIMIT:
        raise ValueError(
            f"arraydist.plot: {what} of shape {shape} would compute {math.prod(shape):,} Dask elements; plots "
            f"compute at most arraydist.plot.DASK_LIMIT = {DASK_LIMIT:,}: draw fewer samples or plot a slice"
        )


def _members(dist: Distribution, what: str) -> tuple[int, list[str]]:
    """How many batch members, and their labels (``0``, ``1``... or ``(0, 1)`` for several batch dimensions)."""
    batch = dist.batch_shape
    k = math.prod(batch)
    if k > MAX_MEMBERS:
        raise ValueError(
            f"{what} shows one colour per batch member, at most {MAX_MEMBERS}; batch_shape {batch} has {k}: plot a "
            "slice (dist[:4]) or a reshape of the batch"
        )
    labels = [str(i if len(batch) == 1 else idx) for i, idx in enumerate(np.ndindex(*batch))] if batch else [""]
    return max(k, 1), labels


def _label(labels: list[str], i: int) -> str:
    return f"batch member {labels[i]}" if labels[i] else "the distribution"


def _numbers(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{x:.3g}" for x in np.ravel(v)) + ")"


def _seed_text(seed: Any) -> str:
    """A seed in a few characters: an integer as its value (of any library), a JAX key as ``jax key`` and its
    data (the two 32-bit words of the default implementation), a generator by its type: never a repr that
    spans lines or shows a memory address."""
    if not isinstance(seed, (bool, np.bool_)) and getattr(seed, "ndim", 0) == 0:
        try:
            return str(operator.index(seed))
        except (TypeError, ValueError, RuntimeError):
            pass
    t = type(seed)
    if t.__module__.partition(".")[0] in ("jax", "jaxlib") and hasattr(seed, "dtype"):
        import jax

        typed = jax.dtypes.issubdtype(seed.dtype, jax.dtypes.prng_key)
        data = np.asarray(jax.random.key_data(seed) if typed else seed)
        shape = tuple(seed.shape)
        if shape == () or (not typed and shape == (2,)):
            return "jax key [" + ", ".join(str(int(v)) for v in data.ravel()) + "]"
        return f"jax keys of shape {shape}" if typed else f"jax array of shape {shape}"
    if isinstance(seed, np.random.Generator):
        return f"numpy.random.Generator ({type(seed.bit_generator).__name__})"
    module = ".".join(part for part in t.__module__.split(".") if not part.startswith("_"))
    return f"{module}.{t.__qualname__}" if module and module != "builtins" else t.__qualname__


def _title(dist: Distribution, what: str, seed: Any) -> str:
    backend = dist.backend + (" (Python numbers)" if dist._neutral else "")
    seeded = "" if seed is None else f", seed {_seed_text(seed)}"
    return (
        f"{type(dist).__name__} {what} on {backend}{seeded}\n"
        f"batch_shape={dist.batch_shape}, event_shape={dist.event_shape}"
    )


def _moments(dist: Distribution) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean, stddev) as NumPy of shape batch + event, or None where the family has no finite ones."""
    try:
        mean, sd = _host(dist, dist.mean, "the mean"), _host(dist, dist.stddev, "the standard deviation")
    except NotImplementedError:
        # no closed form (a TransformedDistribution): the mean and spread of 4000 draws of a fixed seed
        draws = _host(dist, dist.sample((4000,), seed=0), "4000 draws")
        mean, sd = draws.mean(axis=0), draws.std(axis=0)
    if np.all(np.isfinite(mean)) and np.all(np.isfinite(sd)):
        return mean, sd
    return _quantile_moments(dist)


def _quantile_moments(dist: Distribution) -> tuple[np.ndarray, np.ndarray] | None:
    """For heavy tails without a finite mean or variance (Cauchy): the median, and the half-width of the central
    80 % over 1.28 (a normal's standard deviation from the same quantiles); None without an ``icdf``."""
    if dist.event_shape:
        return None
    q = np.broadcast_to(np.array([0.1, 0.5, 0.9]).reshape((3,) + (1,) * len(dist.batch_shape)), (3, *dist.batch_shape))
    d = _unvalidated(dist)
    try:
        x = _host(d, d.icdf(q if d._neutral else d._ops.asarray(q, d.dtype, d.device)), "the quantiles")
    except NotImplementedError:
        return None
    median, sd = x[1], (x[2] - x[0]) / (2 * 1.2815515655446004)
    return (median, sd) if np.all(np.isfinite(median)) and np.all(np.isfinite(sd)) else None


def _unvalidated(dist: Distribution) -> Distribution:
    """``dist`` without value checks: densities on a grid may leave the support (they are 0 there)."""

    def off(old: Any, new: Any) -> None:
        if isinstance(new, Distribution):
            new.__dict__["_validate_args"] = False

    return _tree.map_tree(dist, lambda leaf, nd, shared: leaf, neutral=dist._neutral, hook=off)


def _density(dist: Distribution, grid: np.ndarray) -> np.ndarray:
    """Densities (or masses) at ``grid`` (shape ``(m,) + event_shape``) for every batch member: ``(m, k)``."""
    batch = dist.batch_shape
    values = grid.reshape(grid.shape[:1] + (1,) * len(batch) + grid.shape[1:])
    _check_lazy_size(dist, (grid.shape[0], *batch), "the densities")
    d = _unvalidated(dist)
    x = values if d._neutral else d._ops.asarray(values, d.dtype, d.device)
    with np.errstate(all="ignore"):
        p = np.exp(_host(d, d.log_prob(x), "the densities"))
    p = np.broadcast_to(p, (grid.shape[0], *batch)).reshape(grid.shape[0], -1)
    return np.where(np.isfinite(p), p, 0.0)


def _save(fig: Figure, path: _Path) -> Figure:
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_samples(
    dist: Distribution,
    n: int = 100,
    *,
    seed: Any = None,
    path: _Path = None,
    title: str | None = None,
    ax: Any = None,
) -> Figure:
    """Scatter ``n`` draws of a distribution over 2-vectors, one colour per batch member, its mean marked.

    For each batch member ``i`` it plots ``samples[:, i, 0]`` against ``samples[:, i, 1]``: the axis after the
    sample axis is the batch axis.  The legend gives each member's mean; the title the backend and the seed.

    Args:
        dist: a distribution with ``event_shape == (2,)`` and at most ``MAX_MEMBERS`` batch members.
        n: draws per batch member.
        seed: passed to ``dist.sample``.
        path: where to save the figure as an image (format from the suffix, e.g. ``.png``).
        title: figure title (default: the class, the backend, the seed and the shapes).
        ax: a matplotlib ``Axes`` to draw into instead of a new figure.

    Returns:
        The matplotlib ``Figure`` (its axes hold one scatter collection per member, then the means).
    """
    if dist.event_shape != (2,):
        raise ValueError(
            f"plot_samples draws 2-D events; got event_shape {dist.event_shape} (batch_shape {dist.batch_shape}): "
            "use plot_density for univariate distributions and plot_pairs for longer events"
        )
    k, labels = _members(dist, "plot_samples")
    _check_lazy_size(dist, (n, *dist.batch_shape, 2), "the draws")
    samples = _host(dist, dist.sample((n,), seed=seed), "the draws").reshape(n, k, 2)
    moments = _moments(dist)
    means = moments[0].reshape(k, 2) if moments is not None else samples.mean(axis=0)
    fig, ax = _figure(ax, (5.5, 5.0))
    colours = _colours(k)
    for i in range(k):
        ax.scatter(
            samples[:, i, 0],
            samples[:, i, 1],
            s=10,
            alpha=0.6,
            color=colours[i],
            label=f"{_label(labels, i)}, mean {_numbers(means[i])}",
        )
    for i in range(k):
        ax.scatter(*means[i], marker="x", s=90, color="black", zorder=3)
    ax.set_xlabel("samples[:, i, 0]")
    ax.set_ylabel("samples[:, i, 1]")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(title or _title(dist, f"{n} draws", seed), fontsize="medium")
    return _save(fig, path)


def plot_density(
    dist: Distribution,
    *,
    points: int = 300,
    path: _Path = None,
    title: str | None = None,
    ax: Any = None,
) -> Figure:
    """The density of every batch member: curves for a continuous univariate distribution, probability bars
    for a discrete one, contours for a 2-D event; one colour per member.

    The range covers each member's mean plus or minus 4.5 standard deviations (for a discrete family, its
    enumerated support where it has one), so no draws are made.

    Args:
        dist: a distribution with ``event_shape`` ``()`` or ``(2,)`` (continuous) and at most ``MAX_MEMBERS``
            batch members.
        points: grid points per axis (curves and contours).
        path, title, ax: as in :func:`plot_samples`.

    Returns:
        The matplotlib ``Figure``: one line, one bar container or one contour set per member.
    """
    k, labels = _members(dist, "plot_density")
    discrete = bool(getattr(dist.support, "is_discrete", False))
    fig, ax = _figure(ax, (6.0, 4.5))
    colours = _colours(k)
    moments = _moments(dist)
    if dist.event_shape == () and discrete:
        values = _support_values(dist, moments)
        mass = _density(dist, values)
        width = 0.8 / k
        for i in range(k):
            ax.bar(values + (i - (k - 1) / 2) * width, mass[:, i], width, color=colours[i], label=_label(labels, i))
        ax.set_xlabel("value")
        ax.set_ylabel("probability")
    elif dist.event_shape == ():
        if moments is None:
            raise ValueError(f"plot_density needs a finite mean and standard deviation of {type(dist).__name__}")
        mean, sd = moments[0].ravel(), moments[1].ravel()
        grid = np.linspace(np.min(mean - 4.5 * sd), np.max(mean + 4.5 * sd), points)
        density = _density(dist, grid)
        for i in range(k):
            ax.plot(grid, density[:, i], color=colours[i], lw=2, label=f"{_label(labels, i)}, mean {mean[i]:.3g}")
        ax.set_xlabel("value")
        ax.set_ylabel("density")
    elif dist.event_shape == (2,) and not discrete:
        if moments is None:
            raise ValueError(f"plot_density needs a finite mean and standard deviation of {type(dist).__name__}")
        mean, sd = moments[0].reshape(k, 2), moments[1].reshape(k, 2)
        side = max(20, int(math.sqrt(points * 40)))
        xs = np.linspace(np.min(mean[:, 0] - 4 * sd[:, 0]), np.max(mean[:, 0] + 4 * sd[:, 0]), side)
        ys = np.linspace(np.min(mean[:, 1] - 4 * sd[:, 1]), np.max(mean[:, 1] + 4 * sd[:, 1]), side)
        gx, gy = np.meshgrid(xs, ys)
        density = _density(dist, np.stack([gx.ravel(), gy.ravel()], axis=-1))
        for i in range(k):
            z = density[:, i].reshape(side, side)
            ax.contour(gx, gy, z, levels=np.linspace(z.max() * 0.1, z.max() * 0.9, 4), colors=[colours[i]])
            ax.plot([], [], color=colours[i], label=f"{_label(labels, i)}, mean {_numbers(mean[i])}")
        ax.set_xlabel("value[..., 0]")
        ax.set_ylabel("value[..., 1]")
        ax.set_aspect("equal", adjustable="datalim")
    else:
        raise ValueError(
            f"plot_density draws continuous or discrete univariate distributions and continuous 2-D events; got "
            f"{type(dist).__name__} with event_shape {dist.event_shape}: use plot_pairs for its draws"
        )
    ax.legend(fontsize="small")
    ax.set_title(title or _title(dist, "probabilities" if discrete else "density", None), fontsize="medium")
    return _save(fig, path)


def _support_values(dist: Distribution, moments: Any) -> np.ndarray:
    if dist.has_enumerate_support:
        try:
            values = _host(dist, dist.enumerate_support(expand=False), "the support")
            values = values.reshape(values.shape[0])
            if values.shape[0] > _MAX_BARS:
                raise ValueError(
                    f"plot_density draws at most {_MAX_BARS} bars; {type(dist).__name__} spreads over "
                    f"[{values[0]:g}, {values[-1]:g}] ({values.shape[0]} values): plot a slice"
                )
            return values
        except NotImplementedError:  # a support that differs between batch members
            pass
    if moments is None:
        raise ValueError(f"plot_density needs a finite mean and standard deviation of {type(dist).__name__}")
    mean, sd = moments
    lo = max(0, math.floor(np.min(mean - 5 * sd)))
    hi = math.ceil(np.max(mean + 5 * sd))
    if hi - lo + 1 > _MAX_BARS:
        raise ValueError(
            f"plot_density draws at most {_MAX_BARS} bars; {type(dist).__name__} spreads over [{lo}, {hi}]: plot a "
            "slice"
        )
    return np.arange(lo, hi + 1, dtype=np.float64)


def plot_pairs(
    dist: Distribution,
    n: int = 500,
    *,
    seed: Any = None,
    dims: Any = None,
    path: _Path = None,
    title: str | None = None,
    axes: Any = None,
) -> Figure:
    """Pairwise scatters of ``n`` draws of a vector event (below the diagonal and above it), histograms of each
    coordinate on the diagonal; one colour per batch member.  An event of several dimensions (a matrix) is read
    coordinate by coordinate in row-major order, each labelled by its full index (``samples[:, i, 0, 2]``).

    Args:
        dist: a distribution with a non-scalar event (``event_shape == (m,)``, or ``(r, c)``...).
        n: draws per batch member.
        seed: passed to ``dist.sample``.
        dims: the event coordinates to show, as positions in the row-major order of the event's ``m``
            coordinates (default: the first ``min(m, 5)``).
        path, title: as in :func:`plot_samples`.
        axes: a ``len(dims) x len(dims)`` array of matplotlib ``Axes`` to draw into instead of a new figure.

    Returns:
        The matplotlib ``Figure``.
    """
    event = dist.event_shape
    if not event:
        raise ValueError(f"plot_pairs draws 1-D events (vectors) or larger; got event_shape {event}: use plot_density")
    m = math.prod(event)
    dims = list(range(min(m, 5))) if dims is None else [int(i) for i in dims]
    if not dims or any(not 0 <= i < m for i in dims):
        raise ValueError(f"plot_pairs: dims {dims} must be coordinates of the event of size {m}")
    k, labels = _members(dist, "plot_pairs")
    _check_lazy_size(dist, (n, *dist.batch_shape, *event), "the draws")
    samples = _host(dist, dist.sample((n,), seed=seed), "the draws").reshape(n, k, m)
    names = [", ".join(map(str, idx)) for idx in np.ndindex(*event)]
    q = len(dims)
    if axes is None:
        fig, _ = _figure(None, (2.4 * q + 1, 2.4 * q))
        fig.clear()
        axes = np.asarray(fig.subplots(q, q, squeeze=False))
    else:
        axes = np.asarray(axes).reshape(q, q)
        fig = axes[0, 0].figure
    colours = _colours(k)
    for r, a in enumerate(dims):
        for c, b in enumerate(dims):
            ax = axes[r, c]
            for i in range(k):
                if r == c:
                    ax.hist(samples[:, i, a], bins=20, histtype="step", color=colours[i], label=_label(labels, i))
                else:
                    ax.scatter(samples[:, i, b], samples[:, i, a], s=5, alpha=0.6, color=colours[i])
            if r == q - 1:
                ax.set_xlabel(f"samples[:, i, {names[b]}]")
            if c == 0:
                ax.set_ylabel(f"samples[:, i, {names[a]}]" if r else "count")
    axes[0, 0].legend(fontsize="x-small")
    fig.suptitle(title or _title(dist, f"{n} draws", seed), fontsize="medium")
    return _save(fig, path)


def plot_explain(
    dist: Distribution,
    sample_shape: Any = (),
    *,
    path: _Path = None,
    title: str | None = None,
    ax: Any = None,
) -> Figure:
    """The table of :meth:`Distribution.explain` as a picture: a row of boxes per quantity, one box per
    dimension, coloured by kind (sample, batch, event, a parameter's own), labelled with its size; broadcast
    dimensions hatched.

    Returns:
        The matplotlib ``Figure``.
    """
    from matplotlib.patches import Patch, Rectangle

    from .explain import COLOURS

    e = dist.explain(sample_shape)
    width = max(1, *(len(r.dims) for r in e.rows))
    fig, ax = _figure(ax, (2.2 + 1.1 * width, 0.55 * len(e.rows) + 1.4))
    for y, row in enumerate(reversed(e.rows)):
        ax.text(-0.15, y + 0.4, row.name, ha="right", va="center", fontsize="small", family="monospace")
        for x, d in enumerate(row.dims):
            offset = width - len(row.dims)  # right-aligned, as broadcasting aligns shapes
            ax.add_patch(
                Rectangle(
                    (offset + x, y),
                    0.92,
                    0.8,
                    facecolor=COLOURS[d.kind],
                    edgecolor="#555555",
                    hatch="//" if d.broadcast else None,
                )
            )
            ax.text(offset + x + 0.46, y + 0.4, str(d.size), ha="center", va="center", fontsize="small")
    ax.set_xlim(-0.1, width + 0.1)
    ax.set_ylim(-0.2, len(e.rows))
    ax.set_xticks([width - i - 0.54 for i in range(width)], [f"dim -{i + 1}" for i in range(width)])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    kinds = [k for k in COLOURS if any(d.kind == k for r in e.rows for d in r.dims)]
    ax.legend(handles=[Patch(facecolor=COLOURS[k], label=k) for k in kinds], loc="upper left", fontsize="small",
              bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    ax.set_title(title or f"{e.name}: sample_shape + batch_shape + event_shape", fontsize="medium")
    return _save(fig, path)
