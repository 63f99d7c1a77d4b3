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
  Bayes-plausible scheme; a count of these is not evidence) and ``tested``
  (``n >= 2``: only then is the one-sided test made);
* ``signed_shift = mean(μ'_i − μ_i)`` (the **signed shift**, in belief units;
  formerly ``plausibility_gap``): a Bayesian receiver's posteriors average back
  to its prior, so a persistent shift measures non-Bayesian updating
  (credulity), the only way gains above the ceiling arise;
* ``mean_rating_change`` (the paper's metric) beside them;
* for every mean ``X`` among ``mean_rating_change``, ``mean_achieved_gain``,
  ``mean_ceiling``, ``excess`` and ``signed_shift``: ``X_se``, ``X_ci_low``,
  ``X_ci_high`` (:mod:`bayespersuade.instances.stats`: a group within one claim
  treats its observations — different participants — as independent; a group
  over several claims (``by_source``) clusters them by claim, with a
  cluster-robust SE and a cluster bootstrap over claims), and ``n_claims``.

:meth:`Baselines.bayes_consistency` tests the signed shift against zero per
source and pooled (cluster-robust ``t`` and sign flips over claims) and gives
the L1 gap with its null; :meth:`Baselines.summary_table` is the long table of
estimate objects (``statistic, estimate, se, ci_low, ci_high, n_instances,
n_dialogues, method``) for the summary CSV.  The point estimates are unchanged
by all this: only intervals are added.

``by_claim`` also gives ``claim_ceiling``, the ceiling of the claim's game
built from the histogram of its initial ratings (the row of the ceiling
table for that claim).

Control rows (:func:`bayespersuade.datasets.anthropic.is_control`), and the
claims flagged ``control`` in a claims file or listed in ``controls``, are left
out of the headline tables unless ``include_control=True``; they are
summarised apart in ``controls_by_source``.  Observations without both
ratings are counted and left out.  Only the two-state families are supported: a single
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
    controls_by_source : pandas.DataFrame or None
        The group statistics of the control observations, per source (when
        controls were left out of the headline).
    resampling : dict
        ``confidence``, ``n_resamples`` and ``seed`` of the intervals.
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
    controls_by_source: Any = None
    resampling: dict = field(default_factory=dict)

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
        """A short account: per source, means with intervals, and the Bayes-consistency test.

        Examples
        --------
        >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
        >>> rec = ClaimRecord("claims", "1", "x", observations=(
        ...     O(initial=4, final=6, source="Human"), O(initial=4, final=4, source="Human")))
        >>> print(human_baselines([rec]).summary())  # doctest: +NORMALIZE_WHITESPACE
        binary-truth family, p = 2: 2 observations, 0 control rows excluded,
        0 without both ratings; 95% intervals
          Human: n=2 (1 claims), mean rating change 1 [0, 2], mean achieved gain 1 [0, 2],
          mean ceiling 0.5 [0.5, 0.5]; claims above the ceiling: 1/1 counted, 1 tested
          (n >= 2), 0 significant (one-sided p < 0.05); signed shift 0.166667 (n/a: one
          claim)
        """
        level = f"{self.resampling.get('confidence', 0.95):.0%}"
        lines = [
            f"{self.family} family, p = {self.p}: {len(self.observations)} observations, "
            f"{self.n_control_excluded} control rows excluded, {self.n_without_ratings} "
            f"without both ratings; {level} intervals"
        ]
        cs = self.by_claim_source
        bc = self.bayes_consistency() if len(self.observations) else {}

        def ci(row, key):
            lo, hi = row.get(f"{key}_ci_low"), row.get(f"{key}_ci_high")
            if lo is None or hi is None or lo != lo or hi != hi:
                return f"{row[key]:.6g} [n/a]"
            return f"{row[key]:.6g} [{lo:.6g}, {hi:.6g}]"

        for row in self.by_source.to_dict("records"):
            groups = cs[cs["source"] == row["source"]]
            tested = groups[groups["tested"]]
            sig = int((tested["p_value"] < 0.05).sum())
            b = bc.get(row["source"], {})
            p = b.get("p_value")
            shift = (f"signed shift {row['signed_shift']:.6g}"
                     + (f" [{b['signed_shift']['ci_low']:.6g}, {b['signed_shift']['ci_high']:.6g}"
                        f"], p = {p:.4g}" if p is not None and b["signed_shift"]["ci_low"]
                        is not None else " (n/a: one claim)"))
            lines.append(
                f"  {row['source']}: n={row['n']} ({row['n_claims']} claims), mean rating "
                f"change {ci(row, 'mean_rating_change')}, mean achieved gain "
                f"{ci(row, 'mean_achieved_gain')}, mean ceiling {ci(row, 'mean_ceiling')}; "
                f"claims above the ceiling: {int(groups['exceeds_ceiling'].sum())}/"
                f"{len(groups)} counted, {len(tested)} tested (n >= 2), {sig} significant "
                f"(one-sided p < 0.05); {shift}"
            )
        if self.controls_by_source is not None and len(self.controls_by_source):
            for row in self.controls_by_source.to_dict("records"):
                lines.append(f"  control ({row['source']}): n={row['n']}, mean rating change "
                             f"{ci(row, 'mean_rating_change')} (reported apart)")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def bayes_consistency(self) -> dict:
        """The Bayes-consistency test per source and pooled (clusters: claims).

        Returns
        -------
        dict
            ``{source or "pooled": block}`` with the block of
            :func:`bayespersuade.instances.stats.mean_zero_test` and
            :func:`~bayespersuade.instances.stats.l1_gap_test` in the summary
            contract: ``signed_shift`` (in belief units ``μ = (r − 1)/6``; the
            mean over observations, as the ``signed_shift`` column, with
            claims as clusters),
            ``t``, ``p_value``, ``p_value_permutation``, ``l1_gap``,
            ``l1_gap_null_mean``, ``l1_gap_p_value``.

        Examples
        --------
        >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
        >>> recs = [ClaimRecord("claims", str(i), "x", observations=(
        ...     O(initial=4, final=5, source="Human"),)) for i in range(3)]
        >>> bc = human_baselines(recs).bayes_consistency()["pooled"]
        >>> round(bc["signed_shift"]["estimate"], 6), bc["signed_shift"]["n_instances"]
        (0.166667, 3)
        """
        from .stats import l1_gap_test, mean_zero_test

        opts = {k: self.resampling[k] for k in ("confidence", "n_resamples", "seed")
                if k in self.resampling}
        obs = self.observations
        out = {}
        groups = [(src, obs[obs["source"] == src]) for src in obs["source"].unique()]
        for name, g in [*groups, ("pooled", obs)]:
            shifts = [list(c["mu_final"] - c["mu_initial"]) for _, c in g.groupby("id")]
            zt = mean_zero_test(shifts, weighting="dialogue", **opts)
            l1 = l1_gap_test([[[-x, x] for x in c] for c in shifts], **opts)
            out[name] = {"unit": "P(true) = (r − 1)/6",
                         "signed_shift": zt["estimate"].to_dict(), "t": zt["t"],
                         "df": zt["df"], "p_value": zt["p_value"],
                         "p_value_permutation": zt["p_value_permutation"],
                         "l1_gap": l1["l1_gap"].to_dict(),
                         "l1_gap_null_mean": l1["l1_gap_null_mean"],
                         "l1_gap_null_q95": l1["l1_gap_null_q95"],
                         "l1_gap_p_value": l1["l1_gap_p_value"]}
        return out

    def summary_table(self) -> pd.DataFrame:
        """Every reported statistic as an estimate object, one row each (the summary CSV).

        Columns ``group`` (a source, ``"pooled"``, or ``"control: <source>"``),
        ``statistic``, then ``estimate, se, ci_low, ci_high, n_instances,
        n_dialogues, method`` (instances are claims, dialogues observations),
        and ``t``, ``p_value``, ``p_value_permutation`` for the signed shift.

        Examples
        --------
        >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
        >>> rec = ClaimRecord("claims", "1", "x", observations=(
        ...     O(initial=4, final=6, source="Human"), O(initial=4, final=4, source="Human")))
        >>> t = human_baselines([rec]).summary_table()
        >>> t[t["group"] == "Human"]["statistic"].tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['mean_rating_change', 'mean_achieved_gain', 'mean_ceiling', 'excess',
         'signed_shift', 'l1_gap']
        """
        import pandas as pd

        from .stats import ESTIMATE_KEYS, cluster_mean

        opts = {k: self.resampling[k] for k in ("confidence", "n_resamples", "seed")
                if k in self.resampling}
        rows = []
        bc = self.bayes_consistency() if len(self.observations) else {}

        def add(group, obs):
            by_claim = list(obs.groupby("id"))
            for stat, col in (("mean_rating_change", "rating_change"),
                              ("mean_achieved_gain", "achieved_gain"),
                              ("mean_ceiling", "ceiling"), ("excess", None)):
                vals = [list(c[col]) if col else list(c["achieved_gain"] - c["ceiling"])
                        for _, c in by_claim]
                e = cluster_mean(vals, weighting="dialogue", **opts).to_dict()
                rows.append({"group": group, "statistic": stat, **e})
            b = bc.get(group)
            if b is not None:
                rows.append({"group": group, "statistic": "signed_shift", **b["signed_shift"],
                             "t": b["t"], "p_value": b["p_value"],
                             "p_value_permutation": b["p_value_permutation"]})
                rows.append({"group": group, "statistic": "l1_gap", **b["l1_gap"],
                             "l1_gap_null_mean": b["l1_gap_null_mean"],
                             "p_value": b["l1_gap_p_value"]})

        obs = self.observations
        if len(obs):
            for src in obs["source"].unique():
                add(src, obs[obs["source"] == src])
            add("pooled", obs)
        cols = ["group", "statistic", *ESTIMATE_KEYS, "t", "p_value", "p_value_permutation",
                "l1_gap_null_mean"]
        return pd.DataFrame(rows, columns=cols)


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


_MEANS = (("mean_rating_change", "rating_change"), ("mean_achieved_gain", "achieved_gain"),
          ("mean_ceiling", "ceiling"), ("excess", "_excess"), ("signed_shift", "_shift"))


def _group_stats(obs: pd.DataFrame, keys: list[str], exact: bool, opts: dict) -> pd.DataFrame:
    import pandas as pd
    from scipy import stats

    from .stats import cluster_mean

    obs = obs.assign(_excess=obs["achieved_gain"] - obs["ceiling"],
                     _shift=obs["mu_final"] - obs["mu_initial"])
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
            "n_claims": int(g["id"].nunique()),
            "mean_rating_change": float(g["rating_change"].mean()),
            "mean_achieved_gain": float(g["achieved_gain"].mean()),
            "mean_ceiling": float(g["ceiling"].mean()),
            "excess": excess, "se": se, "t": t, "p_value": pval,
            "exceeds_ceiling": bool(excess > 1e-12),
            "tested": n >= 2,
            "signed_shift": float((g["mu_final"] - g["mu_initial"]).mean()),
        })
        # Within one claim the observations are different participants: each is its own
        # cluster.  Across claims, the claim is the cluster.
        one_claim = row["n_claims"] == 1
        for name, col in _MEANS:
            if one_claim:
                clusters = [[v] for v in g[col]]
            else:
                clusters = [list(c[col]) for _, c in g.groupby("id", sort=False)]
            e = cluster_mean(clusters, weighting="dialogue", **opts)
            row[f"{name}_se"] = np.nan if e.se is None else e.se
            row[f"{name}_ci_low"] = np.nan if e.ci_low is None else e.ci_low
            row[f"{name}_ci_high"] = np.nan if e.ci_high is None else e.ci_high
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
    controls: Iterable[str] | None = None,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
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
        Keep control rows and claims in the headline tables.
    controls : iterable of str, optional
        Ids of control claims (besides Anthropic's control rows and claims
        flagged ``control`` in a claims file).
    confidence, n_resamples, seed
        The intervals (:mod:`bayespersuade.instances.stats`).

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
    from .stats import _check

    _check(confidence, n_resamples)
    opts = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    records = list(records)
    control_ids = set(controls or ())
    game = base_game(family, loss=loss, p=p)
    exact = game.is_rational
    vals = _rating_values(game, exact)
    rows = []
    control_rows = []
    n_control = n_missing = 0
    for rec in records:
        claim_control = rec.id in control_ids or _claim_flag(rec)
        for obs in rec.observations:
            is_ctrl = bool(obs.extra.get("control")) or claim_control
            if is_ctrl and not include_control:
                n_control += 1
                if obs.initial is not None and obs.final is not None:
                    control_rows.append(_obs_row(rec, obs, vals, exact))
                continue
            if obs.initial is None or obs.final is None:
                n_missing += 1
                continue
            rows.append(_obs_row(rec, obs, vals, exact))
    cols = ["dataset", "id", "claim", "source", "participant", "rating_initial",
            "rating_final", "rating_change", "mu_initial", "mu_final", "vhat_initial",
            "vhat_final", "achieved_gain", "ceiling"]
    if exact:
        cols += ["achieved_gain_exact", "ceiling_exact"]
    obs_df = pd.DataFrame(rows, columns=cols)
    ctrl_df = pd.DataFrame(control_rows, columns=cols)
    ctrl_by_source = (_group_stats(ctrl_df, ["source"], exact, opts) if len(ctrl_df)
                      else None)
    if obs_df.empty:
        empty = pd.DataFrame()
        return Baselines(obs_df, empty, empty, empty, family, game.metadata["p"], n_control,
                         n_missing, ("no observation has both ratings",), ctrl_by_source, opts)
    by_cs = _group_stats(obs_df, ["id", "source"], exact, opts)
    by_claim = _group_stats(obs_df, ["id"], exact, opts)
    claims = dict(zip(obs_df["id"], obs_df["claim"], strict=False))
    by_claim.insert(1, "claim", by_claim["id"].map(claims))
    by_cs.insert(1, "claim", by_cs["id"].map(claims))
    with_obs = [r for r in records if r.id in claims]
    table = ceiling_table(with_obs, family, loss=loss, p=p, prior_source="histogram")
    by_claim["claim_ceiling"] = by_claim["id"].map(dict(zip(table["id"], table["ceiling"],
                                                            strict=True)))
    by_source = _group_stats(obs_df, ["source"], exact, opts)
    return Baselines(obs_df, by_cs, by_claim, by_source, family, game.metadata["p"],
                     n_control, n_missing, (), ctrl_by_source, opts)


def _claim_flag(rec: Any) -> bool:
    v = (rec.metadata or {}).get("control")
    if v is None or isinstance(v, bool):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "1", "yes", "y", "t"):
        return True
    if isinstance(v, str) and v.strip().lower() in ("false", "0", "no", "n", "f", ""):
        return False
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    raise InvalidParameterError(f"claim {rec.dataset}/{rec.id}: a control flag must be "
                                f"true/false (or 1/0, yes/no), got {v!r}")


def _obs_row(rec: Any, obs: Any, vals: dict, exact: bool) -> dict:
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
    return row
