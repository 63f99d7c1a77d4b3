"""Receiver beliefs from answer-token log-probabilities.

Two beliefs are elicited (see :mod:`bayespersuade.llm.prompts` for the
questions):

* ``P(yes)``: the probability of a "yes" answer renormalised over the yes/no
  answers, ``P(yes) = Σ_{y∈Yes} p(y) / (Σ_{y∈Yes} p(y) + Σ_{n∈No} p(n))``,
  where each side adds up its surface forms (``Yes``, ``yes``...).  This is
  the paper's "calibrated confidence" (Cheng & You 2025);
* the distribution over the answers ``1..7``, renormalised over them.

Each belief also records its **mass**, the probability the model put on the
valid answers before renormalising, and a **status**:

* ``"ok"``: every answer's log-probability was reported;
* ``"partial"``: some answers were not reported (an HTTP server's top-k list
  left them out); the belief is renormalised over the reported ones, and the
  record keeps the bound on what was left out;
* ``"unavailable"``: no valid answer was reported (or all had probability
  zero); the belief is ``None``.

Summaries count partial and unavailable beliefs; an unavailable belief is
never replaced by a default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .backends.base import OptionScores
from .prompts import LIKERT_OPTIONS, NO_OPTIONS, YES_OPTIONS

__all__ = [
    "Belief",
    "as_state_belief",
    "belief_options",
    "LIKERT_GROUPS",
    "YES_NO_GROUPS",
    "grouped_belief",
    "likert_belief",
    "yes_no_belief",
]

#: Answer groups of the yes/no belief: label -> surface forms.
YES_NO_GROUPS: dict[str, tuple[str, ...]] = {"no": NO_OPTIONS, "yes": YES_OPTIONS}
#: Answer groups of the 1..7 belief.
LIKERT_GROUPS: dict[str, tuple[str, ...]] = {o: (o,) for o in LIKERT_OPTIONS}


@dataclass(frozen=True)
class Belief:
    """A belief over labelled answers, renormalised from log-probabilities.

    Attributes
    ----------
    labels : tuple of str
    probs : tuple of float or None
        The renormalised distribution over ``labels`` (``None`` when
        unavailable).
    mass : float or None
        Probability the model gave the reported valid answers, before
        renormalising.
    status : {"ok", "partial", "unavailable"}
    logprobs : dict
        The raw log-probability of every surface form (``None`` if not
        reported).
    unobserved_bound : float or None
        Upper bound on each unreported surface form's log-probability.

    Examples
    --------
    >>> b = Belief(("no", "yes"), (0.25, 0.75), 0.9, "ok", {"Yes": -0.2})
    >>> b.prob("yes"), Belief.from_json(b.to_json()) == b
    (0.75, True)
    """

    labels: tuple[str, ...]
    probs: tuple[float, ...] | None
    mass: float | None
    status: str
    logprobs: Mapping[str, float | None]
    unobserved_bound: float | None = None

    def prob(self, label: str) -> float | None:
        """The probability of one label, or ``None`` if unavailable."""
        if self.probs is None:
            return None
        return self.probs[self.labels.index(label)]

    def mean(self) -> float | None:
        """The mean answer, for numeric labels (``1..7``); ``None`` if unavailable."""
        if self.probs is None:
            return None
        return float(sum(float(lab) * p for lab, p in zip(self.labels, self.probs)))

    def to_json(self) -> dict:
        """A JSON-serialisable record (``"-inf"`` for log-probability zero)."""
        def enc(x):
            return None if x is None else ("-inf" if x == -math.inf else float(x))

        return {"labels": list(self.labels),
                "probs": list(self.probs) if self.probs is not None else None,
                "mass": self.mass, "status": self.status,
                "logprobs": {k: enc(v) for k, v in self.logprobs.items()},
                "unobserved_bound": self.unobserved_bound}

    @classmethod
    def from_json(cls, d: Mapping) -> Belief:
        """Inverse of :meth:`to_json`."""
        def dec(x):
            return None if x is None else (-math.inf if x == "-inf" else float(x))

        return cls(tuple(d["labels"]), tuple(d["probs"]) if d["probs"] is not None else None,
                   d["mass"], d["status"], {k: dec(v) for k, v in d["logprobs"].items()},
                   d.get("unobserved_bound"))


def _logsumexp(xs: Sequence[float]) -> float:
    xs = [x for x in xs if x != -math.inf]
    if not xs:
        return -math.inf
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def grouped_belief(scores: OptionScores, groups: Mapping[str, Sequence[str]]) -> Belief:
    """Renormalise option log-probabilities into a belief over groups of answers.

    Parameters
    ----------
    scores : OptionScores
        Log-probabilities of every surface form in ``groups``.
    groups : mapping label -> sequence of surface forms

    Returns
    -------
    Belief

    Examples
    --------
    >>> import math
    >>> s = OptionScores.complete(("Yes", "yes", "No", "no"),
    ...                           [math.log(.3), math.log(.1), math.log(.4), -math.inf])
    >>> b = grouped_belief(s, YES_NO_GROUPS)
    >>> b.prob("yes"), round(b.mass, 12), b.status
    (0.5, 0.8, 'ok')
    """
    raw: dict[str, float | None] = {}
    group_lp: dict[str, float] = {}
    any_missing = False
    logprobs = np.asarray(scores.logprobs).tolist()  # plain floats: cheaper to index
    observed = np.asarray(scores.observed).tolist()
    for label, forms in groups.items():
        vals = []
        for f in forms:
            i = scores.options.index(f)
            if observed[i]:
                raw[f] = logprobs[i]
                vals.append(logprobs[i])
            else:
                raw[f] = None
                any_missing = True
        group_lp[label] = _logsumexp(vals)
    total = _logsumexp(list(group_lp.values()))
    labels = tuple(groups)
    bound = scores.unobserved_bound if any_missing else None
    if total == -math.inf:
        return Belief(labels, None, None, "unavailable", raw, bound)
    probs = tuple(float(math.exp(group_lp[lab] - total)) for lab in labels)
    return Belief(labels, probs, float(math.exp(total)),
                  "partial" if any_missing else "ok", raw, bound)


def yes_no_belief(scores: OptionScores) -> Belief:
    """``P(no), P(yes)`` renormalised over yes/no (labels ``("no", "yes")``).

    Examples
    --------
    >>> import math
    >>> s = OptionScores.complete(("Yes", "yes", "No", "no"),
    ...                           [math.log(.6), -math.inf, math.log(.2), -math.inf])
    >>> yes_no_belief(s).prob("yes")
    0.75
    """
    return grouped_belief(scores, YES_NO_GROUPS)


def likert_belief(scores: OptionScores) -> Belief:
    """The distribution over the answers ``1..7``, renormalised over them.

    Examples
    --------
    >>> import numpy as np
    >>> s = OptionScores.complete(tuple("1234567"), np.log([.1, .1, .1, .1, .1, .1, .2]))
    >>> b = likert_belief(s)
    >>> round(b.prob("7"), 12), round(b.mean(), 12)
    (0.25, 4.375)
    """
    return grouped_belief(scores, LIKERT_GROUPS)


def belief_options(kind: str) -> tuple[str, ...]:
    """The surface forms scored for a belief kind (``"yes_no"`` or ``"likert"``).

    Examples
    --------
    >>> belief_options("yes_no")
    ('No', 'no', 'Yes', 'yes')
    """
    groups = {"yes_no": YES_NO_GROUPS, "likert": LIKERT_GROUPS}[kind]
    return tuple(f for forms in groups.values() for f in forms)


def as_state_belief(belief: Belief, kind: str) -> np.ndarray | None:
    """The belief as a vector over a game's states.

    ``"yes_no"`` gives ``(P(no), P(yes))`` — the binary-truth game's
    ``(P(false), P(true))``; ``"likert"`` gives ``(P(1), ..., P(7))`` — the
    normative-position game's belief.

    Examples
    --------
    >>> b = Belief(("no", "yes"), (0.25, 0.75), 1.0, "ok", {})
    >>> as_state_belief(b, "yes_no").tolist()
    [0.25, 0.75]
    """
    if belief.probs is None:
        return None
    return np.array(belief.probs, dtype=np.float64)
