"""All matplotlib code; every function takes ``ax=None`` and returns the ``Axes``.

* :mod:`.games` — a game's sender value ``v̂``, its concave envelope and an optimal
  splitting (two and three states);
* :mod:`.ceilings` — ceilings of dataset instances (curves over the prior,
  histograms per family, human baselines against ceilings);
* :mod:`.evaluations` — language-model evaluations: achieved gains against the
  ceiling per instance, gains per dataset with their intervals, gains per round;
* :mod:`.beyond` — beyond one receiver: public vs private optima per claim, a network
  coloured by core number and its step function with the envelope.

matplotlib is imported inside the functions, so ``import bayespersuade`` stays light.
"""
