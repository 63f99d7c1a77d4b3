"""Ceiling tables: the persuasion-gain ceiling of every instance of a dataset.

For a dataset and an instance family (:mod:`bayespersuade.instances.families`), every
record becomes a game with its own prior; all games of one family share
their utilities, so the whole dataset is solved **in one batch**
(:func:`bayespersuade.solvers.batch.batch_ceilings`: one concave envelope, evaluated
at every prior) rather than one LP per row.  ``method="lp"`` solves one
revelation-principle LP per instance instead (the independent check, and
the baseline of ``benchmarks/bench_ceilings.py``).

Instances with the same prior are solved once.  The table has one row per
instance: its id and claim, where its prior came from, the prior (exactly,
as a fraction, when it is rational), ``v̂(μ0)``
(no disclosure), ``V(μ0)`` (the optimum), the ceiling ``ΔV(μ0) = V − v̂``, the
full-disclosure value, and a summary of one optimal scheme: the number of
signals, their probabilities, the posteriors they induce and the actions
they recommend.  Floats are written in full (shortest round-trip form), never
rounded.  With ``exact=True`` the table also holds ``V``, ``v̂`` and the
ceiling as exact fractions: from the exact concave envelope for the
two-state families, from certified exact solves (one per distinct prior)
for normative-position; they are checked against the batch floats.

Records that cannot give a prior under the family (no ratings, no evidence,
no user prior) are not dropped silently: they are listed, with the reason,
in ``table.attrs["skipped"]`` and counted in the summary.

:func:`summarize_ceilings` gives one row per dataset (mean, median and
maximum ceiling, ...) and, as Cheng & You (2025) average their datasets,
the **unweighted** mean of the dataset means.

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.

Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidGameError, InvalidParameterError, SolverError
from ..io import atomic_output
from ..solvers.batch import batch_ceilings
from .families import (
    DEFAULT_POSITIONS,
    LIKERT,
    family_states,
    make_game,
    prior_origin,
    prior_vector,
    record_prior,
)
from .stats import cluster_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..datasets.records import ClaimRecord
    from ..game import PersuasionGame

__all__ = [
    "AVERAGE_LABEL",
    "CEILING_MEANS",
    "PRIOR_CONSTRUCTIONS",
    "RANGE_NOTE",
    "UPPER_QUANTILE",
    "base_game",
    "ceiling_table",
    "instance_priors",
    "prior_sensitivity_table",
    "summarize_ceilings",
    "write_ceilings",
]

#: The label of the summary row that averages the datasets' means.
AVERAGE_LABEL = "Average (unweighted over datasets)"
_METHODS = ("batch", "lp")
_CHECK_TOL = 1e-9


def base_game(family: str, *, loss: str | None = None, p: int | float | None = None
              ) -> PersuasionGame:
    """The family's game at a uniform prior: the utilities every instance shares.

    Examples
    --------
    >>> base_game("evidence-stance").states
    ('undermine', 'support')
    """
    n = len(family_states(family))
    uniform: Any = Fraction(1, 2) if n == 2 else [Fraction(1, n)] * n
    return make_game(family, uniform, loss=loss, p=p)


def _fmt_exact(x: Any) -> str:
    if isinstance(x, Fraction | int) and not isinstance(x, bool):
        q = Fraction(x)
        return str(q.numerator) if q.denominator == 1 else str(q)
    return repr(float(x))


def _fmt_prior(family: str, prior: Any) -> str:
    if np.ndim(prior) == 0:
        return _fmt_exact(prior)
    return "[" + ", ".join(_fmt_exact(x) for x in prior) + "]"


def instance_priors(
    records: Iterable[ClaimRecord],
    family: str = "binary-truth",
    *,
    prior_source: str = "auto",
    prior: Any = None,
    weighting: str = "votes",
    positions: Mapping[str, int] = DEFAULT_POSITIONS,
) -> tuple[list[tuple[ClaimRecord, Any, dict]], list[tuple[str, str]]]:
    """The prior of each record under a family, and the records without one.

    Parameters
    ----------
    records : iterable of ClaimRecord
    family : str
    prior_source, weighting, positions
        As in :func:`bayespersuade.instances.families.record_prior`.
    prior : optional
        One prior for every record (origin "user"), for datasets that record
        none (CMV); overrides ``prior_source``.

    Returns
    -------
    kept : list of (record, prior, origin)
    skipped : list of (id, reason)

    Examples
    --------
    >>> from bayespersuade.datasets import ClaimRecord
    >>> kept, skipped = instance_priors([ClaimRecord("cmv", "t3_a", "X")])
    >>> kept, skipped[0][0]
    ([], 't3_a')
    >>> kept, _ = instance_priors([ClaimRecord("cmv", "t3_a", "X")], prior="1/3")
    >>> kept[0][1], kept[0][2]["kind"]
    (Fraction(1, 3), 'user')
    """
    family_states(family)
    kept, skipped = [], []
    if prior is not None:
        vec = prior_vector(family, prior)   # validates once
        value = vec if family == "normative-position" else vec[1]
        origin = prior_origin("user", value=_fmt_prior(family, value), source="argument")
    for rec in records:
        if prior is not None:
            kept.append((rec, value, origin))
            continue
        try:
            pr, org = record_prior(rec, family, source=prior_source, weighting=weighting,
                                   positions=positions)
        except InvalidGameError as err:
            skipped.append((rec.id, str(err)))
            continue
        kept.append((rec, pr, org))
    return kept, skipped


def _is_exact(family: str, prior: Any) -> bool:
    vals = prior if np.ndim(prior) else [prior]
    return all(isinstance(x, Fraction | int) and not isinstance(x, bool) for x in vals)


def _solve_lp(game: PersuasionGame, P: np.ndarray) -> dict[str, Any]:
    """One LP per prior (the slow, independent path)."""
    k = P.shape[0]
    out: dict[str, Any] = {
        "value": np.empty(k), "nd": np.empty(k), "fd": np.empty(k),
        "weights": [], "posteriors": [], "actions": [],
    }
    for i, row in enumerate(P):
        sol = game.with_prior(row).solve(method="lp")
        out["value"][i] = float(sol.value)
        out["nd"][i] = float(sol.no_disclosure_value)
        out["fd"][i] = float(sol.full_disclosure_value)
        out["weights"].append([float(s.probability) for s in sol.signals])
        out["posteriors"].append([np.asarray(s.posterior, dtype=float) for s in sol.signals])
        out["actions"].append([s.action for s in sol.signals])
    return out


def _from_batch(game: PersuasionGame, P: np.ndarray) -> tuple[dict[str, Any], str]:
    """One batch over the distinct priors (instances often share one), spread back."""
    uniq, inverse = np.unique(P, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    b = batch_ceilings(game, uniq)
    out: dict[str, Any] = {"value": b.value[inverse], "nd": b.no_disclosure_value[inverse],
                           "fd": b.full_disclosure_value[inverse], "weights": [],
                           "posteriors": [], "actions": []}
    for r in inverse:
        s = int(b.n_signals[r])
        out["weights"].append([float(w) for w in b.weights[r, :s]])
        out["posteriors"].append([b.posteriors[r, j] for j in range(s)])
        out["actions"].append([int(a) for a in b.actions[r, :s]])
    return out, b.method


def _exact_values(game: PersuasionGame, family: str, priors: Sequence[Any]
                  ) -> list[tuple[Fraction, Fraction, Fraction] | None]:
    """Exact (V, v̂, full disclosure) per prior; None for float priors."""
    cache: dict[Any, tuple[Fraction, Fraction, Fraction]] = {}
    out: list[tuple[Fraction, Fraction, Fraction] | None] = []
    env = game.envelope(exact=True) if game.n_states == 2 else None
    for pr in priors:
        if not _is_exact(family, pr):
            out.append(None)
            continue
        vec = tuple(Fraction(x) for x in prior_vector(family, pr))
        if vec not in cache:
            if env is not None:
                mu = vec[1]
                V = env(mu)
                nd = game.sender_value(list(vec), exact=True)
                fd = game.with_prior(list(vec)).full_disclosure_value(exact=True)
            else:
                sol = game.with_prior(list(vec)).solve(exact=True)
                if not sol.exact:
                    raise SolverError(f"exact solve failed at prior {vec}: {sol.exact_failure}")
                V, nd, fd = sol.value, sol.no_disclosure_value, sol.full_disclosure_value
            cache[vec] = (Fraction(V), Fraction(nd), Fraction(fd))
        out.append(cache[vec])
    return out


def _receiver_ties_at_the_prior(game: PersuasionGame, family: str, priors: Sequence[Any],
                                rows: list[dict]) -> None:
    """Replace ``v̂(μ0)`` (and the ceiling) by its value with receiver-favourable ties."""
    for pr, row in zip(priors, rows, strict=True):
        exact = _is_exact(family, pr)
        vec = [Fraction(x) if exact else float(x) for x in prior_vector(family, pr)]
        nd = game.sender_value(vec, tie_break="receiver", exact=exact)
        if nd == game.sender_value(vec, exact=exact):
            continue  # no tie at this prior that matters to the sender: the row stands
        row["vhat"] = float(nd)
        row["ceiling"] = row["V"] - row["vhat"]
        if row.get("V_exact") is not None:
            row["vhat_exact"] = Fraction(nd)
            row["ceiling_exact"] = Fraction(row["V_exact"]) - Fraction(nd)


def _join_floats(xs: Iterable[float]) -> str:
    return ";".join(repr(float(x)) for x in xs)


def ceiling_table(
    records: Iterable[ClaimRecord],
    family: str = "binary-truth",
    *,
    loss: str | None = None,
    p: int | float | None = None,
    prior_source: str = "auto",
    prior: Any = None,
    weighting: str = "votes",
    positions: Mapping[str, int] = DEFAULT_POSITIONS,
    method: str = "batch",
    exact: bool = False,
    dataset: str | None = None,
    tie_break: str = "sender",
) -> pd.DataFrame:
    """One row per instance: prior, ``v̂(μ0)``, ``V(μ0)``, ceiling and optimal scheme.

    Parameters
    ----------
    records : iterable of ClaimRecord
        A dataset's records (``LoadResult.records``).
    family : {"binary-truth", "normative-position", "evidence-stance"}
    loss : {"quadratic", "absolute"}, optional
        The receiver's loss (default quadratic); or give the exponent ``p``.
    p : int or float, optional
    prior_source : {"auto", "rating", "histogram", "user", "evidence"}
        See :func:`bayespersuade.instances.families.record_prior`.
    prior : optional
        One prior for all records (origin "user"); overrides ``prior_source``.
    weighting : {"votes", "clusters", "labels"}
        The evidence-share weighting
        (:func:`~bayespersuade.instances.families.evidence_support_share`).
    positions : mapping
        PERSPECTRUM votes -> positions (normative-position).
    method : {"batch", "lp"}, default "batch"
        ``"batch"``: one concave envelope for all instances; ``"lp"``: one LP
        per instance.
    exact : bool, default False
        Add exact columns ``V_exact``, ``vhat_exact``, ``ceiling_exact``,
        ``full_disclosure_exact`` (:class:`~fractions.Fraction` objects, written
        to CSV as ``"p/q"``) for rational priors, checked against the float
        values; ``None`` for float priors.
    dataset : str, optional
        The dataset's name for the ``dataset`` column (default: the
        records' own).
    tie_break : {"sender", "receiver"}, default "sender"
        How the receiver breaks ties *at the prior* in ``v̂(μ0)`` (the
        no-disclosure value, hence the ceiling ``V - v̂``).  ``"receiver"``:
        against the sender, which lowers ``v̂`` (and raises the ceiling) for
        priors exactly on a breakpoint; decided exactly for rational priors.
        ``V`` and the scheme stay those of the sender-favourable model: ``V``
        is the maximum with sender-favourable ties, and the supremum the
        sender approaches with posteriors just off the breakpoints when every
        action the scheme uses is the receiver's unique best response near its
        posterior (see :doc:`/explanation/model`).

    Returns
    -------
    pandas.DataFrame
        Columns ``dataset, id, claim, family, p, prior_origin, prior,
        prior[<state>]..., vhat, V, ceiling, full_disclosure, n_signals,
        signal_probabilities, posteriors, actions, prior_origin_detail``
        (and the exact columns).  ``posteriors`` lists, per signal, the
        posterior probability of the last state for the two-state families
        (``P(true)`` / ``P(support)``) and the whole posterior
        (comma-separated, in brackets) for normative-position; signals are
        separated by ``;``.  ``attrs`` holds ``family``, ``p``, ``method``
        (the algorithm used), ``skipped`` (``[(id, reason), ...]``) and
        ``n_records``.

    Examples
    --------
    >>> from bayespersuade.datasets import load_embedded
    >>> recs = load_embedded("perspectrum", split="test").records
    >>> t = ceiling_table(recs, "evidence-stance", exact=True)
    >>> len(t), t.attrs["method"]
    (227, 'two-state envelope')
    >>> row = t.iloc[0]
    >>> row["prior"], row["vhat_exact"], row["V_exact"], row["ceiling_exact"]
    ('4/5', Fraction(6, 1), Fraction(63, 10), Fraction(3, 10))

    (``v̂ = round(1 + 6·4/5) = 6`` and ``V = 3/2 + 6·4/5 = 63/10``.)
    """
    import pandas as pd

    if method not in _METHODS:
        raise InvalidParameterError(f"method must be 'batch' or 'lp', got {method!r}")
    if tie_break not in ("sender", "receiver"):
        raise InvalidParameterError(
            f"tie_break must be 'sender' or 'receiver', got {tie_break!r}")
    records = list(records)
    kept, skipped = instance_priors(records, family, prior_source=prior_source, prior=prior,
                                    weighting=weighting, positions=positions)
    game = base_game(family, loss=loss, p=p)
    pp = game.metadata["p"]
    states = game.states
    n = len(states)
    columns = ["dataset", "id", "claim", "family", "p", "prior_origin", "prior",
               *(f"prior[{s}]" for s in states), "vhat", "V", "ceiling", "full_disclosure",
               "n_signals", "signal_probabilities", "posteriors", "actions",
               "prior_origin_detail"]
    if exact:
        columns += ["vhat_exact", "V_exact", "ceiling_exact", "full_disclosure_exact"]
    attrs = {"family": family, "p": pp, "method": None, "skipped": skipped,
             "n_records": len(records), "dataset": dataset, "tie_break": tie_break}
    if not kept:
        df = pd.DataFrame(columns=columns)
        df.attrs.update(attrs)
        return df
    exact_priors = [pr for _, pr, _ in kept]
    P = np.array([[float(x) for x in prior_vector(family, pr)] for pr in exact_priors])
    if method == "batch":
        res, algo = _from_batch(game, P)
    else:
        res, algo = _solve_lp(game, P), "lp per instance"
    attrs["method"] = algo
    gain = np.asarray(res["value"]) - np.asarray(res["nd"])
    rows = []
    for i, (rec, pr, origin) in enumerate(kept):
        posts = res["posteriors"][i]
        if n == 2:
            post_s = _join_floats(q[1] for q in posts)
        else:
            post_s = ";".join("[" + ", ".join(repr(float(x)) for x in q) + "]" for q in posts)
        row = {
            "dataset": dataset if dataset is not None else rec.dataset,
            "id": rec.id, "claim": rec.claim, "family": family, "p": pp,
            "prior_origin": origin["kind"], "prior": _fmt_prior(family, pr),
            **{f"prior[{s}]": P[i, j] for j, s in enumerate(states)},
            "vhat": float(res["nd"][i]), "V": float(res["value"][i]), "ceiling": float(gain[i]),
            "full_disclosure": float(res["fd"][i]), "n_signals": len(res["actions"][i]),
            "signal_probabilities": _join_floats(res["weights"][i]),
            "posteriors": post_s,
            "actions": ";".join(str(game.actions[a]) for a in res["actions"][i]),
            "prior_origin_detail": json.dumps(origin, sort_keys=True),
        }
        rows.append(row)
    if exact:
        ex = _exact_values(game, family, exact_priors)
        for row, vals in zip(rows, ex, strict=True):
            if vals is None:
                row.update(dict.fromkeys(("vhat_exact", "V_exact", "ceiling_exact",
                                          "full_disclosure_exact")))
                continue
            V, nd, fd = vals
            for name, q in (("V", V), ("vhat", nd), ("full_disclosure", fd)):
                if abs(float(q) - row[name]) > _CHECK_TOL * max(1.0, abs(float(q))):
                    raise SolverError(
                        f"instance {row['id']!r}: exact {name} = {q} but the {algo} gave "
                        f"{row[name]!r}; please report this")
            row.update({"vhat_exact": nd, "V_exact": V, "ceiling_exact": V - nd,
                        "full_disclosure_exact": fd})
    if tie_break == "receiver":
        _receiver_ties_at_the_prior(game, family, [pr for _, pr, _ in kept], rows)
    df = pd.DataFrame(rows, columns=columns)
    df.attrs.update(attrs)
    return df


def _exact_mean(col: pd.Series) -> Fraction | None:
    if col.isna().any() or len(col) == 0:
        return None
    return sum((Fraction(x) for x in col), Fraction(0)) / len(col)


#: The columns of :func:`summarize_ceilings` that are means over instances, and the
#: table column each averages.  Each has ``_se``, ``_ci_low`` and ``_ci_high``.
CEILING_MEANS = (("mean_vhat", "vhat"), ("mean_V", "V"), ("mean_ceiling", "ceiling"),
                 ("mean_n_signals", "n_signals"), ("share_positive", None))
#: The upper quantile of the ceilings reported with an order-statistic interval.
UPPER_QUANTILE = 0.9
#: What the descriptive columns of :func:`summarize_ceilings` are.
RANGE_NOTE = ("min_ceiling and max_ceiling are descriptive: the range of the n instances' "
              "exact ceilings, not estimates; no sampling interval is attached (an extreme "
              "of a sample of a bounded quantity has no distribution-free interval short of "
              "the bound); q90_ceiling is the upper quantile with an interval")


def summarize_ceilings(tables: pd.DataFrame | Mapping[str, pd.DataFrame], *,
                       confidence: float = 0.95, n_resamples: int = 2000,
                       seed: int = 0) -> pd.DataFrame:
    """Per-dataset summaries of ceiling tables, and their unweighted average.

    Every instance's ceiling is exact; what carries uncertainty is a summary
    read as a statement about the *population of claims* the dataset samples:
    the intervals resample claims (a new draw of claims like these), not
    dialogues or solver error.  About these claims themselves there is no
    uncertainty: their exact values are in the table.

    Parameters
    ----------
    tables : DataFrame or mapping name -> DataFrame
        Tables from :func:`ceiling_table` (one per dataset).
    confidence, n_resamples, seed
        The intervals.

    Returns
    -------
    pandas.DataFrame
        One row per dataset: ``n_instances``, ``n_skipped``;

        * the means over instances (:data:`CEILING_MEANS`) ``mean_vhat``,
          ``mean_V``, ``mean_ceiling``, ``mean_n_signals`` and
          ``share_positive`` (the share of instances whose ceiling exceeds
          ``1e-9``), each with ``<name>_se``, ``<name>_ci_low`` and
          ``<name>_ci_high`` (:func:`bayespersuade.instances.stats.cluster_mean`,
          a bootstrap over instances seeded by ``seed``; ``ci_method``);
          ``mean_ceiling_pct_of_scale`` (mean ceiling / 7 x 100, the paper's "%
          of scale") and ``mean_ceiling_pct_of_range`` (/ 6 x 100) with their
          ``_ci_low``/``_ci_high``; ``mean_ceiling_exact`` (a Fraction) when
          the tables have exact columns;
        * ``median_ceiling`` and ``q90_ceiling`` (the :data:`UPPER_QUANTILE`),
          each with ``_ci_low``/``_ci_high``: the distribution-free
          order-statistic interval
          (:func:`~bayespersuade.instances.stats.quantile_estimate`; no SE;
          ``NaN`` when there are too few instances for one, e.g. ``n <= 5`` for
          the median at 95 %), described in ``quantile_ci_method``;
        * ``min_ceiling`` and ``max_ceiling``: **descriptive**, the range of the
          instances' ceilings, with ``n`` and no interval (:data:`RANGE_NOTE`,
          repeated in the column ``range_note``).

        With two or more datasets, a last row :data:`AVERAGE_LABEL` holds the
        unweighted mean of the datasets' means (as Cheng & You average their
        four datasets), with standard errors from theirs; quantiles and ranges
        are not averaged (``NaN`` there).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"vhat": [4.0, 1.0], "V": [4.5, 1.5], "ceiling": [0.5, 0.5],
    ...                   "n_signals": [2, 2], "family": "binary-truth", "p": 2})
    >>> u = t.assign(ceiling=[1.0, 0.0], V=[5.0, 1.0])
    >>> s = summarize_ceilings({"a": t, "b": u})
    >>> s[["dataset", "mean_ceiling"]].values.tolist()
    [['a', 0.5], ['b', 0.5], ['Average (unweighted over datasets)', 0.5]]
    >>> s.loc[1, ["min_ceiling", "max_ceiling", "median_ceiling_ci_low"]].tolist()
    [0.0, 1.0, nan]
    """
    import pandas as pd

    from .stats import quantile_estimate

    if isinstance(tables, pd.DataFrame):
        name = tables.attrs.get("dataset") or (
            str(tables["dataset"].iloc[0]) if "dataset" in tables and len(tables) else "dataset")
        tables = {name: tables}
    opts = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}

    def nan(x):
        return np.nan if x is None else x

    rows = []
    for name, t in tables.items():
        c = t["ceiling"].astype(float)
        row: dict[str, Any] = {
            "dataset": name,
            "family": t.attrs.get("family", t["family"].iloc[0] if len(t) else None),
            "p": t.attrs.get("p", t["p"].iloc[0] if len(t) else None),
            "n_instances": len(t),
            "n_skipped": len(t.attrs.get("skipped", [])),
        }
        for mean_name, col in CEILING_MEANS:
            vals = ([float(x > _CHECK_TOL) for x in c] if col is None
                    else [float(x) for x in t[col]])
            e = cluster_mean([[x] for x in vals], **opts)
            row[mean_name] = nan(e.estimate)
            row[f"{mean_name}_se"] = nan(e.se)
            row[f"{mean_name}_ci_low"] = nan(e.ci_low)
            row[f"{mean_name}_ci_high"] = nan(e.ci_high)
            if col == "ceiling":
                row["ci_method"] = e.method
        for pct, div in (("pct_of_scale", len(LIKERT)), ("pct_of_range", len(LIKERT) - 1)):
            for end in ("", "_ci_low", "_ci_high"):
                row[f"mean_ceiling_{pct}{end}"] = row[f"mean_ceiling{end}"] / div * 100
        for qname, q in (("median_ceiling", 0.5), ("q90_ceiling", UPPER_QUANTILE)):
            e = quantile_estimate(list(c), q, confidence=confidence)
            row[qname] = nan(e.estimate)
            row[f"{qname}_ci_low"] = nan(e.ci_low)
            row[f"{qname}_ci_high"] = nan(e.ci_high)
            row[f"{qname}_method"] = e.method
        row["quantile_ci_method"] = (f"distribution-free order-statistic intervals "
                                     f"({confidence:.0%}, binomial), over instances")
        row["min_ceiling"] = c.min() if len(c) else np.nan
        row["max_ceiling"] = c.max() if len(c) else np.nan
        row["range_note"] = RANGE_NOTE
        if "ceiling_exact" in t:
            row["mean_ceiling_exact"] = _exact_mean(t["ceiling_exact"])
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(rows) >= 2:
        avg: dict[str, Any] = {"dataset": AVERAGE_LABEL,
                               "n_instances": int(out["n_instances"].sum()),
                               "n_skipped": int(out["n_skipped"].sum())}
        fams = set(out["family"])
        avg["family"] = fams.pop() if len(fams) == 1 else "mixed"
        ps = set(out["p"])
        avg["p"] = ps.pop() if len(ps) == 1 else None
        # the unweighted mean of independent dataset means: SE from theirs, normal interval
        from scipy import stats as _st

        z = float(_st.norm.ppf(0.5 + confidence / 2))
        for mean_name, _ in CEILING_MEANS:
            avg[mean_name] = out[mean_name].astype(float).mean()
            se = float(np.sqrt((out[f"{mean_name}_se"].astype(float) ** 2).sum()) / len(rows))
            avg[f"{mean_name}_se"] = se
            avg[f"{mean_name}_ci_low"] = avg[mean_name] - z * se
            avg[f"{mean_name}_ci_high"] = avg[mean_name] + z * se
        for pct, div in (("pct_of_scale", len(LIKERT)), ("pct_of_range", len(LIKERT) - 1)):
            for end in ("", "_ci_low", "_ci_high"):
                avg[f"mean_ceiling_{pct}{end}"] = avg[f"mean_ceiling{end}"] / div * 100
        avg["ci_method"] = (f"unweighted mean of {len(rows)} dataset means; SE from theirs; "
                            f"normal {confidence:.0%} interval (NaN where a dataset has no SE)")
        avg["quantile_ci_method"] = "quantiles and ranges are not averaged over datasets"
        avg["range_note"] = RANGE_NOTE
        if "mean_ceiling_exact" in out and out["mean_ceiling_exact"].notna().all():
            total = sum((Fraction(x) for x in out["mean_ceiling_exact"]), Fraction(0))
            avg["mean_ceiling_exact"] = total / len(rows)
        out = pd.concat([out, pd.DataFrame([avg])], ignore_index=True)
    return out


def write_ceilings(table: pd.DataFrame, out_dir: str | Path, stem: str,
                   summary: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write a ceiling table (and its summary and skipped instances) as CSV.

    Files: ``<stem>_ceilings.csv``, ``<stem>_summary.csv`` (when given) and
    ``<stem>_skipped.csv`` (always; empty when nothing was skipped).  Floats
    are written in full.

    Returns
    -------
    dict
        ``{"table": path, "summary": path, "skipped": path}``.

    Examples
    --------
    >>> import tempfile
    >>> from bayespersuade.datasets import load_embedded
    >>> t = ceiling_table(load_embedded(split="test").records[:3], "evidence-stance")
    >>> paths = write_ceilings(t, tempfile.mkdtemp(), "demo")
    >>> sorted(paths)
    ['skipped', 'table']
    """
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"table": out / f"{stem}_ceilings.csv", "skipped": out / f"{stem}_skipped.csv"}
    skipped = pd.DataFrame(table.attrs.get("skipped", []), columns=["id", "reason"])
    frames = [(table, paths["table"]), (skipped, paths["skipped"])]
    if summary is not None:
        paths["summary"] = out / f"{stem}_summary.csv"
        frames.append((summary, paths["summary"]))
    for frame, path in frames:  # each file whole or not at all
        with atomic_output(path) as tmp:
            frame.to_csv(tmp, index=False)
    return paths


