"""All matplotlib code; every function takes ``ax=None`` and returns the ``Axes``.

* :mod:`.games` — a game's sender value ``v̂``, its concave envelope and an optimal
  splitting (two and three states);
* :mod:`.ceilings` — ceilings of dataset instances (curves over the prior,
  histograms per family).

matplotlib is imported inside the functions, so ``import bayespersuade`` stays light.
"""
