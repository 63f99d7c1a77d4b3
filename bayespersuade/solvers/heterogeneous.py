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

from ..exceptions import InvalidGameError
from ._numeric import coerce_array
from .batch import batch_ceilings
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


def heterogeneous_ceilings(game: GameLike, sender_priors: Any,
                           receiver_priors: Any) -> HeterogeneousCeilings:
    """``V``, the no-disclosure value and the gain at many prior pairs.

    Parameters
    ----------
    game : PersuasionGame or GameLike
        Supplies states, actions and utilities (its priors are ignored).
    sender_priors, receiver_priors : array_like, shape (k, n_states)
        Row ``i`` of each is one pair ``(μS, μR)``; a single row of either is
        broadcast against the other.  ``μR`` must be positive wherever ``μS``
        is.

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
    out = {key: np.empty(k) for key in ("value", "nd", "fd")}
    n_signals = np.empty(k, dtype=int)
    method = ""
    for i in range(k):
        bad = np.flatnonzero((S[i] > 0) & ~(R[i] > 0))
        if bad.size:
            raise InvalidGameError(
                f"row {i}: receiver_priors[{i}][{int(bad[0])}] is 0 but the sender's prior "
                f"there is {S[i, bad[0]]!r}; the receiver's prior must be positive wherever "
                "the sender's is"
            )
        view = CommonPriorView(_PriorPair(game, S[i], R[i]))
        b = batch_ceilings(view, R[i][None, :])
        out["value"][i] = b.value[0]
        out["nd"][i] = b.no_disclosure_value[0]
        out["fd"][i] = b.full_disclosure_value[0]
        n_signals[i] = b.n_signals[0]
        method = b.method
    base = _PriorPair(game, S[0], S[0])
    cs, cr = batch_ceilings(base, S), batch_ceilings(base, R)
    return HeterogeneousCeilings(
        sender_priors=S, receiver_priors=R, value=out["value"],
        no_disclosure_value=out["nd"], full_disclosure_value=out["fd"],
        gain=out["value"] - out["nd"], n_signals=n_signals,
        common_sender_value=cs.value, common_sender_gain=cs.gain,
        common_receiver_value=cr.value, common_receiver_gain=cr.gain,
        method=f"{method} per prior pair (common-prior view)", states=tuple(game.states),
    )
