"""The HTTP backend's reading of top-k log-probabilities, against a numpy reference."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bayespersuade.llm.backends.openai import OpenAIChatBackend

TOKENS = ["Yes", " Yes", "yes", "No", " no", "1", " 2", "7", "7 ", "Maybe"]
OPTIONS = ("Yes", "yes", "No", "no", "1", "2", "7")


def reference(pairs, opts):
    """The array arithmetic of the earlier implementation (np.full, logaddexp, minimum)."""
    lp = np.full(len(opts), math.nan)
    for tok, val in pairs:
        key = tok.strip()
        if key in opts:
            i = opts.index(key)
            lp[i] = val if math.isnan(lp[i]) else float(np.logaddexp(lp[i], val))
    observed = ~np.isnan(lp)
    lp[observed] = np.minimum(lp[observed], 0.0)
    bound = min(v for _, v in pairs) if pairs and not observed.all() else None
    return lp, observed, bound


logprob = st.one_of(st.floats(-50.0, 0.0), st.sampled_from([-0.0, 0.0, 1e-7, -math.inf]))


@given(st.lists(st.tuples(st.sampled_from(TOKENS), logprob), min_size=1, max_size=8),
       st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=7, unique=True))
def test_scores_agree_with_the_array_reference(pairs, opts):
    opts = tuple(opts)
    b = OpenAIChatBackend("m", "http://127.0.0.1:1/v1", api_key_env="NO_SUCH_VAR")
    top = [{"token": t, "logprob": v} for t, v in pairs]
    resp = {"choices": [{"logprobs": {"content": [{"token": pairs[0][0],
                                                   "logprob": pairs[0][1],
                                                   "top_logprobs": top}]}}]}
    got = b._scores(resp, opts)
    lp, observed, bound = reference([(t, float(v)) for t, v in pairs], opts)
    assert got.logprobs.dtype == np.float64 and got.observed.dtype == bool
    assert got.observed.tolist() == observed.tolist()
    # Bit for bit, signs of zero included (what the records store).
    assert [v.hex() for v in got.logprobs.tolist()] == [v.hex() for v in lp.tolist()]
    assert got.unobserved_bound == bound
