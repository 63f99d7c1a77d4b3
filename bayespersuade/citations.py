"""What to cite: this library, the methods' papers, and the solvers.

Every :class:`~bayespersuade.solution.Solution` lists the works behind the
numbers it reports (:meth:`~bayespersuade.solution.Solution.citations`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._version import __version__
from .exceptions import InvalidParameterError

__all__ = [
    "Reference",
    "REFERENCES",
    "DATASET_REFERENCES",
    "references_for",
    "references_for_dataset",
    "format_references",
]


@dataclass(frozen=True)
class Reference:
    """A bibliographic reference with a BibTeX entry."""

    key: str
    text: str
    bibtex: str


REFERENCES: dict[str, Reference] = {
    "bayespersuade": Reference(
        "bayespersuade",
        f"The bayespersuade developers (2026). bayespersuade: Bayesian persuasion, "
        f"exactly. Version {__version__}. (See CITATION.cff.)",
        "@software{bayespersuade,\n"
        "  author = {{The bayespersuade developers}},\n"
        "  title = {bayespersuade: Bayesian persuasion, exactly},\n"
        f"  version = {{{__version__}}},\n"
        "  year = {2026}\n}",
    ),
    "kamenica2011": Reference(
        "kamenica2011",
        "Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. American Economic "
        "Review 101(6), 2590-2615.",
        "@article{kamenica2011,\n  author = {Kamenica, Emir and Gentzkow, Matthew},\n"
        "  title = {Bayesian Persuasion},\n  journal = {American Economic Review},\n"
        "  volume = {101},\n  number = {6},\n  pages = {2590--2615},\n  year = {2011}\n}",
    ),
    "aumann1995": Reference(
        "aumann1995",
        "Aumann, R. J. and Maschler, M. (1995). Repeated Games with Incomplete Information. "
        "MIT Press.",
        "@book{aumann1995,\n  author = {Aumann, Robert J. and Maschler, Michael},\n"
        "  title = {Repeated Games with Incomplete Information},\n  publisher = {MIT Press},\n"
        "  year = {1995}\n}",
    ),
    "dughmi2016": Reference(
        "dughmi2016",
        "Dughmi, S. and Xu, H. (2016). Algorithmic Bayesian persuasion. Proceedings of the "
        "48th ACM Symposium on Theory of Computing (STOC), 412-425.",
        "@inproceedings{dughmi2016,\n  author = {Dughmi, Shaddin and Xu, Haifeng},\n"
        "  title = {Algorithmic {B}ayesian Persuasion},\n  booktitle = {Proceedings of "
        "the 48th Annual ACM Symposium on Theory of Computing},\n  pages = {412--425},\n"
        "  year = {2016}\n}",
    ),
    "alonso2016": Reference(
        "alonso2016",
        "Alonso, R. and Câmara, O. (2016). Bayesian persuasion with heterogeneous priors. "
        "Journal of Economic Theory 165, 672-706.",
        "@article{alonso2016,\n  author = {Alonso, Ricardo and C{\\^a}mara, Odilon},\n"
        "  title = {Bayesian Persuasion with Heterogeneous Priors},\n"
        "  journal = {Journal of Economic Theory},\n  volume = {165},\n"
        "  pages = {672--706},\n  year = {2016}\n}",
    ),
    "arieli2019": Reference(
        "arieli2019",
        "Arieli, I. and Babichenko, Y. (2019). Private Bayesian persuasion. Journal of "
        "Economic Theory 182, 185-217.",
        "@article{arieli2019,\n  author = {Arieli, Itai and Babichenko, Yakov},\n"
        "  title = {Private {B}ayesian Persuasion},\n  journal = {Journal of Economic "
        "Theory},\n  volume = {182},\n  pages = {185--217},\n  year = {2019}\n}",
    ),
    "dughmi2017": Reference(
        "dughmi2017",
        "Dughmi, S. and Xu, H. (2017). Algorithmic persuasion with no externalities. "
        "Proceedings of the 18th ACM Conference on Economics and Computation (EC), 351-368.",
        "@inproceedings{dughmi2017,\n  author = {Dughmi, Shaddin and Xu, Haifeng},\n"
        "  title = {Algorithmic Persuasion with No Externalities},\n  booktitle = "
        "{Proceedings of the 2017 ACM Conference on Economics and Computation},\n"
        "  pages = {351--368},\n  year = {2017}\n}",
    ),
    "candogan2019": Reference(
        "candogan2019",
        "Candogan, O. (2019). Persuasion in networks: public signals and k-cores. "
        "Proceedings of the 20th ACM Conference on Economics and Computation (EC), 133-134.",
        "@inproceedings{candogan2019,\n  author = {Candogan, Ozan},\n"
        "  title = {Persuasion in Networks: Public Signals and k-Cores},\n  booktitle = "
        "{Proceedings of the 2019 ACM Conference on Economics and Computation},\n"
        "  pages = {133--134},\n  year = {2019}\n}",
    ),
    "highs": Reference(
        "highs",
        "Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex "
        "method. Mathematical Programming Computation 10(1), 119-142.",
        "@article{huangfu2018,\n  author = {Huangfu, Qi and Hall, J. A. Julian},\n"
        "  title = {Parallelizing the dual revised simplex method},\n"
        "  journal = {Mathematical Programming Computation},\n  volume = {10},\n"
        "  number = {1},\n  pages = {119--142},\n  year = {2018}\n}",
    ),
    "applegate2007": Reference(
        "applegate2007",
        "Applegate, D. L., Cook, W., Dash, S. and Espinoza, D. G. (2007). Exact solutions "
        "to linear programming problems. Operations Research Letters 35(6), 693-699.",
        "@article{applegate2007,\n  author = {Applegate, David L. and Cook, William and "
        "Dash, Sanjeeb and Espinoza, Daniel G.},\n  title = {Exact solutions to linear "
        "programming problems},\n  journal = {Operations Research Letters},\n"
        "  volume = {35},\n  number = {6},\n  pages = {693--699},\n  year = {2007}\n}",
    ),
    "flint": Reference(
        "flint",
        "The FLINT team. FLINT: Fast Library for Number Theory (via python-flint), "
        "https://flintlib.org.",
        "@software{flint,\n  author = {{The FLINT team}},\n  title = {{FLINT}: {F}ast "
        "{L}ibrary for {N}umber {T}heory},\n  url = {https://flintlib.org}\n}",
    ),
    "sympy": Reference(
        "sympy",
        "Meurer, A. et al. (2017). SymPy: symbolic computing in Python. PeerJ Computer "
        "Science 3, e103.",
        "@article{sympy,\n  author = {Meurer, Aaron and others},\n  title = {SymPy: "
        "symbolic computing in Python},\n  journal = {PeerJ Computer Science},\n"
        "  volume = {3},\n  pages = {e103},\n  year = {2017}\n}",
    ),
    "cvxpy": Reference(
        "cvxpy",
        "Diamond, S. and Boyd, S. (2016). CVXPY: A Python-embedded modeling language for "
        "convex optimization. Journal of Machine Learning Research 17(83), 1-5.",
        "@article{cvxpy,\n  author = {Diamond, Steven and Boyd, Stephen},\n  title = "
        "{{CVXPY}: A {P}ython-embedded modeling language for convex optimization},\n"
        "  journal = {Journal of Machine Learning Research},\n  volume = {17},\n"
        "  number = {83},\n  pages = {1--5},\n  year = {2016}\n}",
    ),
    "cheng2025": Reference(
        "cheng2025",
        "Cheng, Z. and You, J. (2025). Towards strategic persuasion with language models. "
        "arXiv:2509.22989 (ICLR 2026).",
        "@inproceedings{cheng2025,\n  author = {Cheng, Zirui and You, Jiaxuan},\n"
        "  title = {Towards Strategic Persuasion with Language Models},\n"
        "  booktitle = {International Conference on Learning Representations},\n"
        "  year = {2026},\n  note = {arXiv:2509.22989}\n}",
    ),
    "chen2019": Reference(
        "chen2019",
        "Chen, S., Khashabi, D., Yin, W., Callison-Burch, C. and Roth, D. (2019). Seeing "
        "things from a different angle: discovering diverse perspectives about claims. "
        "NAACL 2019.",
        "@inproceedings{chen2019,\n  author = {Chen, Sihao and Khashabi, Daniel and Yin, "
        "Wenpeng and Callison-Burch, Chris and Roth, Dan},\n  title = {Seeing Things from a "
        "Different Angle: Discovering Diverse Perspectives about Claims},\n  booktitle = "
        "{Proceedings of NAACL-HLT},\n  year = {2019}\n}",
    ),
    "durmus2024": Reference(
        "durmus2024",
        "Durmus, E., Lovitt, L., Tamkin, A., Ritchie, S., Clark, J. and Ganguli, D. (2024). "
        "Measuring the persuasiveness of language models. Anthropic.",
        "@misc{durmus2024,\n  author = {Durmus, Esin and Lovitt, Liane and Tamkin, Alex and "
        "Ritchie, Stuart and Clark, Jack and Ganguli, Deep},\n  title = {Measuring the "
        "Persuasiveness of Language Models},\n  publisher = {Anthropic},\n  year = {2024}\n}",
    ),
    "tan2016": Reference(
        "tan2016",
        "Tan, C., Niculae, V., Danescu-Niculescu-Mizil, C. and Lee, L. (2016). Winning "
        "arguments: interaction dynamics and persuasion strategies in good-faith online "
        "discussions. WWW 2016.",
        "@inproceedings{tan2016,\n  author = {Tan, Chenhao and Niculae, Vlad and "
        "Danescu-Niculescu-Mizil, Cristian and Lee, Lillian},\n  title = {Winning Arguments: "
        "Interaction Dynamics and Persuasion Strategies in Good-faith Online Discussions},\n"
        "  booktitle = {Proceedings of WWW},\n  year = {2016}\n}",
    ),
    "durmus2019": Reference(
        "durmus2019",
        "Durmus, E. and Cardie, C. (2019). A corpus for modeling user and language effects "
        "in argumentation on online debating. ACL 2019.",
        "@inproceedings{durmus2019,\n  author = {Durmus, Esin and Cardie, Claire},\n"
        "  title = {A Corpus for Modeling User and Language Effects in Argumentation on "
        "Online Debating},\n  booktitle = {Proceedings of ACL},\n  year = {2019}\n}",
    ),
}

#: The reference of each dataset the loaders read.
DATASET_REFERENCES = {
    "perspectrum": "chen2019",
    "anthropic": "durmus2024",
    "cmv": "tan2016",
    "ddo": "durmus2019",
}


def references_for(
    method: str, backend: str, exact: bool, n_states: int | None = None, *,
    heterogeneous: bool = False,
) -> list[Reference]:
    """The references behind a result computed by ``method`` on ``backend``.

    Parameters
    ----------
    method : {"lp", "concavification"}
    backend : {"highs", "cvxpy"}
    exact : bool
        Whether the result was certified in exact arithmetic.
    n_states : int, optional
        The concavification of a two-state game needs no LP solver (its
        envelope is computed directly); other games solve an LP over the
        region vertices with HiGHS.
    heterogeneous : bool, default False
        The receiver holds its own prior (adds Alonso & Câmara 2016).

    Examples
    --------
    >>> [r.key for r in references_for("lp", "highs", exact=True)]
    ['bayespersuade', 'kamenica2011', 'dughmi2016', 'highs', 'applegate2007', 'flint']
    >>> [r.key for r in references_for("concavification", "highs", False, n_states=2)]
    ['bayespersuade', 'kamenica2011', 'aumann1995']
    >>> [r.key for r in references_for("lp", "highs", False, heterogeneous=True)][:3]
    ['bayespersuade', 'kamenica2011', 'alonso2016']
    """
    keys = ["bayespersuade", "kamenica2011"]
    if heterogeneous:
        keys.append("alonso2016")
    if method == "lp":
        keys.append("dughmi2016")
    else:
        keys.append("aumann1995")
    if backend == "cvxpy":
        keys.append("cvxpy")
    elif method == "lp" or n_states != 2 or exact:
        keys.append("highs")
    if exact:
        keys += ["applegate2007", "flint"]
    return [REFERENCES[k] for k in keys]


def references_for_dataset(name: str) -> list[Reference]:
    """What to cite for results built from a dataset: its authors and the paper.

    Examples
    --------
    >>> [r.key for r in references_for_dataset("perspectrum")]
    ['chen2019', 'cheng2025']
    """
    key = DATASET_REFERENCES.get(name)
    if key is None:
        raise InvalidParameterError(
            f"unknown dataset {name!r}; known: {', '.join(sorted(DATASET_REFERENCES))}"
        )
    return [REFERENCES[key], REFERENCES["cheng2025"]]


def format_references(refs: list[Reference], style: str = "text") -> str:
    """Format references as plain text (one per line) or BibTeX.

    Examples
    --------
    >>> print(format_references([REFERENCES["kamenica2011"]]))
    Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. American Economic Review 101(6), 2590-2615.
    """  # noqa: E501
    if style == "bibtex":
        return "\n\n".join(r.bibtex for r in refs)
    if style != "text":
        raise InvalidParameterError(f"style must be 'text' or 'bibtex', got {style!r}")
    return "\n".join(r.text for r in refs)
