"""Evaluate any signaling scheme or splitting of the prior; convert between them.

A *scheme* is a row-stochastic matrix ``π(s | ω)`` (rows: states, columns:
signals).  A *splitting* is a finite distribution over posteriors: weights
``w_s`` and beliefs ``μ_s``.  A scheme induces the splitting with
``w_s = Σ_ω μ0(ω) π(s | ω)`` and ``μ_s(ω) = μ0(ω) π(s | ω) / w_s``, which is
Bayes-plausible (``Σ_s w_s μ_s = μ0``).  Conversely a Bayes-plausible
splitting is induced by ``π(s | ω) = w_s μ_s(ω) / μ0(ω)`` (Kamenica & Gentzkow
2011, Proposition 1).  Splittings that are *not* Bayes-plausible arise from
non-Bayesian receivers (for example language models); their evaluation
reports the Bayes-plausibility error ``‖Σ_s w_s μ_s − μ0‖₁``.

:func:`reduce_splitting` shrinks a splitting to affinely independent
posteriors (hence at most ``n_states`` of them) without lowering its value
(Carathéodory's theorem), as used to return optimal schemes with at most
``min(n_actions, n_states)`` signals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError
from . import best_response as _br
from ._numeric import PRIOR_SUM_TOL, coerce_array
from .priors import common_prior_view

if TYPE_CHECKING:  # pragma: no cover
    from .game_data import GameLike

__all__ = [
    "SchemeEvaluation",
    "evaluate_scheme",
    "evaluate_splitting",
    "scheme_to_splitting",
    "splitting_to_scheme",
    "reduce_splitting",
]


@dataclass(frozen=True)
class SchemeEvaluation:
    """The outcome of a scheme or splitting against a (Bayesian) receiver.

    Attributes
    ----------
    weights : numpy.ndarray, shape (k,)
        Probability of each signal (zero-probability signals are dropped;
        ``signal_index`` maps back to the input's columns/rows).
    posteriors : numpy.ndarray, shape (k, n_states)
    actions : numpy.ndarray of int, shape (k,)
        The receiver's best response to each posterior (``tie_break`` rule).
    signal_values : numpy.ndarray, shape (k,)
        ``v̂(μ_s)``.
    value : float or Fraction
        ``Σ_s w_s v̂(μ_s)``.
    no_disclosure_value : float or Fraction
        ``v̂(μ0)``.
    gain : float or Fraction
        ``value − v̂(μ0)``.
    mean_posterior : numpy.ndarray, shape (n_states,)
        ``Σ_s w_s μ_s``.
    bayes_plausibility_error : float or Fraction
        ``‖Σ_s w_s μ_s − μ0‖₁`` (zero for every scheme).
    signal_index : numpy.ndarray of int
        Position of each kept signal in the input.
    exact : bool
        Whether every number is an exact Fraction.
    tie_break : str
    """

    weights: np.ndarray
    posteriors: np.ndarray
    actions: np.ndarray
    signal_values: np.ndarray
    value: float | Fraction
    no_disclosure_value: float | Fraction
    gain: float | Fraction
    mean_posterior: np.ndarray
    bayes_plausibility_error: float | Fraction
    signal_index: np.ndarray
    exact: bool
    tie_break: str

    @property
    def is_bayes_plausible(self) -> bool:
        """Whether the posteriors average to the prior (exactly, or within 1e-9)."""
        if self.exact:
            return self.bayes_plausibility_error == 0
        return float(self.bayes_plausibility_error) <= 1e-9


def check_distribution_rows(f: np.ndarray, q: np.ndarray | None, name: str) -> None:
    """Raise :class:`InvalidGameError` unless every row is a probability distribution.

    ``f`` holds the float values, ``q`` the exact ones (or None); rational
    rows must sum to exactly one, float rows within ``PRIOR_SUM_TOL``.  The
    message names the array, the row and the entry at fault.

    Examples
    --------
    >>> import numpy as np
    >>> check_distribution_rows(np.array([[0.5, 0.6]]), None, "priors")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.InvalidGameError: priors row 0 sums to 1.1, not 1
    """
    if q is not None:
        for i in range(q.shape[0]):
            for j in range(q.shape[1]):
                if q[i, j] < 0:
                    raise InvalidGameError(f"{name}[{i}][{j}] is {q[i, j]}, which is negative")
            total = sum(q[i], Fraction(0))
            if total != 1:
                raise InvalidGameError(f"{name} row {i} sums to {total}, not 1")
        return
    neg = np.argwhere(f < 0)
    if neg.size:
        i, j = (int(t) for t in neg[0])
        raise InvalidGameError(f"{name}[{i}][{j}] is {float(f[i, j])!r}, which is negative")
    sums = f.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > PRIOR_SUM_TOL)
    if bad.size:
        i = int(bad[0])
        raise InvalidGameError(f"{name} row {i} sums to {float(sums[i])!r}, not 1")


def scheme_to_splitting(prior: np.ndarray, scheme: np.ndarray):
    """Signal probabilities and posteriors induced by a scheme ``π(s | ω)``.

    Works on float arrays or on object arrays of Fraction (exactly).
    Zero-probability signals are dropped.

    Returns
    -------
    weights : numpy.ndarray, shape (k,)
    posteriors : numpy.ndarray, shape (k, n_states)
    index : numpy.ndarray of int
        The kept signals' columns.

    Examples
    --------
    >>> import numpy as np
    >>> w, post, idx = scheme_to_splitting(np.array([0.7, 0.3]),
    ...                                    np.array([[4/7, 3/7], [0.0, 1.0]]))
    >>> np.round(w, 12).tolist(), np.round(post, 12).tolist()
    ([0.4, 0.6], [[1.0, 0.0], [0.5, 0.5]])
    """
    joint = prior[:, None] * scheme  # (n, S)
    weights = joint.sum(axis=0)
    if joint.dtype == object:
        keep = np.array([w != 0 for w in weights], dtype=bool)
    else:
        keep = weights > 0
    idx = np.flatnonzero(keep)
    w = weights[idx]
    post = (joint[:, idx] / w[None, :]).T
    return w, post, idx


def splitting_to_scheme(prior: np.ndarray, weights: np.ndarray, posteriors: np.ndarray):
    """The scheme ``π(s | ω) = w_s μ_s(ω) / μ0(ω)`` inducing a Bayes-plausible splitting.

    For a state with zero prior probability the row is set to the signal
    marginal ``w`` (any row would do: that state never occurs; this choice
    keeps every posterior unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> pi = splitting_to_scheme(np.array([0.7, 0.3]), np.array([0.4, 0.6]),
    ...                          np.array([[1.0, 0.0], [0.5, 0.5]]))
    >>> np.round(pi, 12).tolist()
    [[0.571428571429, 0.428571428571], [0.0, 1.0]]
    """
    n = prior.shape[0]
    k = weights.shape[0]
    exact = prior.dtype == object
    if prior.dtype == weights.dtype == posteriors.dtype == np.float64:
        # the loop below, one array operation: (w_s μ_s(ω)) / μ0(ω), rounded as there
        out = np.empty((n, k))
        np.multiply(weights, posteriors.T, out=out)
        zero = prior == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out /= prior[:, None]
        if zero.any():
            out[zero] = weights
        return out
    out = np.empty((n, k), dtype=object if exact else np.float64)
    for w in range(n):
        if prior[w] == 0:
            out[w] = weights
        else:
            out[w] = weights * posteriors[:, w] / prior[w]
    return out


def _evaluate(game, weights, posteriors, index, exact, tie_break) -> SchemeEvaluation:
    if exact:
        prior, v, u = game.exact_data()
        actions = np.array(
            [_br.best_response_exact(u, v, mu, tie_break=tie_break) for mu in posteriors],
            dtype=int,
        )
        vals = np.array(
            [sum((v[a][i] * mu[i] for i in range(len(mu))), Fraction(0))
             for a, mu in zip(actions, posteriors, strict=True)],
            dtype=object,
        )
        value = sum((w * x for w, x in zip(weights, vals, strict=True)), Fraction(0))
        mean = np.array(
            [sum((weights[s] * posteriors[s][i] for s in range(len(weights))), Fraction(0))
             for i in range(game.n_states)],
            dtype=object,
        )
        err = sum((abs(mean[i] - prior[i]) for i in range(game.n_states)), Fraction(0))
        nd = game.no_disclosure_value(exact=True, tie_break=tie_break)
    else:
        prior = game.prior
        actions = _br.best_response(
            game.receiver_utility, game.sender_utility, posteriors, tie_break=tie_break
        ).astype(int)
        vals = np.einsum("ij,ij->i", game.sender_utility[actions], posteriors)
        value = float(weights @ vals)
        mean = weights @ posteriors
        err = float(np.abs(mean - prior).sum())
        nd = game.no_disclosure_value(tie_break=tie_break)
    return SchemeEvaluation(
        weights=weights,
        posteriors=posteriors,
        actions=actions,
        signal_values=vals,
        value=value,
        no_disclosure_value=nd,
        gain=value - nd,
        mean_posterior=mean,
        bayes_plausibility_error=err,
        signal_index=index,
        exact=exact,
        tie_break=tie_break,
    )


def evaluate_scheme(
    game: GameLike, scheme: Any, *, tie_break: _br.TieBreak = "sender"
) -> SchemeEvaluation:
    """Evaluate a signaling scheme ``π(s | ω)`` against a Bayesian receiver.

    Parameters
    ----------
    game : PersuasionGame or GameLike
    scheme : array_like, shape (n_states, n_signals)
        Row ``ω`` is the distribution of signals in state ``ω``.  Exact
        (int/Fraction) entries on a rational game are evaluated exactly.
    tie_break : {"sender", "receiver"}, default "sender"

    Returns
    -------
    SchemeEvaluation

    Raises
    ------
    InvalidGameError
        If the shape is wrong, an entry is negative or a row does not sum to 1.

    Examples
    --------
    The optimal prosecutor scheme: convict-signal with probability 3/7 when
    innocent, always when guilty.

    >>> from fractions import Fraction as F
    >>> from bayespersuade.examples import prosecutor
    >>> ev = evaluate_scheme(prosecutor(), [[F(4, 7), F(3, 7)], [0, 1]])
    >>> ev.value, ev.gain, ev.bayes_plausibility_error
    (Fraction(3, 5), Fraction(3, 5), Fraction(0, 1))
    """
    game = common_prior_view(game)  # heterogeneous priors: the receiver's belief space
    f, q = coerce_array(scheme, "scheme", 2)
    if f.shape[0] != game.n_states:
        raise InvalidGameError(
            f"scheme has {f.shape[0]} rows but the game has {game.n_states} states "
            "(rows are states, columns are signals)"
        )
    check_distribution_rows(f, q, "scheme")
    exact = game.is_rational and q is not None
    if exact:
        prior = game.exact_data()[0]
        w, post, idx = scheme_to_splitting(prior, q)
    else:
        w, post, idx = scheme_to_splitting(game.prior, f)
    return _evaluate(game, w, post, idx, exact, tie_break)


def evaluate_splitting(
    game: GameLike, weights: Any, posteriors: Any, *, tie_break: _br.TieBreak = "sender"
) -> SchemeEvaluation:
    """Evaluate (weight, posterior) pairs, Bayes-plausible or not.

    This is how the LLM bridge scores elicited posteriors: each message
    ``m`` induced a posterior ``μ_m``; with weights ``w_m`` (for example the
    empirical frequency of the messages) the sender earns ``Σ w_m v̂(μ_m)``,
    and ``bayes_plausibility_error`` measures how far the posteriors fail to
    average back to the prior (only a non-Bayesian receiver can be moved
    beyond the ceiling ``V(μ0) − v̂(μ0)``, and only with a positive error).

    Parameters
    ----------
    game : PersuasionGame or GameLike
    weights : array_like, shape (k,)
        Non-negative, summing to one.
    posteriors : array_like, shape (k, n_states)
        Each row a belief.
    tie_break : {"sender", "receiver"}, default "sender"

    Returns
    -------
    SchemeEvaluation

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> ev = evaluate_splitting(prosecutor(), [0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]])
    >>> ev.value, round(ev.bayes_plausibility_error, 12)
    (1.0, 0.4)
    """
    game = common_prior_view(game)  # heterogeneous priors: receiver posteriors
    wf, wq = coerce_array(weights, "weights", 1)
    pf, pq = coerce_array(posteriors, "posteriors", 2)
    if pf.shape != (wf.shape[0], game.n_states):
        raise InvalidGameError(
            f"posteriors must have shape ({wf.shape[0]}, {game.n_states}) to match the "
            f"weights and the game's states, got {pf.shape}"
        )
    check_distribution_rows(wf[None, :], None if wq is None else wq[None, :], "weights")
    check_distribution_rows(pf, pq, "posteriors")
    exact = game.is_rational and wq is not None and pq is not None
    if exact:
        keep = np.array([w != 0 for w in wq], dtype=bool)
        idx = np.flatnonzero(keep)
        return _evaluate(game, wq[idx], pq[idx], idx, True, tie_break)
    idx = np.flatnonzero(wf > 0)
    return _evaluate(game, wf[idx], pf[idx], idx, False, tie_break)


def _nullspace_float(M: np.ndarray, tol: float) -> np.ndarray | None:
    _, s, vt = np.linalg.svd(M)
    rank = int((s > tol * max(1.0, s.max(initial=0.0))).sum())
    if rank >= M.shape[1]:
        return None
    return vt[-1]


#: :func:`_clearly_independent` decides at most this many posteriors.
_GRAM_MAX = 10


def _clearly_independent(P: np.ndarray) -> bool:
    """Whether the rows of ``P`` (``k <= n_states`` of them) are linearly independent
    by so wide a margin that ``_nullspace_float(P.T, 1e-10)`` finds no null vector.

    ``G = P P^T`` has ``λ_max <= tr G``, so ``λ_min >= det G / (tr G)^(k-1)``; the
    test asks ``det G > 1e-9 · max(1, tr G) · (tr G)^(k-1)``, so the smallest
    singular value of ``P`` exceeds ``3e-5 · max(1, σ_max)``, and rounding (in
    ``det``: relative ``~k² · 1e-16`` of ``(tr G)^k``; in the SVD: ``~k · 1e-16 σ_max``)
    is orders of magnitude below both that margin and the SVD's rank threshold
    (``1e-10 · max(1, σ_max)``).  ``False`` decides nothing (the SVD does).

    Examples
    --------
    >>> _clearly_independent(np.array([[1.0, 0.0], [0.5, 0.5]]))
    True
    >>> _clearly_independent(np.array([[1.0, 0.0], [1.0, 1e-9]]))
    False
    """
    k = P.shape[0]
    if P.dtype != np.float64 or P.ndim != 2 or not 1 < k <= min(P.shape[1], _GRAM_MAX):
        return False
    G = P @ P.T
    tr = float(np.trace(G))
    if not tr > 0.0 or not math.isfinite(tr):
        return False
    return float(np.linalg.det(G)) > 1e-9 * max(1.0, tr) * tr ** (k - 1)


def _nullspace_exact(M: np.ndarray) -> np.ndarray | None:
    # A float SVD with a wide margin proves full column rank (rounding errors
    # are ~1e-16 of the largest singular value), sparing the exact computation.
    s = np.linalg.svd(M.astype(np.float64), compute_uv=False)
    if M.shape[1] <= M.shape[0] and s.size == M.shape[1] and s.min() > 1e-8 * s.max():
        return None
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    rows = [[QQ(int(x.numerator), int(x.denominator)) for x in row] for row in M]
    dm = DomainMatrix(rows, M.shape, QQ)
    ns = dm.nullspace()
    if ns.shape[0] == 0:
        return None
    vec = ns.to_Matrix().row(0)
    return np.array([Fraction(int(x.p), int(x.q)) for x in vec], dtype=object)


def reduce_splitting(
    weights: np.ndarray,
    posteriors: np.ndarray,
    values: np.ndarray,
    *,
    tol: float = 1e-12,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop posteriors until the rest are affinely independent (Carathéodory).

    While the posteriors (columns of ``M``) admit ``δ ≠ 0`` with ``M δ = 0``,
    move the weights along ``±δ`` (the sign that does not lower
    ``Σ w_s values_s``; the mean posterior is unchanged, and so is every
    posterior) until one weight reaches zero, and drop it.  The result has at
    most ``n_states`` posteriors and a value at least as high.  Exact when the
    inputs are object arrays of Fraction.

    Parameters
    ----------
    weights : numpy.ndarray, shape (k,)
    posteriors : numpy.ndarray, shape (k, n_states)
    values : numpy.ndarray, shape (k,)
        The value of each posterior (for example ``v(a_s) · μ_s``).
    tol : float
        Float mode: weights below ``tol`` count as zero.

    Returns
    -------
    weights, posteriors, index
        The kept weights, posteriors, and their positions in the input.

    Examples
    --------
    Three posteriors of a two-state game: at most two are needed.  Here the
    middle posterior alone averages to the prior and has the highest value,
    so the reduction keeps only it (value 1, up from 2/3):

    >>> import numpy as np
    >>> w, post, idx = reduce_splitting(
    ...     np.array([1/3, 1/3, 1/3]),
    ...     np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]),
    ...     np.array([0.0, 1.0, 1.0]))
    >>> w.tolist(), post.tolist()
    ([1.0], [[0.5, 0.5]])
    """
    exact = weights.dtype == object
    idx = np.arange(weights.shape[0])
    w = weights.copy()
    if not exact and _clearly_independent(posteriors):  # the SVD below would stop at once
        return w / w.sum(), posteriors[idx], idx
    while idx.size > 1:
        M = posteriors[idx].T  # (n, k)
        delta = _nullspace_exact(M) if exact else _nullspace_float(M, 1e-10)
        if delta is None:
            break
        gain = sum(d * x for d, x in zip(delta, values[idx], strict=True))
        if gain < 0:
            delta = -delta
        neg = [i for i, d in enumerate(delta) if d < 0]
        if not neg:  # cannot happen for beliefs (Σδ = 0); guard against float noise
            break
        t = min(w[idx[i]] / -delta[i] for i in neg)
        w_new = w.copy()
        for i, d in enumerate(delta):
            w_new[idx[i]] = w[idx[i]] + t * d
        w = w_new
        if exact:
            alive = np.array([w[i] > 0 for i in idx], dtype=bool)
        else:
            alive = np.array([w[i] > tol for i in idx], dtype=bool)
            if alive.all():  # numerical guard: drop the smallest
                alive[int(np.argmin(w[idx]))] = False
        idx = idx[alive]
    kept = w[idx]
    if not exact:
        kept = kept / kept.sum()
    return kept, posteriors[idx], idx
