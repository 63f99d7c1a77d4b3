"""The immutable result of solving a persuasion game.

Field names follow :class:`scipy.optimize.OptimizeResult` where they overlap
(``success``, ``message``); like pygambit's results, a :class:`Solution`
records the method, the backend and whether its numbers are exact.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field, fields
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .citations import format_references, references_for
from .solvers.certify import CertificateCheck, verify_certificate
from .solvers.dispatch import Signal, SolverOutput

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .solvers.game_data import GameLike

__all__ = ["Signal", "Solution", "provenance"]


@cache
def provenance() -> dict[str, str]:
    """Versions of this library, its solvers and Python (recorded in results).

    Examples
    --------
    >>> sorted(provenance())[:3]
    ['bayespersuade', 'highspy', 'numpy']
    """
    from importlib.metadata import PackageNotFoundError, version

    from ._version import __version__

    out = {"bayespersuade": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "highspy", "sympy", "python-flint"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    return out


@cache
def _output_fields() -> tuple[str, ...]:
    """The field names of :class:`SolverOutput` (read once, not per solve)."""
    return tuple(f.name for f in fields(SolverOutput))


def _fmt(x: Any) -> str:
    if isinstance(x, Fraction):
        return str(x) if x.denominator != 1 else str(x.numerator)
    return f"{float(x):.6g}"


@dataclass(frozen=True, eq=False)
class Solution(SolverOutput):
    """The optimal signaling scheme of a persuasion game and its value.

    Attributes
    ----------
    game : PersuasionGame
    value : float or Fraction
        ``V(μ0)``, the sender's optimal expected utility.
    gain : float or Fraction
        ``V(μ0) − v̂(μ0)``: the persuasion-gain ceiling.
    no_disclosure_value, full_disclosure_value : float or Fraction
    signals : tuple of Signal
        At most ``min(n_actions, n_states)`` of them.
    scheme : numpy.ndarray, shape (n_states, n_signals)
        ``π(s | ω)``; rows are states (object arrays of Fraction when exact).
    exact : bool
        True only when every number above is a Fraction proved by
        :attr:`certificate`.
    certificate : Certificate or None
    exact_failure : str or None
        Why an exact answer was requested but not delivered; for a float
        solve, why float arithmetic could not decide it (ties or dominances
        closer than its tolerance, with an
        :class:`~bayespersuade.exceptions.IllConditionedWarning`): solve
        ``game.to_rational()`` with ``exact=True``.
    method : str
        ``"lp"`` or ``"concavification"``.
    backend : str
        ``"highs"`` or ``"cvxpy"`` (the float solver used).
    algorithm : str
        For example ``"dual simplex"``, ``"ipm+crossover"``,
        ``"two-state envelope"``, ``"region vertices + LP"``; a float solve
        of a small game by :mod:`bayespersuade.solvers.small` says
        ``"(small-game path)"``.
    solve_time : float
        Wall-clock seconds, certification included.
    prices : numpy.ndarray or None
        Dual prices ``p(ω)`` of the LP (the price function: a supergradient
        of ``V`` at ``μ0``; for concavification, the supporting hyperplane).
    multipliers : tuple of (int, int, number) or None
        Non-zero obedience multipliers ``(a, b, λ(a, b))`` of the LP dual.
    envelope : Envelope or None
        The concave envelope (two-state concavification).
    provenance : dict
        Versions of the packages that produced the result.
    success : bool
        Always True (failures raise :class:`~bayespersuade.SolverError`).
    message : str
    """

    # The solver's fields (value, gain, ..., envelope) come from SolverOutput, in
    # that order; the game and the provenance are added here (keyword-only).
    game: GameLike = field(kw_only=True)
    provenance: dict = field(default_factory=provenance, kw_only=True)
    success: bool = field(default=True, kw_only=True)
    message: str = field(default="optimal", kw_only=True)

    @classmethod
    def from_output(cls, game: GameLike, output: SolverOutput) -> Solution:
        """The solution of ``game`` from what :func:`~.solvers.dispatch.solve_game` returned.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> from bayespersuade.solvers.dispatch import solve_game
        >>> game = prosecutor()
        >>> Solution.from_output(game, solve_game(game, exact=True)).value
        Fraction(3, 5)
        """
        return cls(game=game, **{name: getattr(output, name) for name in _output_fields()})

    # -------------------------------------------------------------- derived
    @property
    def n_signals(self) -> int:
        """Number of signals sent with positive probability."""
        return len(self.signals)

    @property
    def probabilities(self) -> np.ndarray:
        """Signal probabilities, shape ``(n_signals,)``."""
        return np.array([s.probability for s in self.signals],
                        dtype=object if self.exact else np.float64)

    @property
    def posteriors(self) -> np.ndarray:
        """Posteriors, shape ``(n_signals, n_states)``."""
        return np.array([s.posterior for s in self.signals],
                        dtype=object if self.exact else np.float64)

    @property
    def actions(self) -> np.ndarray:
        """Recommended actions (indices), shape ``(n_signals,)``."""
        return np.array([s.action for s in self.signals], dtype=int)

    @property
    def joint(self) -> np.ndarray:
        """``μ0(ω) π(s | ω)``, shape ``(n_states, n_signals)``."""
        return (self.posteriors * self.probabilities[:, None]).T

    # -------------------------------------------------------------- methods
    def verify(self) -> CertificateCheck:
        """Re-check the exact certificate (raises if the solution is not exact).

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> bool(prosecutor().solve(exact=True).verify())
        True
        """
        if self.certificate is None:
            from .exceptions import CertificateError

            raise CertificateError(
                "this solution has no certificate (solve with exact=True on a rational game)"
            )
        return verify_certificate(self.game, self.certificate)

    def citations(self, style: str = "text") -> str:
        """What to cite for this result: the library, the method, the solver.

        Parameters
        ----------
        style : {"text", "bibtex"}

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> print(prosecutor().solve().citations().splitlines()[1])
        Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. American Economic Review 101(6), 2590-2615.
        """  # noqa: E501
        refs = references_for(self.method, self.backend, self.exact, self.game.n_states,
                              heterogeneous=not getattr(self.game, "has_common_prior", True))
        return format_references(refs, style)

    def summary(self) -> str:
        """A human-readable report: values, the scheme, and how it was computed.

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> print(prosecutor().solve(exact=True).summary())  # doctest: +ELLIPSIS
        Game 'prosecutor': 2 states x 2 actions
          optimal value V(mu0)      3/5   (exact, certified)
          no disclosure v(mu0)      0
          full disclosure           3/10
          gain ceiling V - v        3/5
        Optimal scheme (2 signals):
          P(s)  posterior (innocent, guilty)  action
          2/5   (1, 0)                        acquit
          3/5   (1/2, 1/2)                    convict
        method lp, backend highs (exact two-state envelope (routed from the LP)), ... s
        """
        g = self.game
        name = f"Game {g.name!r}" if g.name else "Game"
        status = "exact, certified" if self.exact else "floating point"
        if self.exact_failure:
            status += f"; not exact: {self.exact_failure}"
        lines = [
            f"{name}: {g.n_states} states x {g.n_actions} actions",
            f"  optimal value V(mu0)      {_fmt(self.value)}   ({status})",
            f"  no disclosure v(mu0)      {_fmt(self.no_disclosure_value)}",
            f"  full disclosure           {_fmt(self.full_disclosure_value)}",
            f"  gain ceiling V - v        {_fmt(self.gain)}",
            f"Optimal scheme ({self.n_signals} signal{'s' if self.n_signals != 1 else ''}):",
        ]
        head = f"posterior ({', '.join(str(s) for s in g.states)})"
        if not getattr(g, "has_common_prior", True):  # P(s) is the sender's, μ the receiver's
            head = "receiver " + head
            lines.insert(1, "  receiver prior            ("
                         + ", ".join(_fmt(x) for x in (g.exact_receiver_prior() if self.exact
                                                       else g.receiver_prior)) + ")")
        rows = []
        for s in self.signals:
            post = "(" + ", ".join(_fmt(x) for x in s.posterior) + ")"
            rows.append((_fmt(s.probability), post, str(s.action_label)))
        w0 = max([4, *(len(r[0]) for r in rows)]) + 2
        w1 = max([len(head), *(len(r[1]) for r in rows)]) + 2
        lines.append("  " + "P(s)".ljust(w0) + head.ljust(w1) + "action")
        for r in rows:
            lines.append("  " + r[0].ljust(w0) + r[1].ljust(w1) + r[2])
        lines.append(
            f"method {self.method}, backend {self.backend} ({self.algorithm}), "
            f"{self.solve_time:.3g} s"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-serialisable record of the result (exact numbers as ``"p/q"``).

        Examples
        --------
        >>> from bayespersuade.examples import prosecutor
        >>> d = prosecutor().solve(exact=True).to_dict()
        >>> d["value"], d["exact"], d["signals"][1]["posterior"]
        ('3/5', True, ['1/2', '1/2'])
        """

        def num(x):
            return str(x) if isinstance(x, Fraction) else float(x)

        return {
            "game": self.game.to_dict(),
            "value": num(self.value),
            "gain": num(self.gain),
            "no_disclosure_value": num(self.no_disclosure_value),
            "full_disclosure_value": num(self.full_disclosure_value),
            "signals": [
                {
                    "probability": num(s.probability),
                    "posterior": [num(x) for x in s.posterior],
                    "action": s.action,
                    "action_label": s.action_label,
                }
                for s in self.signals
            ],
            "scheme": [[num(x) for x in row] for row in self.scheme],
            "exact": self.exact,
            "certificate": None if self.certificate is None else self.certificate.to_dict(),
            "exact_failure": self.exact_failure,
            "method": self.method,
            "backend": self.backend,
            "algorithm": self.algorithm,
            "solve_time": self.solve_time,
            "prices": None if self.prices is None else [num(x) for x in self.prices],
            "multipliers": None if self.multipliers is None
            else [[a, b, num(x)] for a, b, x in self.multipliers],
            "provenance": dict(self.provenance),
        }

    def plot(self, ax: Axes | None = None, **kwargs) -> Axes:
        """Plot the game with this solution (two or three states).

        See :func:`bayespersuade.plots.games.plot_game`.
        """
        from .plots.games import plot_game

        return plot_game(self.game, ax=ax, solution=self, **kwargs)

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "float"
        return (
            f"<Solution value={_fmt(self.value)} gain={_fmt(self.gain)} "
            f"signals={self.n_signals} {kind} method={self.method}>"
        )
