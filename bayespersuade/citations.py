"""What to cite: this library, the methods' papers, and the solvers.

Every :class:`~bayespersuade.solution.Solution` lists the works behind the
numbers it reports (:meth:`~bayespersuade.solution.Solution.citations`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._version import __version__
from .exceptions import InvalidParameterError

__all__ = ["Reference", "REFERENCES", "references_for", "format_references"]


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
    "dughmi2016": Reference(
        "dughmi2016",
        "Dughmi, S. and Xu, H. (2016). Algorithmic Bayesian persuasion. Proceedings of the "
        "48th ACM Symposium on Theory of Computing (STOC), 412-425.",
        "@inproceedings{dughmi2016,\n  author = {Dughmi, Shaddin and Xu, Haifeng},\n"
        "  title = {Algorithmic {B}ayesian Persuasion},\n  booktitle = {Proceedings of "
        "the 48th Annual ACM Symposium on Theory of Computing},\n  pages = {412--425},\n"
        "  year = {2016}\n}",
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
}


def references_for(method: str, backend: str, exact: bool) -> list[Reference]:
    """The references behind a result computed by ``method`` on ``backend``.

    Examples
    --------
    >>> [r.key for r in references_for("lp", "highs", exact=True)]
    ['bayespersuade', 'kamenica2011', 'dughmi2016', 'highs', 'applegate2007', 'flint']
    """
    keys = ["bayespersuade", "kamenica2011"]
    if method == "lp":
        keys.append("dughmi2016")
    keys.append("cvxpy" if backend == "cvxpy" else "highs")
    if exact:
        keys += ["applegate2007", "flint"]
    return [REFERENCES[k] for k in keys]


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
