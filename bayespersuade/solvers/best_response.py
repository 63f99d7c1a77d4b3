"""The receiver's best response and the sender's value of a belief.

Pure functions over arrays; :class:`~bayespersuade.PersuasionGame` wraps them.
Utilities have shape ``(n_actions, n_states)``; beliefs have shape
``(n_states,)`` or ``(k, n_states)`` for ``k`` beliefs at once.

Tie-breaking follows Kamenica & Gentzkow (2011): among the receiver's optimal
actions the one the sender likes best is played (``tie_break="sender"``).
``tie_break="receiver"`` plays the one the sender likes least (receiver-
adversarial tie-breaking, as in robust persuasion).  Remaining ties (equal
sender value too) go to the lowest action index, so results are deterministic.

In floating point an action is a best response when its expected utility is
within ``tol`` times the range of ``u`` (after removing each state's minimum,
:func:`utility_scale`) of the best; ties in the sender's value are decided
within ``tol`` times the range of ``v``.  Both are therefore invariant under
positive affine changes of either utility.  Exact (``Fraction``) beliefs use exact comparisons.

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.
"""

from __future__ import annotations

import math
import weakref
from fractions import Fraction
from typing import Literal

import numpy as np

from ..exceptions import InvalidParameterError
from ._numeric import to_integer_array

__all__ = [
    "BR_TOL",
    "TieBreak",
    "best_response",
    "best_response_exact",
    "full_disclosure_value",
    "full_disclosure_value_exact",
    "sender_value",
    "sender_value_exact",
    "utility_scale",
]

#: Default relative tolerance for float best responses and ties.
BR_TOL = 1e-9

TieBreak = Literal["sender", "receiver"]


def _check_tie_break(tie_break: str) -> None:
    if tie_break not in ("sender", "receiver"):
        raise InvalidParameterError(
            f"tie_break must be 'sender' or 'receiver', got {tie_break!r}"
        )


def utility_scale(utility: np.ndarray, *, per_state: bool) -> tuple[np.ndarray, float]:
    """A utility shifted to a zero minimum, and its range (the unit of its tolerances).

    Best responses are invariant under ``u(a, ω) -> α u(a, ω) + c(ω)`` (``α > 0``),
    the sender's comparisons under ``v -> α v + β``; so tolerances are taken
    relative to the range of the utility after the shift (``per_state=True``:
    each state's minimum is subtracted, ``False``: the overall minimum), never
    to ``max|u|`` or to 1.  A constant utility has range 0 and scale 1 (every
    comparison is then an exact tie).

    Examples
    --------
    >>> import numpy as np
    >>> shifted, scale = utility_scale(np.array([[3e-12, 1e-12], [1e-12, 5e-12]]),
    ...                                per_state=True)
    >>> shifted.tolist(), scale
    ([[2e-12, 0.0], [0.0, 4e-12]], 4e-12)
    """
    arr = np.asarray(utility, dtype=np.float64)
    if arr.size == 0:
        return arr, 1.0
    low = arr.min(axis=0, keepdims=True) if per_state else arr.min()
    shifted = arr - low
    rng = float(shifted.max())
    return shifted, (rng if rng > 0 and np.isfinite(rng) else 1.0)


