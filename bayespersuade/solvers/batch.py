"""Persuasion-gain ceilings for many priors of one game structure at once.

Dataset sweeps solve thousands of games that share utilities and differ only
in the prior (every claim of a dataset under one instance family).  Rather
than one LP per prior, the concave envelope is computed once:

* **two states**: the exact envelope (:func:`~.concavification.two_state_envelope`)
  is evaluated by linear interpolation at all priors at once;
* **more states**: the upper convex hull of the points ``(μ, v̂(μ))`` over
  the vertices of the best-response regions is computed once (Qhull,
  Barber et al. 1996); ``V(μ0)`` is the minimum over the hull's upper facets
  of their affine functions, and the optimal splitting is read off the facet
  attaining it.  If Qhull cannot build the hull (degenerate input), the
  envelope is evaluated by one small LP over the vertices per prior.

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.
Barber, C. B., Dobkin, D. P. and Huhdanpaa, H. (1996). The Quickhull
algorithm for convex hulls. *ACM Transactions on Mathematical Software*
22(4), 469-483.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import IllConditionedWarning, InvalidGameError, SolverError
from . import best_response as _br
from ._numeric import coerce_array
from .concavification import best_response_vertices, two_state_envelope
from .conditioning import ScaledGame, near_ties, normalise
from .evaluate import check_distribution_rows
from .priors import has_common_prior

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .game_data import GameLike

__all__ = ["CeilingBatch", "batch_ceilings"]


@dataclass(frozen=True)
class CeilingBatch:
    """Values and ceilings of one game structure at many priors (float).

    Attributes
    ----------
    priors : numpy.ndarray, shape (k, n_states)
    value : numpy.ndarray, shape (k,)
        ``V(μ0)``.
    no_disclosure_value : numpy.ndarray, shape (k,)
        ``v̂(μ0)``.
    full_disclosure_value : numpy.ndarray, shape (k,)
    gain : numpy.ndarray, shape (k,)
        ``V(μ0) − v̂(μ0)``.
    n_signals : numpy.ndarray of int, shape (k,)
    weights : numpy.ndarray, shape (k, s_max)
        Signal probabilities of an optimal splitting, NaN-padded.
    posteriors : numpy.ndarray, shape (k, s_max, n_states)
        NaN-padded.
    actions : numpy.ndarray of int, shape (k, s_max)
        Recommended actions, ``-1``-padded.
    method : str
        ``"two-state envelope"``, ``"upper hull"`` or ``"vertex LP per prior"``.
    states, actions_labels : tuple
        The game's labels.
    """

    priors: np.ndarray
    value: np.ndarray
    no_disclosure_value: np.ndarray
    full_disclosure_value: np.ndarray
    gain: np.ndarray
    n_signals: np.ndarray
    weights: np.ndarray
    posteriors: np.ndarray
    actions: np.ndarray
    method: str
    states: tuple
    action_labels: tuple

    def __len__(self) -> int:
        return self.priors.shape[0]

    def to_frame(self) -> pd.DataFrame:
        """One row per prior: the prior, values, gain and the optimal splitting.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> df = batch_ceilings(prosecutor(), [[0.7, 0.3], [0.4, 0.6]]).to_frame()
        >>> df[["value", "gain", "n_signals"]].round(6).values.tolist()
        [[0.6, 0.6, 2.0], [1.0, 0.0, 1.0]]
        """
        import pandas as pd

        data: dict[str, Any] = {}
        for i, s in enumerate(self.states):
            data[f"prior[{s}]"] = self.priors[:, i]
        data["no_disclosure_value"] = self.no_disclosure_value
        data["value"] = self.value
        data["gain"] = self.gain
        data["full_disclosure_value"] = self.full_disclosure_value
        data["n_signals"] = self.n_signals
        data["weights"] = [
            [float(w) for w in row[: k]] for row, k in zip(self.weights, self.n_signals,
                                                          strict=True)
        ]
        data["posteriors"] = [
            [[float(x) for x in p] for p in row[: k]]
            for row, k in zip(self.posteriors, self.n_signals, strict=True)
        ]
        data["actions"] = [
            [self.action_labels[a] for a in row[: k]]
            for row, k in zip(self.actions, self.n_signals, strict=True)
        ]
        return pd.DataFrame(data)


def _check_priors(priors: Any, n: int) -> np.ndarray:
    P, _ = coerce_array(priors, "priors", 2)
    if P.shape[1] != n:
        raise InvalidGameError(f"priors must have {n} columns (one per state), got {P.shape[1]}")
    check_distribution_rows(P, None, "priors")
    return np.asarray(P)


def batch_ceilings(game: GameLike, priors: Any) -> CeilingBatch:
    """``V``, ``v̂``, the ceiling and an optimal splitting at many priors.

    The game's own prior is ignored; its utilities are used with each row of
    ``priors``.  Float arithmetic (``game.with_prior(p).solve(exact=True)``
    gives exact values for one prior).

    Parameters
    ----------
    game : PersuasionGame or GameLike
        Supplies states, actions and utilities.
    priors : array_like, shape (k, n_states)
        One prior per row.

    Returns
    -------
    CeilingBatch

    Raises
    ------
    InvalidGameError
        If a prior is not a distribution over the game's states.

    Examples
    --------
    10,000 priors of the seven-point Likert game in one call:

    >>> import numpy as np
    >>> from bayespersuade.examples import likert_quadratic
    >>> mu = np.linspace(0, 1, 10_001)
    >>> batch = batch_ceilings(likert_quadratic(), np.column_stack([1 - mu, mu]))
    >>> round(float(batch.value[5000]), 12), round(float(batch.gain.max()), 4)
    (4.5, 0.9998)

    (The ceiling approaches 1 just below ``μ0 = 1/12``, where the receiver
    still answers 1 but the envelope is already near 2.)
    """
    if not has_common_prior(game):
        raise InvalidGameError(
            "batch_ceilings varies a common prior; this game has a distinct receiver prior. "
            "Use bayespersuade.solvers.heterogeneous.heterogeneous_ceilings instead"
        )
    n = game.n_states
    P = _check_priors(priors, n)
    u, v = game.receiver_utility, game.sender_utility
    nd = _br.sender_value(u, v, P)
    corner = _br.sender_value(u, v, np.eye(n))
    fd = P @ corner
    # solve in normalised units (tolerances relative to the utilities' ranges)
    v_n, u_n, sc = normalise(v, u)
    for line in near_ties(game, u_n):
        warnings.warn(line, IllConditionedWarning, stacklevel=3)
    scaled = ScaledGame(game.prior, v_n, u_n, game.states, game.actions, game.name)
    if n == 1:
        value, W, Post, A, method = nd.copy(), np.ones((P.shape[0], 1)), \
            np.ones((P.shape[0], 1, 1)), np.zeros((P.shape[0], 1), dtype=int), "one state"
        A[:] = _br.best_response(u, v, np.ones(1))
    elif n == 2:
        value, W, Post, A, method = _two_state(scaled, P)
        value = sc.value(value)
    else:
        value, W, Post, A, method = _many_states(scaled, P)
        value = sc.value(value)
    if n > 1:
        _merge_same_actions(W, Post, A)
    gain = value - nd
    return CeilingBatch(
        priors=P, value=value, no_disclosure_value=nd, full_disclosure_value=fd, gain=gain,
        n_signals=(A >= 0).sum(axis=1), weights=W, posteriors=Post, actions=A, method=method,
        states=game.states, action_labels=game.actions,
    )


def _merge_same_actions(W, Post, A) -> None:
    """Merge posteriors that share an action (their mean is in the same region).

    Keeps at most ``min(n_actions, n_states)`` signals per prior; in place.
    """
    # the common case, two posteriors with one action, vectorised
    pair = (A[:, 0] >= 0) & (A[:, 0] == A[:, 1])
    if A.shape[1] > 2:
        pair &= (A[:, 2:] < 0).all(axis=1)
    if pair.any():
        w0, w1 = W[pair, 0:1], W[pair, 1:2]
        merged = w0 * Post[pair, 0] + w1 * Post[pair, 1]
        Post[pair, 0] = merged / (w0 + w1)
        W[pair, 0] = (w0 + w1)[:, 0]
        W[pair, 1], Post[pair, 1], A[pair, 1] = np.nan, np.nan, -1
    for r in np.flatnonzero(~pair):
        acts = A[r][A[r] >= 0]
        if np.unique(acts).size == acts.size:
            continue
        w, post = W[r, : acts.size], Post[r, : acts.size]
        new_a = np.unique(acts)
        new_w = np.array([w[acts == a].sum() for a in new_a])
        new_p = np.array([(w[acts == a, None] * post[acts == a]).sum(0) / new_w[i]
                          for i, a in enumerate(new_a)])
        W[r], Post[r], A[r] = np.nan, np.nan, -1
        W[r, : new_a.size], Post[r, : new_a.size], A[r, : new_a.size] = new_w, new_p, new_a


def _two_state(game, P):
    env = two_state_envelope(game, exact=False)
    xs = np.array([float(x) for x in env.breakpoints])
    ys = np.array([float(y) for y in env.values])
    acts = dict(zip((float(x) for x in env.candidates), env.candidate_actions, strict=True))
    bp_act = np.array([acts[x] for x in xs])
    mu = P[:, 1]
    value = np.interp(mu, xs, ys)
    k = mu.shape[0]
    seg = np.clip(np.searchsorted(xs, mu, side="right") - 1, 0, xs.size - 2)
    x0, x1 = xs[seg], xs[seg + 1]
    w1 = (mu - x0) / (x1 - x0)
    on0 = np.isclose(mu, x0, rtol=0, atol=1e-15)
    on1 = np.isclose(mu, x1, rtol=0, atol=1e-15)
    W = np.full((k, 2), np.nan)
    Post = np.full((k, 2, 2), np.nan)
    A = np.full((k, 2), -1, dtype=int)
    two = ~(on0 | on1)
    W[two, 0], W[two, 1] = 1 - w1[two], w1[two]
    Post[two, 0] = np.column_stack([1 - x0[two], x0[two]])
    Post[two, 1] = np.column_stack([1 - x1[two], x1[two]])
    A[two, 0], A[two, 1] = bp_act[seg[two]], bp_act[seg[two] + 1]
    for mask, idx in ((on0 & ~on1, seg), (on1, seg + 1)):
        W[mask, 0] = 1.0
        Post[mask, 0] = np.column_stack([1 - xs[idx[mask]], xs[idx[mask]]])
        A[mask, 0] = bp_act[idx[mask]]
    return value, W, Post, A, "two-state envelope"


def _many_states(game, P):
    from scipy.spatial import ConvexHull, QhullError

    n = game.n_states
    u, v = game.receiver_utility, game.sender_utility
    pts = np.array(best_response_vertices(game, exact=False))
    acts = _br.best_response(u, v, pts)
    vals = np.einsum("kn,kn->k", v[acts], pts)
    k = P.shape[0]
    W = np.full((k, n), np.nan)
    Post = np.full((k, n, n), np.nan)
    A = np.full((k, n), -1, dtype=int)
    lifted = np.column_stack([pts[:, : n - 1], vals])
    spread = np.ptp(vals)
    try:
        if spread <= 1e-12 * max(1.0, np.abs(vals).max()):
            raise QhullError("flat")
        hull = ConvexHull(lifted)
    except (QhullError, ValueError):
        return _per_prior_lp(P, pts, acts, vals, W, Post, A)
    eq = hull.equations  # normal·x + offset <= 0 inside
    upper = eq[:, n - 1] > 1e-12
    eq, simplices = eq[upper], hull.simplices[upper]
    # height of each upper facet at each prior: z = -(a·y + d) / c
    Y = P[:, : n - 1]
    heights = -(Y @ eq[:, : n - 1].T + eq[:, n]) / eq[:, n - 1]
    best = np.argmin(heights, axis=1)
    value = heights[np.arange(k), best]
    tol = 1e-9 * max(1.0, float(np.abs(vals).max()))

    # barycentric coordinates in each facet: invert the facet matrices once
    # (columns are the facet's posteriors); lstsq only for singular ones
    mats = pts[simplices].transpose(0, 2, 1)
    inv = np.full_like(mats, np.nan)
    regular = np.abs(np.linalg.det(mats)) > 1e-14
    inv[regular] = np.linalg.inv(mats[regular])

    def barycentric(f, mus):
        if not regular[f]:
            return np.linalg.lstsq(mats[f], mus.T, rcond=None)[0].T
        return mus @ inv[f].T

    def record(r, f, weights):
        weights = np.where(np.abs(weights) < 1e-12, 0.0, weights)
        keep = np.flatnonzero(weights > 0)
        verts = simplices[f][keep]
        W[r, : keep.size] = weights[keep] / weights[keep].sum()
        Post[r, : keep.size] = pts[verts]
        A[r, : keep.size] = acts[verts]

    for f in np.unique(best):
        rows = np.flatnonzero(best == f)
        lam = barycentric(f, P[rows])
        resid = np.abs(lam @ pts[simplices[f]] - P[rows]).max(axis=1)
        inside = (lam.min(axis=1) >= -1e-9) & (resid <= 1e-9)
        for r, weights in zip(rows[inside], lam[inside], strict=True):
            record(r, f, weights)
        # a prior on a flat piece of the envelope ties several (triangulated)
        # facets; use one whose projection contains it
        for r in rows[~inside]:
            for g in np.flatnonzero(heights[r] <= value[r] + tol):
                weights = barycentric(g, P[r][None, :])[0]
                if weights.min() >= -1e-9 and np.allclose(
                    pts[simplices[g]].T @ weights, P[r], atol=1e-9
                ):
                    record(r, g, weights)
                    break
            else:  # pragma: no cover - numerical failure of the hull
                raise SolverError(f"no hull facet contains prior {r}; use game.solve()")
    return value, W, Post, A, "upper hull"


def _per_prior_lp(P, pts, acts, vals, W, Post, A):
    import scipy.optimize

    value = np.empty(P.shape[0])
    for r, mu in enumerate(P):
        res = scipy.optimize.linprog(-vals, A_eq=pts.T, b_eq=mu, bounds=(0, None),
                                     method="highs")
        if res.status != 0:
            raise SolverError(f"the vertex LP failed at prior {r}: {res.message}")
        value[r] = -res.fun
        keep = np.flatnonzero(res.x > 1e-12)
        W[r, : keep.size] = res.x[keep] / res.x[keep].sum()
        Post[r, : keep.size] = pts[keep]
        A[r, : keep.size] = acts[keep]
    return value, W, Post, A, "vertex LP per prior"
