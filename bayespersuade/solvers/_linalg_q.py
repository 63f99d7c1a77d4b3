"""Exact linear algebra over the rationals (FLINT through python-flint).

python-flint also backs sympy's ``DomainMatrix`` over ``QQ`` (sympy's
"flint" ground types); calling it directly avoids per-entry conversions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

__all__ = ["solve_rational"]


def solve_rational(
    matrix: Mapping[tuple[int, int], Fraction | int] | Sequence[Sequence[Fraction | int]],
    rhs: Sequence[Fraction | int],
    *,
    transpose: bool = False,
) -> list[Fraction] | None:
    """Solve the square system ``M x = rhs`` (or ``Mᵀ x = rhs``) exactly.

    Parameters
    ----------
    matrix : mapping (i, j) -> value, or a dense list of rows
        A sparse mapping lists the non-zero entries of a ``k x k`` matrix,
        ``k = len(rhs)``.
    rhs : sequence of Fraction or int
    transpose : bool, default False

    Returns
    -------
    list of Fraction, or None if the matrix is singular.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> solve_rational([[2, 1], [1, 3]], [F(1, 2), 1])
    [Fraction(1, 10), Fraction(3, 10)]
    >>> solve_rational([[1, 1], [1, 1]], [1, 2]) is None
    True
    """
    import flint

    k = len(rhs)
    M = flint.fmpq_mat(k, k)
    items = (
        matrix.items()
        if isinstance(matrix, Mapping)
        else (((i, j), x) for i, row in enumerate(matrix) for j, x in enumerate(row) if x != 0)
    )
    for (i, j), val in items:
        q = Fraction(val)
        entry = flint.fmpq(q.numerator, q.denominator)
        if transpose:
            M[j, i] = entry
        else:
            M[i, j] = entry
    b = flint.fmpq_mat(k, 1)
    for i, r in enumerate(rhs):
        q = Fraction(r)
        b[i, 0] = flint.fmpq(q.numerator, q.denominator)
    try:
        sol = M.solve(b)
    except ZeroDivisionError:
        return None
    return [Fraction(int(sol[i, 0].p), int(sol[i, 0].q)) for i in range(k)]
