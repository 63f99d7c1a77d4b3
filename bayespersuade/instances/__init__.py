"""Dataset-derived persuasion games: instance families, ceiling tables, human baselines.

* :mod:`.families` — the documented instance families (binary-truth,
  normative-position, evidence-stance) that turn a claim and a prior into a
  :class:`~bayespersuade.PersuasionGame`, and the prior constructions;
* :mod:`.ceilings` — the persuasion-gain ceiling of every instance of a dataset, in
  batch, as a table;
* :mod:`.baselines` — human persuaders' achieved gains (Anthropic Persuasion format)
  placed against the ceiling of the same game;
* :mod:`.stats` — the statistics of every aggregate over instances (cluster
  bootstrap intervals, cluster-robust standard errors, ratios of means, tests of a
  zero belief shift, the L1 gap's null), shared with the LLM evaluations
  (:mod:`bayespersuade.llm.stats`);
* :mod:`.audiences` — a claim's participants as an audience of receivers (each with
  the prior of their own rating): public vs private optima, the value of targeting;
* :mod:`.views` — per claim, the ceiling under the dataset's prior, under the
  receiver's own prior, and with both at once (heterogeneous priors).

The dataset loaders themselves are in :mod:`bayespersuade.datasets`.
"""
