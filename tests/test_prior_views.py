"""Ceilings under the dataset's view, the receiver's view and both at once."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from bayespersuade.datasets import ClaimRecord, Evidence, load_embedded
from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.instances.families import evidence_stance_game, evidence_support_share
from bayespersuade.instances.views import prior_views_table

RECORDS = load_embedded("perspectrum", split="test").records[:12]


def test_three_views_match_independent_solves():
    mu_r = F(1, 3)
    t = prior_views_table(RECORDS, mu_r)
    assert len(t) + len(t.attrs["skipped"]) == len(RECORDS)
    for row, rec in zip(t.itertuples(), [r for r in RECORDS if r.id in set(t["id"])],
                        strict=True):
        share = evidence_support_share(rec)[0]
        assert row.exact and row.dataset_prior == share and row.receiver_prior == mu_r
        assert row.V_dataset == evidence_stance_game(share).solve(exact=True).value
        assert row.V_receiver == evidence_stance_game(mu_r).solve(exact=True).value
        het = evidence_stance_game(share).with_receiver_prior([1 - mu_r, mu_r])
        assert row.V_heterogeneous == het.solve("concavification", exact=True).value
        assert row.ceiling_heterogeneous == row.V_heterogeneous - row.vhat_heterogeneous
        if share == mu_r:
            assert row.V_heterogeneous == row.V_dataset == row.V_receiver


def test_per_record_receiver_priors_and_skips():
    ids = [r.id for r in RECORDS[:3]]
    t = prior_views_table(RECORDS[:3], {ids[0]: F(1, 2), ids[1]: 0.25})
    assert t["id"].tolist() == ids[:2]
    assert t["exact"].tolist() == [True, False]
    assert t.attrs["skipped"] == [(ids[2], "no receiver prior given")]
    dogmatic = ClaimRecord("x", "d", "c", evidence=(
        Evidence("1", "a", "support", {"support": 1, "mildly_support": 0,
                                       "mildly_undermine": 0, "undermine": 1}),))
    t2 = prior_views_table([dogmatic], 0)
    assert t2.empty and "rules out a state" in t2.attrs["skipped"][0][1]
    with pytest.raises(InvalidParameterError, match="two-state family"):
        prior_views_table(RECORDS, F(1, 2), "normative-position")
