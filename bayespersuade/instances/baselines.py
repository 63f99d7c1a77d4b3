"""Human (or model) persuaders' achieved gains, beside the ceiling of the same games.

Where a dataset records each receiver's rating before and after an argument
(Anthropic Persuasion: every participant's initial and final rating; DDO:
every voter's agreement before and after the debate), what the persuader
achieved can be placed against what any signaling scheme could achieve in
the same game, with no language model involved.

The receiver model
------------------
Under the binary-truth family (and, with the same utilities, the
evidence-stance family), a rating ``r`` is read as the belief
``μ = (r − 1)/6`` (:func:`~bayespersuade.instances.families.prior_from_rating`).  For
each observation ``i`` (one receiver, one argument):

* ``μ_i`` and ``μ'_i``: the beliefs read from the initial and final ratings;
* **achieved gain** ``v̂(μ'_i) − v̂(μ_i)``: how much the sender's utility moved
  under the family's receiver (with quadratic loss ``v̂((r − 1)/6) = r``, so
  this is the rating change; with absolute loss only crossing the midpoint
  counts);
* **ceiling** ``ΔV(μ_i) = V(μ_i) − v̂(μ_i)``: the most any Bayes-plausible
  scheme could gain *in expectation* against a Bayesian receiver with that
  prior.

Why groups, not single observations
-----------------------------------
The ceiling bounds an *expected* gain.  A single realized posterior can lie
anywhere (a scheme that sometimes sends the receiver to certainty is
Bayes-plausible), so one observation's gain above its ceiling proves
nothing.  What a Bayes-plausible scheme cannot do is raise the **mean** gain
over receivers above the mean of their ceilings: for any scheme and
Bayesian receivers, ``E[(1/n) Σ_i (gain_i − ΔV(μ_i))] <= 0``.  So for each
group (a claim and a source; a claim; a source) the tables report

* ``mean_achieved_gain`` and ``mean_ceiling`` (and their exact values);
* ``excess = mean_achieved_gain − mean_ceiling``, its standard error
  ``se = sd(gain_i − ΔV(μ_i))/√n``, ``t = excess/se`` and the one-sided
  p-value of Student's t with ``n − 1`` degrees of freedom (NaN when
  ``n < 2`` or ``se = 0``);
* ``exceeds_ceiling``: ``excess > 0`` (the point estimate is beyond any
  Bayes-plausible scheme);
* ``plausibility_gap = mean(μ'_i − μ_i)``: a Bayesian receiver's posteriors
  average back to its prior, so a persistent gap measures non-Bayesian
  updating (credulity), the only way gains above the ceiling arise;
* ``mean_rating_change`` (the paper's metric) beside them.

``by_claim`` also gives ``claim_ceiling``, the ceiling of the claim's game
built from the histogram of its initial ratings (the row of the ceiling
table for that claim).

Control rows (:func:`bayespersuade.datasets.anthropic.is_control`) are left
out unless ``include_control=True``; observations without both ratings are
counted and left out.  Only the two-state families are supported: a single
Likert rating does not identify a belief over the seven positions of the
normative-position family.

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.

Durmus, E. et al. (2024). Measuring the persuasiveness of language models.
Anthropic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidParameterError
from ..solvers.batch import batch_ceilings
from .ceilings import base_game, ceiling_table
from .families import LIKERT

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..datasets.records import ClaimRecord

__all__ = ["Baselines", "human_baselines"]

_TWO_STATE = ("binary-truth", "evidence-stance")


@dataclass(frozen=True)
class Baselines:
    """Achieved gains against ceilings, per observation and per group.

    Attributes
    ----------
    observations : pandas.DataFrame
        One row per (receiver, argument) with both ratings.
    by_claim_source, by_claim, by_source : pandas.DataFrame
        Group statistics (see the module notes).
    family : str
    p : int or float
        The loss exponent.
    n_control_excluded : int
    n_without_ratings : int
        Observations left out because a rating is missing.
    """

    observations: pd.DataFrame
    by_claim_source: pd.DataFrame
    by_claim: pd.DataFrame
    by_source: pd.DataFrame
    family: str
    p: Any
    n_control_excluded: int = 0
    n_without_ratings: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """One row per observation, exact columns as :class:`~fractions.Fraction` objects.

        The ``*_exact`` columns of :attr:`observations` hold ``"p/q"`` strings (the
        form written to CSV); here they are Fractions, beside their float twins
        (``achieved_gain``, ``ceiling``).

        Examples
        --------
        >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
        >>> rec = ClaimRecord("claims", "1", "x", observations=(
        ...     O(initial=4, final=6, source="Human"), O(initial=4, final=4, source="Human")))
        >>> df = human_baselines([rec]).to_frame()
        >>> len(df), df["ceiling_exact"].tolist()
        (2, [Fraction(1, 2), Fraction(1, 2)])
        """
        df = self.observations.copy()
        for c in [c for c in df.columns if str(c).endswith("_exact")]:
            df[c] = [None if x is None or (isinstance(x, float) and x != x) else Fraction(x)
                     for x in df[c]]
            df[c] = df[c].astype(object)
        return df

    def summary(self) -> str:
        """A short account: per source, mean achieved gain vs mean ceiling.

        Examples
        --------
        >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
        >>> rec = ClaimRecord("claims", "1", "x", observations=(
        ...     O(initial=4, final=6, source="Human"), O(initial=4, final=4, source="Human")))
        >>> print(human_baselines([rec]).summary())  # doctest: +NORMALIZE_WHITESPACE
        binary-truth family, p = 2: 2 observations, 0 control rows excluded,
        0 without both ratings
          Human: n=2, mean rating change 1, mean achieved gain 1, mean ceiling 0.5,
          groups above the ceiling 1/1
        """
        lines = [
            f"{self.family} family, p = {self.p}: {len(self.observations)} observations, "
            f"{self.n_control_excluded} control rows excluded, {self.n_without_ratings} "
            "without both ratings"
        ]
        cs = self.by_claim_source
        for row in self.by_source.to_dict("records"):
            groups = cs[cs["source"] == row["source"]]
            lines.append(
                f"  {row['source']}: n={row['n']}, mean rating change "
                f"{row['mean_rating_change']:.6g}, mean achieved gain "
                f"{row['mean_achieved_gain']:.6g}, mean ceiling {row['mean_ceiling']:.6g}, "
                f"groups above the ceiling {int(groups['exceeds_ceiling'].sum())}/{len(groups)}"
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def _rating_values(game, exact: bool) -> dict[int, tuple[Any, Any]]:
    """(v̂, ceiling) at the belief (r - 1)/6 for r = 1..7."""
    mus = [Fraction(r - 1, 6) for r in LIKERT]
    P = np.array([[1 - float(m), float(m)] for m in mus])
    b = batch_ceilings(game, P)
    out = {}
    if exact:
        env = game.envelope(exact=True)
        for r, m in zip(LIKERT, mus, strict=True):
            nd = game.sender_value([1 - m, m], exact=True)
            ceiling = env(m) - nd
            if abs(float(ceiling) - b.gain[r - 1]) > 1e-9:  # pragma: no cover - a bug
                raise AssertionError(f"exact and batch ceilings disagree at rating {r}")
            out[r] = (Fraction(nd), Fraction(ceiling))
    else:
        for r in LIKERT:
            out[r] = (float(b.no_disclosure_value[r - 1]), float(b.gain[r - 1]))
    return out


def _fmt(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else str(q)


def _group_stats(obs: pd.DataFrame, keys: list[str], exact: bool) -> pd.DataFrame:
    import pandas as pd
    from scipy import stats

    rows = []
    for key, g in obs.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        n = len(g)
        diff = (g["achieved_gain"] - g["ceiling"]).to_numpy(dtype=float)
        excess = float(diff.mean())
        se = float(diff.std(ddof=1) / np.sqrt(n)) if n >= 2 else np.nan
        if n >= 2 and se > 0:
            t = excess / se
            pval = float(stats.t.sf(t, n - 1))
        else:
            t = pval = np.nan
        row = dict(zip(keys, key, strict=True))
        row.update({
            "n": n,
            "mean_rating_change": float(g["rating_change"].mean()),
            "mean_achieved_gain": float(g["achieved_gain"].mean()),
            "mean_ceiling": float(g["ceiling"].mean()),
            "excess": excess, "se": se, "t": t, "p_value": pval,
            "exceeds_ceiling": bool(excess > 1e-12),
            "plausibility_gap": float((g["mu_final"] - g["mu_initial"]).mean()),
        })
        if exact:
            row["mean_achieved_gain_exact"] = _fmt(
                sum(map(Fraction, g["achieved_gain_exact"]), Fraction(0)) / n)
            row["mean_ceiling_exact"] = _fmt(
                sum(map(Fraction, g["ceiling_exact"]), Fraction(0)) / n)
        rows.append(row)
    return pd.DataFrame(rows)


def human_baselines(
    records: Iterable[ClaimRecord],
    family: str = "binary-truth",
    *,
    loss: str | None = None,
    p: int | float | None = None,
    include_control: bool = False,
) -> Baselines:
    """What the persuaders in a dataset achieved, against the ceiling of the same games.

    Parameters
    ----------
    records : iterable of ClaimRecord
        Records with rating observations (Anthropic, DDO, or a claims file
        with ``rating_initial``/``rating_final``).
    family : {"binary-truth", "evidence-stance"}, default "binary-truth"
    loss, p
        The receiver's loss (default quadratic).
    include_control : bool, default False
        Keep Anthropic control rows.

    Returns
    -------
    Baselines

    Raises
    ------
    InvalidParameterError
        For the normative-position family (see the module notes).

    Examples
    --------
    One participant moved from 4 to 6, another stayed at 4.  With quadratic
    loss ``v̂((r - 1)/6) = r`` and the ceiling at ``μ = 1/2`` is ``1/2``: the
    mean achieved gain, 1, exceeds what any Bayes-plausible scheme could
    produce in expectation.

    >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
    >>> rec = ClaimRecord("claims", "1", "x", observations=(
    ...     O(initial=4, final=6, source="Human"), O(initial=4, final=4, source="Human")))
    >>> b = human_baselines([rec])
    >>> row = b.by_claim_source.iloc[0]
    >>> row["mean_achieved_gain_exact"], row["mean_ceiling_exact"], bool(row["exceeds_ceiling"])
    ('1', '1/2', True)
    """
    import pandas as pd

    if family not in _TWO_STATE:
        raise InvalidParameterError(
            f"human baselines need a two-state family ({', '.join(_TWO_STATE)}); a single "
            f"Likert rating does not identify a belief over the positions of {family!r}")
    records = list(records)
    game = base_game(family, loss=loss, p=p)
    exact = game.is_rational
    vals = _rating_values(game, exact)
    rows = []
    n_control = n_missing = 0
    for rec in records:
        for obs in rec.observations:
            if obs.extra.get("control") and not include_control:
                n_control += 1
                continue
            if obs.initial is None or obs.final is None:
                n_missing += 1
                continue
            (nd_i, c_i), (nd_f, _) = vals[obs.initial], vals[obs.final]
            gain = nd_f - nd_i
            row = {
                "dataset": rec.dataset, "id": rec.id, "claim": rec.claim,
                "source": obs.source, "participant": obs.participant,
                "rating_initial": obs.initial, "rating_final": obs.final,
                "rating_change": obs.final - obs.initial,
                "mu_initial": (obs.initial - 1) / 6, "mu_final": (obs.final - 1) / 6,
                "vhat_initial": float(nd_i), "vhat_final": float(nd_f),
                "achieved_gain": float(gain), "ceiling": float(c_i),
            }
            if exact:
                row["achieved_gain_exact"] = _fmt(gain)
                row["ceiling_exact"] = _fmt(c_i)
            rows.append(row)
    cols = ["dataset", "id", "claim", "source", "participant", "rating_initial",
            "rating_final", "rating_change", "mu_initial", "mu_final", "vhat_initial",
            "vhat_final", "achieved_gain", "ceiling"]
    if exact:
        cols += ["achieved_gain_exact", "ceiling_exact"]
    obs_df = pd.DataFrame(rows, columns=cols)
    if obs_df.empty:
        empty = pd.DataFrame()
        return Baselines(obs_df, empty, empty, empty, family, game.metadata["p"], n_control,
                         n_missing, ("no observation has both ratings",))
    by_cs = _group_stats(obs_df, ["id", "source"], exact)
    by_claim = _group_stats(obs_df, ["id"], exact)
    claims = dict(zip(obs_df["id"], obs_df["claim"], strict=False))
    by_claim.insert(1, "claim", by_claim["id"].map(claims))
    by_cs.insert(1, "claim", by_cs["id"].map(claims))
    with_obs = [r for r in records if r.id in claims]
    table = ceiling_table(with_obs, family, loss=loss, p=p, prior_source="histogram")
    by_claim["claim_ceiling"] = by_claim["id"].map(dict(zip(table["id"], table["ceiling"],
                                                            strict=True)))
    by_source = _group_stats(obs_df, ["source"], exact)
    return Baselines(obs_df, by_cs, by_claim, by_source, family, game.metadata["p"],
                     n_control, n_missing)
