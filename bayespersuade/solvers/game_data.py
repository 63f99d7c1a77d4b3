"""The protocol through which the solvers read a game.

The solvers sit below :class:`bayespersuade.PersuasionGame` in the import graph:
they never import it, not even for type hints. They are written against
:class:`GameLike`, the few attributes and methods of a game they read, which
:class:`~bayespersuade.PersuasionGame` provides. (A protocol rather than a second
data class: a game is validated once, in its constructor, and the solvers read
its arrays without copying them.)
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal, Protocol

import numpy as np

__all__ = ["GameLike"]


class GameLike(Protocol):
    """What a solver reads of a game (implemented by :class:`~bayespersuade.PersuasionGame`).

    Examples
    --------
    >>> from bayespersuade.examples import prosecutor
    >>> from bayespersuade.solvers.game_data import GameLike
    >>> game: GameLike = prosecutor()
    >>> game.n_states, game.n_actions, game.is_rational
    (2, 2, True)
    """

    @property
    def n_states(self) -> int: ...

    @property
    def n_actions(self) -> int: ...

    @property
    def prior(self) -> np.ndarray:
        """The prior ``μ0`` as floats, shape ``(n_states,)``."""

    @property
    def sender_utility(self) -> np.ndarray:
        """``v(a, ω)`` as floats, shape ``(n_actions, n_states)``."""

    @property
    def receiver_utility(self) -> np.ndarray:
        """``u(a, ω)`` as floats, shape ``(n_actions, n_states)``."""

    @property
    def is_rational(self) -> bool: ...

    @property
    def states(self) -> tuple[Hashable, ...]: ...

    @property
    def actions(self) -> tuple[Hashable, ...]: ...

    @property
    def name(self) -> str | None: ...

    def exact_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Prior, sender and receiver utilities as object arrays of Fractions."""

    def best_response(
        self, belief: Any, *, tie_break: Literal["sender", "receiver"] = "sender",
        exact: bool | None = None,
    ) -> Any: ...

    def sender_value(
        self, belief: Any, *, tie_break: Literal["sender", "receiver"] = "sender",
        exact: bool | None = None,
    ) -> Any: ...

    def no_disclosure_value(
        self, *, exact: bool = False,
        tie_break: Literal["sender", "receiver"] = "sender",
    ) -> Any: ...

    def full_disclosure_value(
        self, *, exact: bool = False,
        tie_break: Literal["sender", "receiver"] = "sender",
    ) -> Any: ...