#: The prior constructions of :func:`prior_sensitivity_table`, in order.
PRIOR_CONSTRUCTIONS = ("population", "score", "evidence", "user")
_CONSTRUCTIONS = {
    "population": "the claim's human initial ratings: the mean of (r − 1)/6 (two-state "
                  "families) or their histogram (normative-position)",
    "score": "each participant's own initial rating: (r − 1)/6, or the point mass at r "
             "(normative-position); averaged within the claim",
    "evidence": "the claim's evidence: the share of supporting evidence (two-state) or the "
                "evidence position prior (normative-position)",
    "user": "one prior given by the user for every claim",
}


def prior_sensitivity_table(
    records: Iterable[ClaimRecord],
    family: str = "binary-truth",
    *,
    loss: str | None = None,
    p: int | float | None = None,
    prior: Any = None,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """The mean ceiling of a dataset under each way of building the priors, side by side.

    How a claim's prior is built changes its ceiling; this table never picks one
    silently.  Constructions (:data:`PRIOR_CONSTRUCTIONS`): ``population`` (the
    claim's histogram of human initial ratings), ``score`` (each participant's
    own rating as a prior, the ceilings averaged within the claim), ``evidence``
    (the evidence share), ``user`` (``prior``, the same for every claim).  Each
    row holds the mean ceiling over the claims that have such a prior, with its
    interval (a bootstrap over claims, :func:`~.stats.cluster_mean`).

    Returns
    -------
    pandas.DataFrame
        One row per construction: ``construction, description, n_instances,
        n_dialogues`` (participants for ``score``), ``estimate, se, ci_low,
        ci_high, method`` and ``reason`` (why a construction has no claim).
        ``attrs["note"]`` holds the caveat on rating-derived priors where it
        applies (every interior rating at the same ceiling).

    Examples
    --------
    >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
    >>> recs = [ClaimRecord("claims", "a", "A.", observations=(O(initial=2), O(initial=7))),
    ...         ClaimRecord("claims", "b", "B.", observations=(O(initial=4),))]
    >>> t = prior_sensitivity_table(recs, prior="1/4")
    >>> t[["construction", "n_instances", "estimate"]].values.tolist()
    [['population', 2, 0.25], ['score', 2, 0.375], ['evidence', 0, nan], ['user', 2, 0.0]]

    (Population: claim A's ratings 2 and 7 give μ = 7/12, a breakpoint, ceiling
    0; claim B's μ = 1/2 has ceiling 1/2.  Score: A's raters have ceilings 1/2
    and 0, B's 1/2.  User: 1/4 = 3/12 is a breakpoint.)
    >>> print(t.attrs["note"])  # doctest: +ELLIPSIS
    With a rating-derived prior μ = (r − 1)/6 every interior rating (2..6) has ceiling 1/2...
    """
    import pandas as pd

    from .families import LIKERT, prior_from_rating
    from .stats import cluster_mean

    records = list(records)
    opts = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    game = base_game(family, loss=loss, p=p)
    two = game.n_states == 2

    def rating_prior(r):
        return prior_from_rating(r) if two else tuple(Fraction(int(k == r)) for k in LIKERT)

    rating_ceiling = {r: V - nd for r, (V, nd, _) in
                      zip(LIKERT, _exact_values(game, family, [rating_prior(r) for r in LIKERT]),
                          strict=True)}
    rows = []
    for name in PRIOR_CONSTRUCTIONS:
        clusters: list[list[float]] = []
        reason = None
        if name == "score":
            clusters = [[float(rating_ceiling[r]) for r in rec.initial_ratings()]
                        for rec in records if rec.initial_ratings()]
            reason = "no initial ratings"
        elif name == "user" and prior is None:
            reason = "no user prior given"
        else:
            kw = {"prior": prior} if name == "user" else {
                "prior_source": "histogram" if name == "population" else "evidence"}
            t = ceiling_table(records, family, loss=loss, p=p, **kw)
            clusters = [[float(c)] for c in t["ceiling"]]
            reason = (t.attrs["skipped"][0][1] if t.attrs["skipped"] else "no claims")
        e = cluster_mean(clusters, **opts)
        rows.append({"construction": name, "description": _CONSTRUCTIONS[name],
                     "n_instances": e.n_instances, "n_dialogues": e.n_dialogues,
                     "estimate": np.nan if e.estimate is None else e.estimate,
                     "se": np.nan if e.se is None else e.se,
                     "ci_low": np.nan if e.ci_low is None else e.ci_low,
                     "ci_high": np.nan if e.ci_high is None else e.ci_high,
                     "method": e.method, "reason": None if clusters else reason})
    out = pd.DataFrame(rows)
    interior = {rating_ceiling[r] for r in LIKERT[1:-1]}
    out.attrs["note"] = None
    if two and len(interior) == 1 and rows[1]["n_instances"]:
        c = interior.pop()
        out.attrs["note"] = (
            f"With a rating-derived prior μ = (r − 1)/6 every interior rating (2..6) has "
            f"ceiling {_fmt_exact(c)} under this family and loss, whatever the claim: μ = k/6 "
            f"lies midway between the breakpoints (2k ± 1)/12 of the receiver's best reply, "
            f"where the ceiling jumps; the 'score' row says nothing about the claims.")
    return out