def best_response(
    receiver_utility: np.ndarray,
    sender_utility: np.ndarray,
    beliefs: np.ndarray,
    *,
    tie_break: TieBreak = "sender",
    tol: float = BR_TOL,
) -> np.ndarray:
    """Receiver's best response to one or many beliefs (float arithmetic).

    Parameters
    ----------
    receiver_utility, sender_utility : numpy.ndarray, shape (n_actions, n_states)
        Utilities ``u(a, ω)`` and ``v(a, ω)``.
    beliefs : numpy.ndarray, shape (n_states,) or (k, n_states)
        Beliefs over states (each row sums to one).
    tie_break : {"sender", "receiver"}, default "sender"
        Which of the receiver's optimal actions is played: the sender's best
        (Kamenica-Gentzkow convention) or the sender's worst.
    tol : float, default BR_TOL
        Relative tolerance deciding near-ties (times the range of ``u``, and of
        ``v`` for the sender's ties; see :func:`utility_scale`).

    Returns
    -------
    numpy.ndarray of int
        The action index for each belief (a 0-d array for a single belief).

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[1.0, 0.0], [0.0, 1.0]])   # match the state
    >>> v = np.array([[0.0, 0.0], [1.0, 1.0]])   # sender wants action 1
    >>> int(best_response(u, v, np.array([0.5, 0.5])))  # tie goes to the sender
    1
    >>> int(best_response(u, v, np.array([0.5, 0.5]), tie_break="receiver"))
    0
    """
    _check_tie_break(tie_break)
    beliefs = np.asarray(beliefs, dtype=np.float64)
    u0, scale_u = utility_scale(receiver_utility, per_state=True)
    v0, scale_v = utility_scale(sender_utility, per_state=False)
    U = beliefs @ u0.T
    V = beliefs @ v0.T
    tied = U.max(axis=-1, keepdims=True) - tol * scale_u <= U
    if tie_break == "sender":
        score = np.where(tied, V, -np.inf)
        best = score.max(axis=-1, keepdims=True)
        chosen = tied & (score >= best - tol * scale_v)
    else:
        score = np.where(tied, V, np.inf)
        best = score.min(axis=-1, keepdims=True)
        chosen = tied & (score <= best + tol * scale_v)
    return np.argmax(chosen, axis=-1)


def sender_value(
    receiver_utility: np.ndarray,
    sender_utility: np.ndarray,
    beliefs: np.ndarray,
    *,
    tie_break: TieBreak = "sender",
    tol: float = BR_TOL,
) -> np.ndarray:
    """Sender's value of a belief, ``v̂(μ) = Σ_ω μ(ω) v(a*(μ), ω)`` (float).

    Parameters
    ----------
    receiver_utility, sender_utility : numpy.ndarray, shape (n_actions, n_states)
    beliefs : numpy.ndarray, shape (n_states,) or (k, n_states)
    tie_break, tol
        As in :func:`best_response`.

    Returns
    -------
    numpy.ndarray of float
        ``v̂`` at each belief (0-d for a single belief).

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> v = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> float(sender_value(u, v, np.array([0.7, 0.3])))
    0.0
    """
    beliefs = np.asarray(beliefs, dtype=np.float64)
    a = best_response(receiver_utility, sender_utility, beliefs, tie_break=tie_break, tol=tol)
    return np.einsum("...i,...i->...", sender_utility[a], beliefs)


def full_disclosure_value(
    prior: np.ndarray,
    receiver_utility: np.ndarray,
    sender_utility: np.ndarray,
    *,
    tie_break: TieBreak = "sender",
) -> float:
    """Sender's value when the state is revealed: ``Σ_ω μ0(ω) v̂(δ_ω)``.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> v = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> full_disclosure_value(np.array([0.7, 0.3]), u, v)
    0.3
    """
    n = prior.shape[0]
    vals = sender_value(receiver_utility, sender_utility, np.eye(n), tie_break=tie_break)
    return float(np.dot(prior, vals))


# ----------------------------------------------------------------- exact versions


_INT_FORMS: dict[int, tuple] = {}


def _int_form(arr: np.ndarray) -> tuple[np.ndarray, int]:
    """``arr == ints / den`` for an object array of Fractions (cached per array).

    Exact games keep read-only utility arrays for their lifetime, so the
    integer form is computed once per array (keyed by identity, guarded by a
    weak reference).
    """
    key = id(arr)
    hit = _INT_FORMS.get(key)
    if hit is not None and hit[0]() is arr:
        return hit[1], hit[2]
    ints, den = to_integer_array(arr)
    try:
        ref = weakref.ref(arr)
    except TypeError:  # pragma: no cover - plain ndarrays support weak references
        return ints, den
    if len(_INT_FORMS) > 256:
        _INT_FORMS.clear()
    _INT_FORMS[key] = (ref, ints, den)
    return ints, den


