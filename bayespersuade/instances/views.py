"""Ceilings under two views: the dataset's prior, the receiver's own, and both at once.

A language-model receiver's prior (its elicited belief) is rarely the dataset's
(for example PERSPECTRUM's share of supporting evidence).  For each claim this
module reports, side by side, exactly:

* the **dataset view**: both sides hold the dataset's prior ``μS`` (today's
  ceiling of the instance family);
* the **receiver view**: both sides hold the receiver's prior ``μR``;
* the **heterogeneous** game: the state is drawn from ``μS`` (the sender's
  evaluation) while the receiver updates with ``μR`` (Alonso & Câmara 2016;
  :mod:`bayespersuade.solvers.priors`).

Which prior is "true" is a modelling choice; the table never picks one
silently.  (How a prior is built changes the ceiling: see
:func:`~.families.record_prior` for the dataset's and
:func:`~.families.prior_from_model_belief` for a model's.)

References
----------
Alonso, R. and Câmara, O. (2016). Bayesian persuasion with heterogeneous priors.
*Journal of Economic Theory* 165, 672-706.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..exceptions import InvalidGameError, InvalidParameterError
from .families import make_game, prior_vector, record_prior

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..datasets.records import ClaimRecord

__all__ = ["prior_views_table"]

_TWO_STATE = ("binary-truth", "evidence-stance")


def _num(x: Any, exact: bool) -> Any:
    return x if exact else float(x)


def prior_views_table(records: Iterable[ClaimRecord], receiver_priors: Any,
                      family: str = "evidence-stance", *, loss: str | None = None,
                      p: int | float | None = None, prior_source: str = "auto",
                      weighting: str = "votes") -> pd.DataFrame:
    """One row per claim: value, no-disclosure value and gain under the three views.

    Parameters
    ----------
    records : iterable of ClaimRecord
    receiver_priors : number or mapping of record id -> number
        The receiver's ``P(states[1])`` (for example a model's elicited
        ``P(yes)``), for all records or per record id.  Records without an
        entry are skipped and listed in ``attrs["skipped"]``.
    family : {"evidence-stance", "binary-truth"}, default "evidence-stance"
    loss, p : optional
        The receiver's loss (default quadratic).
    prior_source, weighting : str
        How the dataset's prior is built (:func:`~.families.record_prior`).

    Returns
    -------
    pandas.DataFrame
        Columns ``dataset, id, claim, family, dataset_prior, receiver_prior``
        and, for each view ``dataset``, ``receiver`` and ``heterogeneous``:
        ``V_<view>``, ``vhat_<view>``, ``ceiling_<view>``; ``exact`` (whether
        the row's numbers are Fractions: both priors rational).  ``attrs``:
        ``family``, ``skipped`` (``[(id, reason), ...]``), ``n_records``.

    Raises
    ------
    InvalidParameterError
        For a family with more than two states.

    Examples
    --------
    >>> from bayespersuade.datasets import load_embedded
    >>> recs = load_embedded("perspectrum", split="test").records[:3]
    >>> t = prior_views_table(recs, 0.5)    # a receiver at 1/2 on every claim
    >>> t[["dataset_prior", "V_dataset", "V_receiver", "V_heterogeneous"]].round(4).values.tolist()
    [[0.8, 6.3, 4.5, 5.9091], [0.5, 4.5, 4.5, 4.5], [0.6667, 5.5, 4.5, 5.1944]]
    """
    import pandas as pd

    if family not in _TWO_STATE:
        raise InvalidParameterError(
            f"prior views need a two-state family ({', '.join(_TWO_STATE)}), got {family!r}"
        )
    rows, skipped, n = [], [], 0
    for rec in records:
        n += 1
        if isinstance(receiver_priors, Mapping):
            if rec.id not in receiver_priors:
                skipped.append((rec.id, "no receiver prior given"))
                continue
            mu_r = receiver_priors[rec.id]
        else:
            mu_r = receiver_priors
        try:
            mu_s, origin = record_prior(rec, family, source=prior_source, weighting=weighting)
        except InvalidGameError as exc:
            skipped.append((rec.id, str(exc)))
            continue
        vs, vr = prior_vector(family, mu_s), prior_vector(family, mu_r)
        if any(vs[w] > 0 and vr[w] == 0 for w in range(2)):
            skipped.append((rec.id, "the receiver's prior rules out a state the dataset's "
                                    "prior allows"))
            continue
        exact = all(isinstance(x, int | Fraction) for x in (*vs, *vr))
        games = {
            "dataset": make_game(family, mu_s, loss=loss, p=p, origin=origin),
            "receiver": make_game(family, mu_r, loss=loss, p=p),
            "heterogeneous": make_game(family, mu_s, loss=loss, p=p, origin=origin,
                                       receiver_prior=mu_r),
        }
        row: dict[str, Any] = {"dataset": rec.dataset, "id": rec.id, "claim": rec.claim,
                               "family": family, "dataset_prior": _num(vs[1], exact),
                               "receiver_prior": _num(vr[1], exact), "exact": exact}
        for view, g in games.items():
            sol = g.solve(exact=exact)
            row[f"V_{view}"] = sol.value
            row[f"vhat_{view}"] = sol.no_disclosure_value
            row[f"ceiling_{view}"] = sol.gain
        rows.append(row)
    cols = ["dataset", "id", "claim", "family", "dataset_prior", "receiver_prior", "exact"]
    for view in ("dataset", "receiver", "heterogeneous"):
        cols += [f"V_{view}", f"vhat_{view}", f"ceiling_{view}"]
    table = pd.DataFrame(rows, columns=cols)
    table.attrs.update({"family": family, "skipped": skipped, "n_records": n})
    return table
