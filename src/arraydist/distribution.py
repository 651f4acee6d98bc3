"""The :class:`Distribution` base class: the public API and the hooks a family implements.

A draw has shape ``sample_shape + batch_shape + event_shape``; ``log_prob`` of such a value has shape
``sample_shape + batch_shape``.

A parametric family declares its parameters (``arg_constraints``: name -> constraint, whose ``event_dim`` is the
parameter's event rank) and calls :meth:`Distribution._init_params`; a composite declares its parts (``_parts``)
and calls :meth:`Distribution._init_parts`.  The base class does the rest, in rooms of their own:

* ``_params``: the one construction path (conversion to one library, dtype and device; shapes; validation and
  its messages);
* ``_numbers``: backend-neutral Python numbers, their shared state and conversions;
* ``_batch`` and ``_tree``: the tree of parts, and ``expand``, slicing, ``reshape``, pytrees and pickling
  written once on it;
* ``_values``: the checks of values passed to ``log_prob`` and friends.

Subclasses implement the private methods ``_rsample``/``_sample``, ``_log_prob``, ``_cdf``, ``_icdf`` (and,
where they have stable forms, ``_log_cdf``, ``_survival_function``, ``_log_survival_function``) and the
properties; the public methods around them check the value's library, shape and support in one place.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from . import _backend, _numbers, constraints
from ._backend import Ops, _ops_by_type, ops_for, ops_for_seed, set_neutral_backend
from ._backend import numpy_ops as _numpy_ops
from ._batch import Batch, reshaped_batch
from ._blocks import BLOCKS_FROM, in_blocks
from ._numbers import NeutralNumbers, clear_caches
from ._params import NOTHING_BROADCAST, Parameters
from ._shapes import Shape, as_shape, broadcast_shapes
from ._values import Values

__all__ = ["Distribution", "clear_caches", "lazy_property"]

Array = Any
_NO_SHAPE: Shape = ()


def _not_implemented(dist: Distribution, what: str) -> NotImplementedError:
    return NotImplementedError(f"{type(dist).__name__} does not implement {what}")


class lazy_property:
    """A derived attribute: computed on first access and kept on the instance (``probs`` from ``logits``).

    A parameter given to the constructor lives in the instance's ``__dict__`` under the same name and so hides
    this descriptor: only the form that was not given is derived.  Nothing is kept while ``torch.compile``
    traces or when the value cannot be read now (JAX tracers, lazy arrays): it is recomputed instead.
    """

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, cls: type | None = None) -> Any:
        if obj is None:
            return self
        value = self.fn(obj)
        if obj._ops.can_cache(value):
            obj.__dict__[self.name] = value
        return value


def _evaluate(d: Distribution, method: str, value: Any) -> Any:
    """``d.<method>(value)`` (``_log_prob``, ``_cdf``...); of millions of values in blocks, where that is safe
    (``arraydist._blocks``)."""
    if math.prod(value.shape) >= BLOCKS_FROM:
        out = in_blocks(d, method, value)
        if out is not None:
            return out
    return getattr(d, method)(value)


def _noted(d: Distribution, x: Any) -> Any:
    """``x``, a draw of ``d``; noted (``Ops.note_draw``) where reading values costs a computation of its own and
    no draw of ``d`` can be outside its support: ``d`` validated its (finite) parameters and its support only
    excludes NaN.  The support check of ``log_prob(x)`` then needs no read (one wait less on MLX)."""
    ops = d._ops
    if ops.notes_draws and d._validate_args and getattr(d.support, "nan_check_only", False):
        ops.note_draw(x)
    return x


def _noted_inside(ops: Any, support: Any, value: Any) -> bool:
    """Whether ``value`` is a noted draw (see :func:`_noted`) and ``support`` only excludes NaN."""
    return getattr(support, "nan_check_only", False) and ops.is_noted_draw(value)


class Distribution(Parameters, NeutralNumbers, Values, Batch):
    r"""Base class of every distribution, with the API and semantics of ``torch.distributions.Distribution``.

    Attributes:
        arg_constraints: parameter name -> :class:`~arraydist.constraints.Constraint` (whose ``event_dim`` is
            the parameter's event rank).
        support: the constraint that values in ``log_prob`` must satisfy.
        has_rsample: whether :meth:`rsample` gives reparameterized (differentiable) draws.

    The backend is the array library of the parameters.  Python numbers are backend-neutral: a distribution
    made only of Python numbers adopts the library, dtype and device of the value it meets in
    :meth:`log_prob`/:meth:`cdf`, of the other distribution in :func:`~arraydist.kl_divergence`, or of the
    ``seed`` in :meth:`sample`, and computes with NumPy otherwise.

    Example:
        >>> import numpy as np
        >>> from arraydist import Normal
        >>> d = Normal(np.zeros(3), 1.0)
        >>> d.batch_shape, d.event_shape
        ((3,), ())
        >>> d.sample((5,), seed=0).shape
        (5, 3)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}
    support: Any = None
    has_rsample: ClassVar[bool] = False
    has_enumerate_support: ClassVar[bool] = False

    #: parameter (leaf) name -> event rank, for every parameter a constructor may store; from ``arg_constraints``
    _param_ndims: ClassVar[dict[str, int]] = {}
    #: alternative parameterizations: each group names parameters of which exactly one is given
    #: (``(("probs", "logits"),)``); only the given one is stored, a ``lazy_property`` derives the other
    _param_forms: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: parameters that may be left out (``None``) besides the alternatives
    _optional_params: ClassVar[frozenset[str]] = frozenset()
    #: parameters that may be infinite (a truncation bound); any other infinite parameter is an error
    _infinite_params: ClassVar[frozenset[str]] = frozenset()
    #: parameters whose constraint the family checks in :meth:`_post_init` with :meth:`_require_param`, because
    #: the check shares its work with derived state (a positive definite matrix and its Cholesky factor)
    _post_init_checks: ClassVar[frozenset[str]] = frozenset()
    #: the parameters (pytree leaves) a distribution of this class holds when all are given in their first form;
    #: an instance made with other forms keeps its own tuple
    _leaves: tuple[str, ...] = ()
    #: every declared parameter has event rank 0 and the event shape is () (set per subclass)
    _univariate_params: ClassVar[bool] = False
    #: the class declares alternative forms or optional parameters (``None`` values are dropped)
    _has_choices: ClassVar[bool] = False
    #: the parameters are the alternatives of one group alone (``Categorical``'s probs or logits)
    _one_form: ClassVar[bool] = False
    #: the class overrides :meth:`_post_init`
    _has_post_init: ClassVar[bool] = False
    # canonical parameters kept without broadcasting to the batch shape (e.g. one shared ``scale_tril``)
    _unbroadcast: ClassVar[frozenset[str]] = frozenset()
    #: constructor arguments that are Python values, not arrays (``Multinomial``'s ``total_count``): set as
    #: attributes by the constructor before :meth:`_init_params`, carried in the pytree's static data
    _static_params: ClassVar[tuple[str, ...]] = ()
    #: values are category indices: integer (and boolean) values reach ``_log_prob`` as they are, not cast to
    #: the floating dtype (the family casts them to ``Ops.index_dtype`` where it indexes)
    _index_values: ClassVar[bool] = False
    #: names of the attributes holding the parts of a composite (child distributions, transforms, or lists of
    #: them), from which the batch operations are derived (see ``_batch``)
    _parts: ClassVar[tuple[str, ...]] = ()
    #: the class overrides :meth:`_canonical`
    _has_canonical: ClassVar[bool] = False
    _default_validate_args: ClassVar[bool] = True

    _ops: Ops
    _neutral: bool = False
    _batch_shape: Shape = ()
    _event_shape: Shape = ()
    _validate_args: bool = True
    #: parameter name -> per stored dimension, whether the array repeats one value there because the base
    #: broadcast it (constructors and ``expand`` record it; :meth:`explain` reads it where arrays keep no
    #: strides, on JAX and Dask); ``None`` where it is not known (arrays that arrived already broadcast: a
    #: pytree unflattened after ``jax.jit``, a slice, a reshape)
    _broadcast_dims: Mapping[str, tuple[bool, ...]] | None = NOTHING_BROADCAST

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_param_ndims" not in cls.__dict__ and "arg_constraints" in cls.__dict__:
            cls._param_ndims = {k: c.event_dim for k, c in cls.arg_constraints.items()}
        alternatives = {k for group in cls._param_forms for k in group[1:]}
        cls._leaves = tuple(k for k in cls._param_ndims if k not in alternatives and k not in cls._optional_params)
        cls._has_choices = bool(cls._param_forms or cls._optional_params)
        cls._one_form = (
            len(cls._param_forms) == 1
            and set(cls._param_forms[0]) == set(cls._param_ndims)
            and not cls._optional_params
        )
        cls._has_post_init = cls._post_init is not Distribution._post_init
        cls._has_canonical = cls._canonical is not Distribution._canonical
        cls._univariate_params = (
            bool(cls._param_ndims)
            and not any(cls._param_ndims.values())
            and cls._event_shape_from is Distribution._event_shape_from
        )
        _backend.tree_class_defined(cls)  # registered as a JAX pytree once JAX is in use

    def __init__(self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None) -> None:
        """For subclasses that manage their own state, as in ``torch.distributions``: set the parameters as
        attributes, then call this; the backend, dtype and device come from those attributes' arrays."""
        self._batch_shape = as_shape(batch_shape, "batch_shape")
        self._event_shape = as_shape(event_shape, "event_shape")
        self._validate_args = self._resolve_validate(validate_args)
        if self._validate_args and not any(
            "arg_constraints" in c.__dict__
            for c in type(self).__mro__
            if issubclass(c, Distribution) and c is not Distribution
        ):
            warnings.warn(
                f"{type(self).__name__} does not define arg_constraints, so its parameters are not validated: "
                "set arg_constraints = {} (or the constraints of its parameters), or pass validate_args=False",
                UserWarning,
                stacklevel=2,
            )
        if "_ops" not in self.__dict__:
            arrays = [v for v in vars(self).values() if hasattr(v, "shape") and hasattr(v, "dtype")]
            ops = ops_for(*arrays, what=f"{type(self).__name__} attributes")
            self._ops = ops if ops is not None else _numpy_ops()
            self._neutral = False
            self._dtype = arrays[0].dtype if arrays else self._ops.default_float()
            self._device = self._ops.device(arrays[0]) if arrays else None

    # ------------------------------------------------------------------ global switches
    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions created afterwards without ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._default_validate_args = value
        _numbers.forget_default_validation()  # the states made under the previous default

    @staticmethod
    def set_default_backend(name: str) -> None:
        """The array library of distributions made of Python numbers alone: ``"numpy"`` (the default),
        ``"torch"`` (its default dtype and device; ``sample()`` then draws from torch's global generator, as in
        a torch program) or ``"jax"``.  Distributions made before keep their library.

        Example:
            >>> import arraydist
            >>> arraydist.set_default_backend("numpy")
            >>> arraydist.Normal(0.0, 1.0).backend
            'numpy'
        """
        set_neutral_backend(name)
        clear_caches()

    @staticmethod
    def _resolve_validate(validate_args: bool | None) -> bool:
        return Distribution._default_validate_args if validate_args is None else bool(validate_args)

    # ------------------------------------------------------------------ shapes and identity
    @property
    def batch_shape(self) -> Shape:
        """Shape over which parameters are batched: independent, non-identical distributions."""
        return self._batch_shape

    @property
    def event_shape(self) -> Shape:
        """Shape of a single draw (``()`` for univariate distributions)."""
        return self._event_shape

    @property
    def dtype(self) -> Any:
        """The one floating dtype of the parameters."""
        return self._dtype

    @property
    def device(self) -> Any:
        """The device of the parameters (``"cpu"`` on NumPy)."""
        return self._device

    @property
    def backend(self) -> str:
        """The array library of the parameters: ``"numpy"``, ``"torch"``, ...."""
        return self._ops.name

    @property
    def xp(self) -> Any:
        """The array-API namespace of the parameters."""
        return self._ops.xp

    def _extended_shape(self, sample_shape: Any = ()) -> Shape:
        return as_shape(sample_shape, "sample_shape", self, "_extended_shape") + self._batch_shape + self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A view of this distribution with a larger batch shape (parameters broadcast, not copied).

        Example:
            >>> from arraydist import Normal
            >>> Normal(0.0, 1.0).expand((2, 3)).batch_shape
            (2, 3)
        """
        new = as_shape(batch_shape, "batch_shape", self, "expand")
        old = self._batch_shape
        if broadcast_shapes(old, new, what=f"{type(self).__name__}.expand: batch shapes") != new:
            raise ValueError(f"{type(self).__name__}.expand: cannot expand batch_shape {old} to {new}")
        return self._expand(new)

    def reshape(self, batch_shape: Any) -> Distribution:
        """The same distribution with its batch dimensions reshaped (row-major, as ``numpy.reshape``; one size
        may be ``-1``, inferred); the event shape is untouched.

        ``d.reshape(s).log_prob(x.reshape(sample_shape + s + event_shape))`` equals
        ``d.log_prob(x).reshape(sample_shape + s)``.

        Example:
            >>> import numpy as np
            >>> from arraydist import MultivariateNormal
            >>> d = MultivariateNormal(np.zeros((3, 4, 2)), covariance_matrix=np.eye(2))
            >>> r = d.reshape(-1)
            >>> r.batch_shape, r.event_shape
            ((12,), (2,))
        """
        return self._reshape(reshaped_batch(type(self).__name__, self._batch_shape, batch_shape))

    def to_event(self, reinterpreted_batch_ndims: int | None = None) -> Distribution:
        """``Independent(self, reinterpreted_batch_ndims)``: the rightmost batch dimensions become event
        dimensions (all of them when ``None``).

        Example:
            >>> import numpy as np
            >>> from arraydist import Normal
            >>> d = Normal(np.zeros((3, 2)), 1.0).to_event(1)
            >>> d.batch_shape, d.event_shape
            ((3,), (2,))
        """
        from .distributions.independent import Independent

        n = len(self._batch_shape) if reinterpreted_batch_ndims is None else reinterpreted_batch_ndims
        return Independent(self, n)

    def explain(self, sample_shape: Any = ()) -> Any:
        """Which dimensions of a draw of ``sample_shape`` are sample, batch and event dimensions, and the shapes
        of ``sample``, ``log_prob``, ``mean`` and each parameter: an :class:`arraydist.explain.Explanation`
        (printed as a table, an HTML table in notebooks).  Computes nothing but shapes.

        Example:
            >>> import numpy as np
            >>> from arraydist import Normal
            >>> Normal(np.zeros(3), 1.0).explain(5).row("sample").shape
            (5, 3)
        """
        from .explain import explain

        return explain(self, sample_shape)

    def __getitem__(self, index: Any) -> Distribution:
        """Index the batch dimensions: ``dist[0]``, ``dist[:, 1:]``, ``dist[mask]``.

        Example:
            >>> import numpy as np
            >>> from arraydist import Normal
            >>> Normal(np.zeros((4, 3)), 1.0)[1:3].batch_shape
            (2, 3)
        """
        return self._index(self._normalize_index(index))

    # ------------------------------------------------------------------ sampling
    def _sampling(self, seed: Any) -> tuple[Distribution, Any]:
        """The distribution that draws (Python-number parameters take the seed's library) and its generator:
        None for the library's global one (torch), without a call."""
        d = self
        if self._neutral:
            sops = ops_for_seed(seed)
            if sops is not None and sops is not self._ops:
                device = getattr(seed, "device", None)
                d = self._materialize(sops, sops.default_float(), device)
        elif seed is None and self._ops.global_rng_is_none:
            return self, None
        return d, d._ops.make_rng(seed, d._device)

    def sample(self, sample_shape: Any = (), *, seed: Any = None) -> Array:
        """Draw ``sample_shape + batch_shape + event_shape`` samples; no gradient flows to the parameters.

        Args:
            sample_shape: leading shape of the draws (int, tuple, list or ``torch.Size``).
            seed: ``None`` (torch's global RNG on torch, a library-owned generator on NumPy), an ``int``, a
                ``numpy.random.Generator`` or a ``torch.Generator`` (matching the parameters' library).
        """
        shape = sample_shape if sample_shape is _NO_SHAPE else as_shape(sample_shape, "sample_shape", self, "sample")
        d, rng = self._sampling(seed)
        return _noted(d, d._sample(shape, rng))

    def rsample(self, sample_shape: Any = (), *, seed: Any = None) -> Array:
        """Reparameterized draws: gradients flow back to the parameters where the backend differentiates."""
        if not self.has_rsample:
            raise _not_implemented(self, "rsample (it has no reparameterized sampler; use sample)")
        shape = sample_shape if sample_shape is _NO_SHAPE else as_shape(sample_shape, "sample_shape", self, "rsample")
        d, rng = self._sampling(seed)
        return _noted(d, d._rsample(shape, rng))

    def rsample_and_log_prob(self, sample_shape: Any = (), *, seed: Any = None) -> tuple[Array, Array]:
        """Reparameterized draws and their log-density in one call, ``(x, log_prob(x))``: what a policy-gradient
        or variational step needs.  A composite that knows a better way computes the density from the draw's
        making (``TransformedDistribution`` from the draw before its transforms, so a squashed action that rounds
        to the boundary keeps a finite, exact density).

        Example:
            >>> import numpy as np
            >>> from arraydist import Normal
            >>> x, log_p = Normal(np.zeros(2), 1.0).rsample_and_log_prob((3,), seed=0)
            >>> x.shape, log_p.shape
            ((3, 2), (3, 2))
        """
        if not self.has_rsample:
            raise _not_implemented(self, "rsample (it has no reparameterized sampler; use sample)")
        shape = (
            sample_shape
            if sample_shape is _NO_SHAPE
            else as_shape(sample_shape, "sample_shape", self, "rsample_and_log_prob")
        )
        d, rng = self._sampling(seed)
        return d._rsample_and_log_prob(shape, rng)

    def _rsample_and_log_prob(self, sample_shape: Shape, rng: Any) -> tuple[Array, Array]:
        x = _noted(self, self._rsample(sample_shape, rng))
        return x, self.log_prob(x)

    def _sample(self, sample_shape: Shape, rng: Any) -> Array:
        if not self.has_rsample:
            raise _not_implemented(self, "sample")
        cls = type(self)
        if cls._rsample is Distribution._rsample and cls.rsample is not Distribution.rsample:
            # a torch.distributions-style subclass that overrides the public rsample (it takes no seed)
            return self._ops.stop_gradient(self.rsample(sample_shape))
        return self._ops.stop_gradient(self._rsample(sample_shape, rng))

    def _rsample(self, sample_shape: Shape, rng: Any) -> Array:
        raise _not_implemented(self, "rsample")

    # ------------------------------------------------------------------ densities
    def log_prob(self, value: Any) -> Array:
        """Log density (or log mass) of ``value``; the result has shape ``sample_shape + batch_shape``."""
        ops = self._ops
        if (
            _ops_by_type.get(type(value)) is ops
            and not self._neutral
            and (value.dtype is self._dtype or (self._index_values and value.dtype is ops.index_type))
        ):
            # the common case, a value of the parameters' library: the checks of _check_value, inline
            shape = value.shape
            batch = self._batch_shape
            if self._event_shape or shape[len(shape) - len(batch) :] != batch:
                self._check_value_shape(tuple(shape), "log_prob")
            if self._validate_args:
                support = self.support
                if support is not None and not (ops.notes_draws and _noted_inside(ops, support, value)):
                    values = None if ops.tracing() else ops.small_values(value)
                    if values is None or support.check_values(values) is not True:
                        value = self._check_support(value, "log_prob", support)
            return self._log_prob(value) if math.prod(shape) < BLOCKS_FROM else _evaluate(self, "_log_prob", value)
        d, value = self._adopt(value, "log_prob")
        return _evaluate(d, "_log_prob", d._check_value(value, "log_prob"))

    def prob(self, value: Any) -> Array:
        """Density (or mass) of ``value``: ``exp(log_prob(value))``."""
        d, value = self._adopt(value, "prob")
        value = d._check_value(value, "prob")
        return d._ops.xp.exp(d._log_prob(value))

    def cdf(self, value: Any) -> Array:
        """Cumulative distribution function at ``value``."""
        d, value = self._adopt(value, "cdf")
        return _evaluate(d, "_cdf", d._check_value(value, "cdf"))

    def icdf(self, value: Any) -> Array:
        """Inverse cumulative distribution function at probabilities ``value`` in [0, 1]."""
        d, value = self._adopt(value, "icdf")
        return _evaluate(d, "_icdf", d._check_value(value, "icdf", support=constraints.unit_interval))

    def log_cdf(self, value: Any) -> Array:
        """``log(cdf(value))``, accurate where the CDF is tiny (the lower tail) in families that offer a stable
        form; the default takes the log of :meth:`cdf`."""
        d, value = self._adopt(value, "log_cdf")
        return _evaluate(d, "_log_cdf", d._check_value(value, "log_cdf"))

    def survival_function(self, value: Any) -> Array:
        """``1 - cdf(value)``, accurate where the CDF is near 1 (the upper tail) in families that offer a stable
        form."""
        d, value = self._adopt(value, "survival_function")
        return _evaluate(d, "_survival_function", d._check_value(value, "survival_function"))

    def log_survival_function(self, value: Any) -> Array:
        """``log(1 - cdf(value))``, accurate in the upper tail in families that offer a stable form."""
        d, value = self._adopt(value, "log_survival_function")
        return _evaluate(d, "_log_survival_function", d._check_value(value, "log_survival_function"))

    def _log_prob(self, value: Array) -> Array:
        raise _not_implemented(self, "log_prob")

    # The defaults below derive the tail functions from one another: a family overrides the forms it has in a
    # stable closed form (at least ``_cdf``), and the others follow from them.
    def _cdf(self, value: Array) -> Array:
        raise _not_implemented(self, "cdf")

    def _log_cdf(self, value: Array) -> Array:
        return self._ops.xp.log(self._cdf(value))

    def _survival_function(self, value: Array) -> Array:
        return self._const(1.0) - self._cdf(value)

    def _log_survival_function(self, value: Array) -> Array:
        if type(self)._survival_function is not Distribution._survival_function:
            return self._ops.xp.log(self._survival_function(value))
        return self._ops.xp.log1p(-self._cdf(value))

    def _icdf(self, value: Array) -> Array:
        raise _not_implemented(self, "icdf")

    def entropy(self) -> Array:
        """Differential (or Shannon) entropy, of shape ``batch_shape``."""
        raise _not_implemented(self, "entropy")

    def perplexity(self) -> Array:
        """``exp(entropy())``."""
        return self._ops.xp.exp(self.entropy())

    def enumerate_support(self, expand: bool = True) -> Array:
        """Every value of the (finite) support, along a new leading dimension: shape ``(k,) + batch_shape +
        event_shape``, or ``(k,) + (1,) * len(batch_shape) + event_shape`` with ``expand=False``."""
        raise _not_implemented(self, "enumerate_support")

    def _enumerate_values(self, values: Array, expand: bool) -> Array:
        """For ``enumerate_support``: ``values`` of shape ``(k,) + event_shape`` (one row per value of the
        support) laid out along the batch dimensions, broadcast to them when ``expand`` (views)."""
        ops = self._ops
        batch = self._batch_shape
        k = int(values.shape[0])
        event = tuple(values.shape[1:])
        values = ops.xp.reshape(values, (k, *(1,) * len(batch), *event))
        return ops.broadcast_to(values, (k, *batch, *event)) if expand else values

    # ------------------------------------------------------------------ moments
    @property
    def mean(self) -> Array:
        """Mean, of shape ``batch_shape + event_shape``."""
        raise _not_implemented(self, "mean")

    @property
    def mode(self) -> Array:
        """Mode, of shape ``batch_shape + event_shape``."""
        raise _not_implemented(self, "mode")

    @property
    def variance(self) -> Array:
        """Variance (per coordinate), of shape ``batch_shape + event_shape``."""
        raise _not_implemented(self, "variance")

    @property
    def stddev(self) -> Array:
        """Standard deviation: ``sqrt(variance)`` unless the family knows better."""
        return self._ops.xp.sqrt(self.variance)

    # ------------------------------------------------------------------ display
    def _describe_param(self, value: Array) -> str:
        if getattr(value, "ndim", 0) == 0 and self._ops.is_concrete(value):
            try:
                return repr(float(value))
            except (TypeError, ValueError, RuntimeError):
                pass
        dtype = str(getattr(value, "dtype", "?")).rpartition(".")[2]
        return f"{dtype}[{', '.join(str(s) for s in value.shape)}]"

    def _repr_params(self) -> list[str]:
        statics = [f"{k}: {self.__dict__[k]!r}" for k in self._static_params]
        return statics + [
            f"{k}: {self._describe_param(getattr(self, k))}" for k in self.arg_constraints if k in self.__dict__
        ]

    def __repr__(self) -> str:
        parts = self._repr_params()
        backend = self._ops.name + (" (neutral: adopts the library it meets)" if self._neutral else "")
        device = self.__dict__.get("_device")
        where = f", device={device}" if device is not None and "cpu" not in str(device).lower() else ""
        parts.append(f"batch_shape={self._batch_shape}, event_shape={self._event_shape}, backend={backend}{where}")
        return f"{type(self).__name__}({', '.join(parts)})"


_backend.register_tree_root(Distribution)  # every Distribution class becomes a JAX pytree once JAX is in use

LOG_2PI = math.log(2 * math.pi)