def _integer_belief(belief) -> np.ndarray:
    """``belief`` scaled to integers by a positive common denominator (the same ratios).

    A list or tuple of Fractions and ints (the common case: beliefs the library
    built itself) is scaled in plain Python; anything else goes through
    :func:`~bayespersuade.solvers._numeric.to_integer_array`.
    """
    if isinstance(belief, list | tuple) and all(type(x) is Fraction or type(x) is int
                                                 for x in belief):
        den = math.lcm(*(x.denominator for x in belief))
        out = np.empty(len(belief), dtype=object)  # Python ints: no int64 overflow
        out[:] = [x.numerator * (den // x.denominator) for x in belief]
        return out
    return to_integer_array(belief)[0]


def _dot(row, belief) -> Fraction:
    return sum((a * b for a, b in zip(row, belief, strict=True) if b), Fraction(0))


def best_response_exact(
    receiver_utility: np.ndarray,
    sender_utility: np.ndarray,
    belief: np.ndarray,
    *,
    tie_break: TieBreak = "sender",
) -> int:
    """Receiver's best response to one belief, in exact rational arithmetic.

    Parameters
    ----------
    receiver_utility, sender_utility : numpy.ndarray of Fraction
        Exact utilities of shape ``(n_actions, n_states)``.
    belief : sequence of Fraction
        An exact belief of length ``n_states``.
    tie_break : {"sender", "receiver"}, default "sender"

    Returns
    -------
    int
        The action index (exact ties in the receiver's utility go to the
        sender's best or worst action, then to the lowest index).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> import numpy as np
    >>> u = np.array([[F(1), F(0)], [F(0), F(1)]], dtype=object)
    >>> v = np.array([[F(0), F(0)], [F(1), F(1)]], dtype=object)
    >>> best_response_exact(u, v, [F(1, 2), F(1, 2)])
    1
    """
    _check_tie_break(tie_break)
    b = _integer_belief(belief)
    u_int, _ = _int_form(np.asarray(receiver_utility, dtype=object))
    U = u_int.dot(b)  # proportional to the expected utilities, exactly
    top = max(U)
    tied = [a for a, x in enumerate(U) if x == top]
    if len(tied) == 1:
        return tied[0]
    v_int, _ = _int_form(np.asarray(sender_utility, dtype=object))
    V = {a: v_int[a].dot(b) for a in tied}
    target = max(V.values()) if tie_break == "sender" else min(V.values())
    return min(a for a in tied if V[a] == target)


def sender_value_exact(
    receiver_utility: np.ndarray,
    sender_utility: np.ndarray,
    belief: np.ndarray,
    *,
    tie_break: TieBreak = "sender",
) -> Fraction:
    """Exact ``v̂(μ)`` for one exact belief.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> import numpy as np
    >>> u = np.array([[F(1), F(0)], [F(0), F(1)]], dtype=object)
    >>> v = np.array([[F(0), F(0)], [F(1), F(1)]], dtype=object)
    >>> sender_value_exact(u, v, [F(1, 2), F(1, 2)])
    Fraction(1, 1)
    """
    a = best_response_exact(receiver_utility, sender_utility, belief, tie_break=tie_break)
    return _dot(sender_utility[a], belief)


def full_disclosure_value_exact(
    prior: np.ndarray,
    receiver_utility: np.ndarray,
    sender_utility: np.ndarray,
    *,
    tie_break: TieBreak = "sender",
) -> Fraction:
    """Exact full-disclosure value ``Σ_ω μ0(ω) v̂(δ_ω)``.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> import numpy as np
    >>> u = np.array([[F(1), F(0)], [F(0), F(1)]], dtype=object)
    >>> v = np.array([[F(0), F(0)], [F(1), F(1)]], dtype=object)
    >>> full_disclosure_value_exact([F(7, 10), F(3, 10)], u, v)
    Fraction(3, 10)
    """
    n = len(prior)
    total = Fraction(0)
    for w in range(n):
        if prior[w] == 0:
            continue
        delta = [Fraction(int(i == w)) for i in range(n)]
        a = best_response_exact(receiver_utility, sender_utility, delta, tie_break=tie_break)
        total += prior[w] * sender_utility[a][w]
    return total
