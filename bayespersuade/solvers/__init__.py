"""The algorithms: pure functions over a game's data, below every class that uses them.

What lives here:

* :mod:`.best_response` — the receiver's best response (ties to the sender, or to
  the receiver), the sender's value ``v̂`` of a belief, in floats or exactly;
* :mod:`.lp` — the revelation-principle (obedience) LP, built sparse and solved by
  HiGHS (row and column generation for large games), and a cvxpy cross-check;
* :mod:`.concavification` — the upper concave envelope of ``v̂``: the exact
  two-state envelope and vertex enumeration of the best-response regions;
* :mod:`.certify` — exact certificates (primal scheme, dual prices, obedience
  multipliers) and :func:`~.certify.verify_certificate`; :mod:`._exact_lp` is the
  exact simplex behind the small-game fallback, :mod:`._linalg_q` the rational
  linear algebra (FLINT);
* :mod:`.evaluate` — the value of any given scheme or splitting of the prior;
* :mod:`.batch` — ceilings ``V − v̂`` at many priors of one game at once;
* :mod:`.dispatch` — the dispatch behind :meth:`bayespersuade.PersuasionGame.solve`;
  :mod:`.small` — its fast paths for small float solves (a vectorised two-state
  envelope with dual prices and multipliers; one lean HiGHS call for small LPs);
* :mod:`.conditioning` — normalisation to unit ranges, the action reduction and the
  ill-conditioning check every float solve runs first;
* :mod:`.priors` — heterogeneous priors: the common-prior view of a game whose
  receiver holds its own prior (Alonso & Câmara 2016), and :class:`~.priors.ArrayGame`,
  a game given by its arrays; :mod:`.heterogeneous` — ceilings at many prior pairs;
* :mod:`.audience` — several receivers: private signals, the optimal public signal,
  the value of targeting; :mod:`.network` — receivers on a graph, whose greatest
  equilibria are k-cores (Candogan 2019);
* :mod:`.game_data` — :class:`~.game_data.GameLike`, the protocol the solvers read a
  game through, and :mod:`._numeric` — input coercion and tolerances.

Nothing here imports the face of the package (``game``, ``solution``, ``io``): the
solvers work on a game's data, so the import graph has no cycles.
"""
