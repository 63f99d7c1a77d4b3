"""Ceilings of one game structure at many (sender prior, receiver prior) pairs.

A dataset sweep with heterogeneous priors has, per instance, the "true" prior
``μS`` (for example the dataset's share of supporting evidence) and the
receiver's ``μR`` (for example a language model's elicited belief).  Each pair
is a different common-prior view (:mod:`.priors`), so the batch is a loop of
two-state envelopes (two states) or vertex LPs (more states), one per pair.

References
----------
Alonso, R. and Câmara, O. (2016). Bayesian persuasion with heterogeneous priors.
*Journal of Economic Theory* 165, 672-706.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError, InvalidParameterError
from . import best_response as _br
from ._numeric import coerce_array
from .batch import batch_ceilings
from .concavification import _receiver_breakpoints
from .evaluate import check_distribution_rows
from .priors import CommonPriorView

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .game_data import GameLike

__all__ = ["HeterogeneousCeilings", "heterogeneous_ceilings"]


class _PriorPair:
    """The float data of a game with the priors replaced (what CommonPriorView reads)."""

    is_rational = False
    has_common_prior = True  # as batch_ceilings reads it: it varies the prior itself

    def __init__(self, game: GameLike, ps: np.ndarray, pr: np.ndarray) -> None:
        self.prior, self.receiver_prior = ps, pr
        self.sender_utility, self.receiver_utility = game.sender_utility, game.receiver_utility
        self.n_states, self.n_actions = game.n_states, game.n_actions
        self.states, self.actions, self.name = game.states, game.actions, game.name


@dataclass(frozen=True)
class HeterogeneousCeilings:
    """Values and ceilings at many (sender prior, receiver prior) pairs (float).

    Attributes
    ----------
    sender_priors, receiver_priors : numpy.ndarray, shape (k, n_states)
    value : numpy.ndarray, shape (k,)
        ``V`` under the sender's prior.
    no_disclosure_value : numpy.ndarray, shape (k,)
        ``Σ_ω μS(ω) v(a*(μR), ω)``.
    full_disclosure_value, gain : numpy.ndarray, shape (k,)
    n_signals : numpy.ndarray of int, shape (k,)
    common_sender_value, common_sender_gain : numpy.ndarray, shape (k,)
        ``V`` and the gain if the receiver shared the sender's prior (the
        ceiling "under the sender's view", e.g. the dataset's).
    common_receiver_value, common_receiver_gain : numpy.ndarray, shape (k,)
        ``V`` and the gain if the sender shared the receiver's prior (the
        ceiling "under the receiver's view", e.g. the model's own belief).
    method : str
    states : tuple
    """

    sender_priors: np.ndarray
    receiver_priors: np.ndarray
    value: np.ndarray
    no_disclosure_value: np.ndarray
    full_disclosure_value: np.ndarray
    gain: np.ndarray
    n_signals: np.ndarray
    common_sender_value: np.ndarray
    common_sender_gain: np.ndarray
    common_receiver_value: np.ndarray
    common_receiver_gain: np.ndarray
    method: str
    states: tuple[Hashable, ...]

    def __len__(self) -> int:
        return self.value.shape[0]

    def to_frame(self) -> pd.DataFrame:
        """One row per pair: both priors, the values and the gain.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> df = heterogeneous_ceilings(prosecutor(), [[0.7, 0.3]], [[0.9, 0.1]]).to_frame()
        >>> df.columns.tolist()[:4]
        ['sender_prior[innocent]', 'sender_prior[guilty]', 'receiver_prior[innocent]', 'receiver_prior[guilty]']
        """  # noqa: E501
        import pandas as pd

        data: dict[str, Any] = {}
        for i, s in enumerate(self.states):
            data[f"sender_prior[{s}]"] = self.sender_priors[:, i]
        for i, s in enumerate(self.states):
            data[f"receiver_prior[{s}]"] = self.receiver_priors[:, i]
        data["no_disclosure_value"] = self.no_disclosure_value
        data["value"] = self.value
        data["gain"] = self.gain
        data["full_disclosure_value"] = self.full_disclosure_value
        data["n_signals"] = self.n_signals
        data["common_sender_value"] = self.common_sender_value
        data["common_sender_gain"] = self.common_sender_gain
        data["common_receiver_value"] = self.common_receiver_value
        data["common_receiver_gain"] = self.common_receiver_gain
        return pd.DataFrame(data)


def _rows(x: Any, name: str, n: int) -> np.ndarray:
    P, _ = coerce_array(x, name, 2)
    if P.shape[1] != n:
        raise InvalidGameError(f"{name} must have {n} columns (one per state), got {P.shape[1]}")
    check_distribution_rows(P, None, name)
    return np.asarray(P, dtype=np.float64)


def _two_state_chords(game: GameLike, S: np.ndarray, R: np.ndarray):
    """Two states, all pairs at once: ``V`` as the best chord of ``v̂'`` over ``μR``.

    The receiver's breakpoints ``b`` do not depend on the priors; at each the
    reweighted value is ``max over tied a of (1-b) v(a,0) r0 + b v(a,1) r1``
    (``r = μS/μR``), and between breakpoints ``v̂'`` is linear and below the
    chord of those values.  So ``V(μR)`` is the largest chord over pairs of
    breakpoints ``p <= μR <= q`` (Carathéodory in one dimension).
    """
    u = np.asarray(game.receiver_utility, dtype=float)
    v = np.asarray(game.sender_utility, dtype=float)
    c, s = list(u[:, 0]), list(u[:, 1] - u[:, 0])
    pts = np.array([0.0, *[float(b) for b in _receiver_breakpoints(c, s, False)], 1.0])
    scale = max(1.0, float(np.abs(u).max(initial=0.0)))
    Ub = (1 - pts)[:, None] * u[:, 0][None, :] + pts[:, None] * u[:, 1][None, :]
    tied = Ub >= Ub.max(axis=1, keepdims=True) - _br.BR_TOL * scale  # (B, m)
    ratio = np.divide(S, R, out=np.zeros_like(S), where=R > 0)  # (k, 2)
    # value of action a at breakpoint b for pair i: (1-b) v(a,0) r0 + b v(a,1) r1
    vals = ((1 - pts)[None, :, None] * v[:, 0][None, None, :] * ratio[:, 0][:, None, None]
            + pts[None, :, None] * v[:, 1][None, None, :] * ratio[:, 1][:, None, None])
    Y = np.where(tied[None, :, :], vals, -np.inf).max(axis=2)  # (k, B)
    x = R[:, 1]
    P, Q = pts[:, None], pts[None, :]
    ok = (P[None] <= x[:, None, None] + 1e-15) & (Q[None] >= x[:, None, None] - 1e-15) & \
        (P[None] <= Q[None])
    width = np.where(Q - P > 0, Q - P, 1.0)[None]
    lam = np.where((Q - P)[None] > 0, (Q[None] - x[:, None, None]) / width, 1.0)
    lam = np.clip(lam, 0.0, 1.0)
    chord = lam * Y[:, :, None] + (1 - lam) * Y[:, None, :]
    chord = np.where(ok, chord, -np.inf)
    flat = chord.reshape(chord.shape[0], -1)
    best = flat.argmax(axis=1)
    value = flat[np.arange(len(best)), best]
    i, j = np.unravel_index(best, chord.shape[1:])
    lam_b = lam[np.arange(len(best)), i, j]
    n_signals = np.where((i == j) | (lam_b <= 1e-12) | (lam_b >= 1 - 1e-12), 1, 2)
    # no disclosure: the receiver's action at μR, ties to the sender (v' ∝ μS · v)
    U = R @ u.T
    t = U.max(axis=1, keepdims=True) - _br.BR_TOL * scale <= U
    nd = np.where(t, S @ v.T, -np.inf).max(axis=1)
    # full disclosure: the action at each δ_ω (ties by v(·, ω), as v' only rescales it)
    fd_vec = np.array([float(_br.sender_value(u, v, np.eye(2)[w])) for w in range(2)])
    return value, nd, S @ fd_vec, n_signals


def heterogeneous_ceilings(game: GameLike, sender_priors: Any,
                           receiver_priors: Any, *, method: str = "auto"
                           ) -> HeterogeneousCeilings:
    """``V``, the no-disclosure value and the gain at many prior pairs.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        Supplies states, actions and utilities (its priors are ignored).
    sender_priors, receiver_priors : array_like, shape (k, n_states)
        Row ``i`` of each is one pair ``(μS, μR)``; a single row of either is
        broadcast against the other.  ``μR`` must be positive wherever ``μS``
        is.
    method : {"auto", "chords", "per-pair"}, default "auto"
        ``"chords"`` (two states; the default there): all pairs at once, the
        largest chord of the reweighted value over the receiver's breakpoints.
        ``"per-pair"``: the concave envelope of each pair's common-prior view
        (:func:`~.batch.batch_ceilings`), one pair at a time; the default for
        more states.

    Returns
    -------
    HeterogeneousCeilings

    Raises
    ------
    InvalidGameError
        On rows that are not distributions, mismatched row counts, or a pair
        with ``μS(ω) > 0 = μR(ω)`` (the message names the row).

    Examples
    --------
    The prosecutor facing judges of growing scepticism (the prosecutor's prior
    ``P(guilty) = 3/10`` throughout): ``V = 3/10 + (7/10) μR(g) / μR(i)``
    until it reaches 1.

    >>> from bayespersuade.examples import prosecutor
    >>> hc = heterogeneous_ceilings(prosecutor(), [[0.7, 0.3]],
    ...                             [[0.5, 0.5], [0.7, 0.3], [0.9, 0.1]])
    >>> [round(float(x), 6) for x in hc.value]
    [1.0, 0.6, 0.377778]
    >>> [round(float(x), 6) for x in hc.common_receiver_value]   # both sides at μR
    [1.0, 0.6, 0.2]
    """
    n = game.n_states
    S = _rows(sender_priors, "sender_priors", n)
    R = _rows(receiver_priors, "receiver_priors", n)
    if S.shape[0] == 1 and R.shape[0] > 1:
        S = np.repeat(S, R.shape[0], axis=0)
    if R.shape[0] == 1 and S.shape[0] > 1:
        R = np.repeat(R, S.shape[0], axis=0)
    if S.shape[0] != R.shape[0]:
        raise InvalidGameError(
            f"sender_priors has {S.shape[0]} rows but receiver_priors has {R.shape[0]}"
        )
    k = S.shape[0]
    for i in range(k):
        bad = np.flatnonzero((S[i] > 0) & ~(R[i] > 0))
        if bad.size:
            raise InvalidGameError(
                f"row {i}: receiver_priors[{i}][{int(bad[0])}] is 0 but the sender's prior "
                f"there is {S[i, bad[0]]!r}; the receiver's prior must be positive wherever "
                "the sender's is"
            )
    if method not in ("auto", "chords", "per-pair"):
        raise InvalidParameterError(
            f"method must be 'auto', 'chords' or 'per-pair', got {method!r}")
    if method == "auto":
        method = "chords" if n == 2 else "per-pair"
    if method == "chords":
        if n != 2:
            raise InvalidParameterError(f"method='chords' needs two states, not {n}")
        value, nd, fd, n_signals = _two_state_chords(game, S, R)
        label = "two-state chords (all pairs at once)"
    else:
        value, nd, fd = np.empty(k), np.empty(k), np.empty(k)
        n_signals = np.empty(k, dtype=int)
        inner = ""
        for i in range(k):
            view = CommonPriorView(_PriorPair(game, S[i], R[i]))
            b = batch_ceilings(view, R[i][None, :])
            value[i], nd[i], fd[i] = b.value[0], b.no_disclosure_value[0], \
                b.full_disclosure_value[0]
            n_signals[i] = b.n_signals[0]
            inner = b.method
        label = f"{inner} per prior pair (common-prior view)"
    base = _PriorPair(game, S[0], S[0])
    cs, cr = batch_ceilings(base, S), batch_ceilings(base, R)
    return HeterogeneousCeilings(
        sender_priors=S, receiver_priors=R, value=value,
        no_disclosure_value=nd, full_disclosure_value=fd,
        gain=value - nd, n_signals=n_signals,
        common_sender_value=cs.value, common_sender_gain=cs.gain,
        common_receiver_value=cr.value, common_receiver_gain=cr.gain,
        method=label, states=tuple(game.states),
    )
