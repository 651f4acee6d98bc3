r"""Poisson and binomial draws that are right at every rate and total count, written once over ``Ops``.

The backends' own samplers are fast and right for small and moderate parameters, and wrong beyond (JAX's
Poisson is int32 without x64 and 1.5x too spread at rate 1e8 with it; NumPy's and torch's Poisson lose the
digits of their acceptance test, ``-lam + k log lam - lgamma(k + 1)``, at large rates; float32 binomials are
1.4x too spread at n = 1e9; NumPy refuses counts past int64).  ``Ops.poisson`` and ``Ops.binomial`` call the
backend's sampler where every parameter is at most ``Ops.native_counts_upto(dtype)`` and the values can be
read, and the samplers below otherwise (under ``jax.jit`` and ``torch.compile`` always).

Each sampler splits its parameters into three ranges, drawn in the working float (float64 where the backend
has it, else float32: JAX without x64), and computes only the ranges present where the values can be read:

* **mean below 10**: inversion, a sequential search over at most :data:`INVERSION_STEPS` terms of the mass
  function (the tail beyond holds less than 1e-17 of the mass), against a uniform scaled by the sum of the
  terms (so rounding of the running sum never puts a draw past the last term);
* **mean from 10 to the working float's largest exact integer** :math:`2/\epsilon` (:math:`2^{53}`;
  :math:`2^{24}` in float32): Hörmann's transformed rejection, PTRS for the Poisson and BTRS for the binomial
  (W. Hörmann, *The transformed rejection method for generating Poisson random variables*, 1993, and *The
  generation of binomial random variates*, 1993).  The acceptance test compares log-masses in Loader's
  saddle-point form (``Ops.bd0``, ``Ops.stirlerr``), which keeps its digits at any size, and the proposal
  is ``floor(mean) + floor(offset)``, so the integer part of the draw is never rounded.  A round accepts with
  probability above 0.7; rounds run until every draw is accepted (one traced loop under ``jax.jit`` and
  ``torch.compile``), or :data:`TRACED_ROUNDS` of them where no loop traces (``torch.func.vmap``);
* **beyond**, where the count itself is no longer an exact integer of the working float: the
  skewness-corrected (Cornish-Fisher) normal :math:`\mu + \sigma (z + \gamma (z^2 - 1) / 6)`, rounded, whose
  first three cumulants are the law's and whose error is :math:`O(1/\sigma^2)`: for a Poisson past the range
  :math:`1/\lambda < 2^{-53}` (:math:`2^{-24}` in float32), and at rate :math:`10^{16}` the skewness itself is
  1e-8.  A binomial with ``n`` past the range and ``p`` at most :math:`\epsilon^{1/2}` (``n p`` may be small
  there, the normal poor) is drawn as a Poisson of rate ``n p``, within ``p`` of the binomial in total
  variation (Barbour and Hall, 1984); above, :math:`\sigma^2 = npq > 2^{-1}\epsilon^{-1/2}` and the normal is
  within :math:`O(\epsilon^{1/2})`.  So past the range the binomial's law is right to about 1.5e-8 in float64
  and 3.5e-4 in float32 (JAX without x64).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ._special_math import LOG_SQRT_2PI

Array = Any
Shape = tuple[int, ...]

#: terms of the inversion search for a mean below :data:`TRANSFORMED_FROM`: P(Poisson(10) >= 48) < 4e-18
INVERSION_STEPS = 48
#: the mean from which the transformed rejection samplers hold (Hörmann's bound for PTRS and BTRS)
TRANSFORMED_FROM = 10.0
#: rounds under tracing without a traced loop (``torch.func.vmap``): a round accepts with probability above 0.7
#: at every mean (0.71 for BTRS at n p = 10, 0.75 for PTRS at rate 10, 0.89 from 1e4 on), so a draw is still
#: unaccepted after 32 rounds with probability below 1e-17 (it keeps its last proposal)
TRACED_ROUNDS = 32


def exact_upto(xp: Any, work: Any) -> float:
    """The largest integer below which every integer is exact in ``work``: 2^53 (float64), 2^24 (float32)."""
    return 2.0 / float(xp.finfo(work).eps)


def _present(ops: Any, x: Array, low: float, high: float, traced: bool) -> bool:
    """Whether some element of ``x`` may lie in ``[low, high]`` (always, where the values cannot be read)."""
    if traced:
        return True
    lo, hi = ops.value_range(x)
    return not (hi < low or lo > high)


def _rejection(ops: Any, rng: Any, propose: Callable, args: tuple[Array, ...], traced: bool) -> Array:
    """The first accepted proposal of rounds of ``propose(u_key, v_key, args) -> (draw, accepted)``, ``args``
    the per-draw parameters (arrays of the draws' shape).

    Traced, where the backend has a traced loop (``Ops.while_loop``: JAX's, eagerly too, and torch's under
    ``torch.compile``): one loop until every draw is accepted, traced once.  Eager elsewhere: a round over every
    draw, then rounds over the unaccepted ones only (about 20 %, then 5 %...), put back in one ``Ops.put``.
    Traced without a loop (``torch.func.vmap``): :data:`TRACED_ROUNDS` rounds over every draw."""
    xp = ops.xp
    loop = ops.while_loop() if traced or ops.eager_while else None
    if loop is not None:

        def body(state: tuple[Array, Array, Any]) -> tuple[Array, Array, Any]:
            draw, done, key = state
            u_key, v_key, key = ops.split(key, 3)
            proposal, ok = propose(u_key, v_key, args)
            return xp.where(done, draw, proposal), done | ok, key

        # every round inside the loop: the proposal is traced once
        draw = xp.zeros_like(args[0])
        return loop(lambda state: ~xp.all(state[1]), body, (draw, draw > 0, rng))[0]
    if traced:
        keys = ops.split(rng, 2 * TRACED_ROUNDS)
        draw, done = propose(keys[0], keys[1], args)
        for i in range(1, TRACED_ROUNDS):
            proposal, ok = propose(keys[2 * i], keys[2 * i + 1], args)
            draw = xp.where(done, draw, proposal)
            done = done | ok
        return draw
    shape = tuple(args[0].shape)
    flat = tuple(xp.reshape(a, (-1,)) for a in args)
    first_key, second_key, spare = ops.split(rng, 3)
    draw, done = propose(first_key, second_key, flat)
    if ops.all(done):
        return xp.reshape(draw, shape)
    pending = xp.nonzero(~done)[0]
    sub = tuple(xp.take(a, pending) for a in flat)
    sub_draw = xp.zeros_like(sub[0])
    sub_done = sub_draw > 0  # all False, on the parameters' device
    while not ops.all(sub_done):
        u_key, v_key, spare = ops.split(spare, 3)
        proposal, ok = propose(u_key, v_key, sub)
        sub_draw = xp.where(sub_done, sub_draw, proposal)
        sub_done = sub_done | ok
    return xp.reshape(ops.put(draw, pending, sub_draw), shape)


def _inversion(
    ops: Any, rng: Any, first: Array, ratio: Callable[[Any], Array], shape: Shape, work: Any, device: Any
) -> Array:
    """The count ``k`` with ``F(k - 1) < u S <= F(k)``: the mass function from ``first`` (the mass at 0) by
    ``f(j) = f(j - 1) ratio(j)``, ``S`` the sum of its :data:`INVERSION_STEPS` + 1 terms (one traced loop
    each where the backend has one: ``Ops._repeat``)."""
    xp = ops.xp

    def add(j: Any, state: tuple[Array, ...]) -> tuple[Array, ...]:
        total, term = state
        term = term * ratio(j)
        return total + term, term

    total, _ = ops._repeat(INVERSION_STEPS, add, (first, first))
    v = ops.uniform(rng, shape, work, device) * total

    def search(j: Any, state: tuple[Array, ...]) -> tuple[Array, ...]:
        count, cdf, term = state
        term = term * ratio(j)
        return count + xp.astype(v > cdf, work), cdf + term, term

    count, _, _ = ops._repeat(INVERSION_STEPS, search, (xp.zeros_like(first), first, first))
    return count


def _skewed_normal(
    ops: Any, rng: Any, mean: Array, sd: Array, skew: Array, shape: Shape, work: Any, device: Any
) -> Array:
    """The rounded Cornish-Fisher normal: mean, variance and skewness right up to O(1/sd^2)."""
    xp = ops.xp
    z = ops.normal(rng, shape, work, device)
    return xp.floor(mean + sd * (z + skew * (z * z - 1) / 6) + 0.5)


def _log_poisson_mass(ops: Any, k: Array, lam: Array) -> Array:
    """``log(lam^k e^-lam / k!)`` in the saddle-point form, for integers ``k >= 0`` and ``lam > 0``."""
    xp = ops.xp
    positive = k >= 1
    kk = xp.where(positive, k, xp.ones_like(k))
    log_mass = -ops.bd0(kk, lam) - ops.stirlerr(kk) - 0.5 * xp.log(kk) - LOG_SQRT_2PI
    return xp.where(positive, log_mass, -lam)


def _ptrs(ops: Any, rng: Any, lam: Array, work: Any, device: Any, traced: bool) -> Array:
    """Hörmann's PTRS for ``lam >= 10``, exact while ``lam`` and the draws are exact integers of ``work``."""
    xp = ops.xp
    b = 0.931 + 2.53 * xp.sqrt(lam)
    a = -0.059 + 0.02483 * b
    log_inv_alpha = xp.log(1.1239 + 1.1328 / (b - 3.4))
    vr = 0.9277 - 3.6224 / (b - 2)
    whole = xp.floor(lam)

    def propose(u_key: Any, v_key: Any, args: tuple[Array, ...]) -> tuple[Array, Array]:
        lam, whole, a, b, log_inv_alpha, vr = args
        shape = tuple(lam.shape)
        u = ops.uniform(u_key, shape, work, device) - 0.5
        v = ops.uniform(v_key, shape, work, device)
        us = 0.5 - xp.abs(u)
        k = whole + xp.floor((2 * a / us + b) * u + ((lam - whole) + 0.43))
        quick = (us >= 0.07) & (v <= vr)
        hat = xp.log(v) + log_inv_alpha - xp.log(a / (us * us) + b)
        kk = xp.maximum(k, xp.zeros_like(k))
        tested = (k >= 0) & ~((us < 0.013) & (v > us)) & (hat <= _log_poisson_mass(ops, kk, lam))
        return kk, quick | tested

    return _rejection(ops, rng, propose, (lam, whole, a, b, log_inv_alpha, vr), traced)


def _poisson_in(
    ops: Any, rng: Any, lam: Array, shape: Shape, work: Any, device: Any, traced: bool, small: bool = True
) -> Array:
    """Poisson draws for rates ``lam`` (arrays of ``work`` and ``shape``), every range (from rate 10 on only,
    without ``small``)."""
    xp = ops.xp
    limit = exact_upto(xp, work)
    small_key, ptrs_key, normal_key = ops.split(rng, 3)
    one = xp.ones_like(lam)
    out = xp.zeros_like(lam)
    if small and _present(ops, lam, 0.0, TRANSFORMED_FROM, traced):
        small = lam < TRANSFORMED_FROM
        lam_s = xp.where(small, lam, one)
        draws = _inversion(ops, small_key, xp.exp(-lam_s), lambda j: lam_s / j, shape, work, device)
        out = xp.where(small, draws, out)
    if _present(ops, lam, TRANSFORMED_FROM, limit, traced):
        mid = (lam >= TRANSFORMED_FROM) & (lam <= limit)
        draws = _ptrs(ops, ptrs_key, xp.where(mid, lam, 10 * one), work, device, traced)
        out = xp.where(mid, draws, out)
    if _present(ops, lam, limit, math.inf, traced):
        large = lam > limit
        lam_l = xp.where(large, lam, limit * one)
        sd = xp.sqrt(lam_l)
        draws = _skewed_normal(ops, normal_key, lam_l, sd, 1 / sd, shape, work, device)
        out = xp.where(large, draws, out)
    return out


def poisson(ops: Any, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
    """Poisson(rate) counts as floats of ``dtype`` (see the module's docstring); NaN where ``rate`` is NaN."""
    xp = ops.xp
    work = ops.count_work_dtype(dtype)
    lam = xp.broadcast_to(ops.stop_gradient(xp.asarray(rate, dtype=work, device=device)), shape)
    traced = ops.tracing() or not ops.is_concrete(lam)
    out = _poisson_in(ops, rng, lam, shape, work, device, traced)
    return xp.astype(xp.where(lam == lam, out, lam), dtype)


def _log_binomial_mass(ops: Any, k: Array, n: Array, p: Array, q: Array) -> Array:
    """``log(C(n, k) p^k q^(n - k))`` in the saddle-point form (Loader), for integers ``0 <= k <= n``."""
    xp = ops.xp
    inner = (k >= 1) & (k <= n - 1)
    kk = xp.where(inner, k, xp.ones_like(k))
    rest = xp.where(inner, n - k, xp.ones_like(k))
    nn = xp.where(inner, n, 2 * xp.ones_like(n))
    log_mass = (
        ops.stirlerr(nn)
        - ops.stirlerr(kk)
        - ops.stirlerr(rest)
        - ops.bd0(kk, nn * p)
        - ops.bd0(rest, nn * q)
        + 0.5 * xp.log(nn / (kk * rest))
        - LOG_SQRT_2PI
    )
    edge = xp.where(k <= 0, n * xp.log1p(-p), n * xp.log(p))
    return xp.where(inner, log_mass, edge)


def _btrs(ops: Any, rng: Any, n: Array, p: Array, work: Any, device: Any, traced: bool) -> Array:
    """Hörmann's BTRS for ``p <= 1/2`` and ``n p >= 10``, exact while ``n`` is an exact integer of ``work``."""
    xp = ops.xp
    q = 1 - p
    spq = xp.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    whole = xp.floor(c)
    log_alpha = xp.log((2.83 + 5.1 / b) * spq)
    vr = 0.92 - 4.2 / b
    mode = xp.floor((n + 1) * p)
    log_mode_mass = _log_binomial_mass(ops, mode, n, p, q)

    def propose(u_key: Any, v_key: Any, args: tuple[Array, ...]) -> tuple[Array, Array]:
        n, p, q, a, b, c, whole, log_alpha, vr, log_mode_mass = args
        shape = tuple(n.shape)
        u = ops.uniform(u_key, shape, work, device) - 0.5
        v = ops.uniform(v_key, shape, work, device)
        us = 0.5 - xp.abs(u)
        k = whole + xp.floor((2 * a / us + b) * u + (c - whole))
        inside = (k >= 0) & (k <= n)
        kk = xp.minimum(xp.maximum(k, xp.zeros_like(k)), n)
        quick = (us >= 0.07) & (v <= vr)
        hat = xp.log(v) + log_alpha - xp.log(a / (us * us) + b)
        tested = hat <= _log_binomial_mass(ops, kk, n, p, q) - log_mode_mass
        return kk, inside & (quick | tested)

    args = (n, p, q, a, b, c, whole, log_alpha, vr, log_mode_mass)
    return _rejection(ops, rng, propose, args, traced)


def binomial(ops: Any, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
    """Binomial(total_count, probs) counts as floats of ``dtype`` (see the module's docstring); NaN where a
    parameter is NaN."""
    xp = ops.xp
    work = ops.count_work_dtype(dtype)
    n = xp.broadcast_to(ops.stop_gradient(xp.asarray(total_count, dtype=work, device=device)), shape)
    p_in = xp.broadcast_to(ops.stop_gradient(xp.asarray(probs, dtype=work, device=device)), shape)
    traced = ops.tracing() or not (ops.is_concrete(n) and ops.is_concrete(p_in))
    limit = exact_upto(xp, work)
    flip = p_in > 0.5
    p = xp.where(flip, 1 - p_in, p_in)  # at most 1/2, and exact: 1 - p_in is for p_in >= 1/2
    mean = n * p
    one = xp.ones_like(n)
    small_key, btrs_key, poisson_key, normal_key = ops.split(rng, 4)
    out = xp.zeros_like(n)
    if _present(ops, mean, 0.0, TRANSFORMED_FROM, traced):
        small = mean < TRANSFORMED_FROM
        n_s = xp.where(small, n, one)
        p_s = xp.where(small, p, xp.zeros_like(p))
        odds = p_s / (1 - p_s)
        first = xp.exp(n_s * xp.log1p(-p_s))

        def ratio(j: Any) -> Array:  # past k = n the factor n - j + 1 reaches 0: the terms stop there
            return xp.maximum(n_s - (j - 1), xp.zeros_like(n_s)) / j * odds

        draws = _inversion(ops, small_key, first, ratio, shape, work, device)
        out = xp.where(small, draws, out)
    mid = (mean >= TRANSFORMED_FROM) & (n <= limit)
    if traced or ops.reduce_value(xp.astype(mid, work), "max") > 0:
        n_m = xp.where(mid, n, 20 * one)
        p_m = xp.where(mid, p, 0.5 * one)
        out = xp.where(mid, _btrs(ops, btrs_key, n_m, p_m, work, device, traced), out)
    beyond = (mean >= TRANSFORMED_FROM) & (n > limit)
    if traced or ops.reduce_value(xp.astype(beyond, work), "max") > 0:
        thin = beyond & (p <= math.sqrt(float(xp.finfo(work).eps)))
        rate = xp.where(thin, mean, TRANSFORMED_FROM * one)  # n p >= 10 here: the rate's small range is not drawn
        out = xp.where(thin, _poisson_in(ops, poisson_key, rate, shape, work, device, traced, small=False), out)
        wide = beyond & ~thin
        n_w = xp.where(wide, n, limit * one)
        p_w = xp.where(wide, p, 0.5 * one)
        q_w = 1 - p_w
        sd = xp.sqrt(n_w * p_w * q_w)
        draws = _skewed_normal(ops, normal_key, n_w * p_w, sd, (q_w - p_w) / sd, shape, work, device)
        out = xp.where(wide, xp.minimum(xp.maximum(draws, xp.zeros_like(n)), n), out)
    out = xp.where(flip, n - out, out)
    return xp.astype(xp.where((n == n) & (p_in == p_in), out, n + p_in), dtype)
