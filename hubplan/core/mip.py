"""The container of a mixed-integer model: variables, rows and objective terms as numpy blocks.

:class:`MipModel` accumulates the blocks that :mod:`hubplan.core.formulate` builds, one
constraint family at a time; :class:`Layout` says where each decision lives in the variable
vector, so a solution can be read back as a plan. Nothing here knows the problem or the
engine that will solve the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from hubplan.core.vocabulary import OBJECTIVE_TERMS, FloatArray, IntArray

__all__ = ["Layout", "MipModel", "Pairs"]


class MipModel:
    """Variables, rows and objective terms of a mixed-integer model, accumulated as numpy blocks."""

    def __init__(self) -> None:
        self._lb: list[FloatArray] = []
        self._ub: list[FloatArray] = []
        self._integer: list[np.ndarray] = []
        self.n_variables = 0
        self._row: list[IntArray] = []
        self._col: list[IntArray] = []
        self._val: list[FloatArray] = []
        self._row_lo: list[FloatArray] = []
        self._row_hi: list[FloatArray] = []
        self.n_rows = 0
        self._terms: dict[str, list[tuple[IntArray, FloatArray]]] = {t: [] for t in OBJECTIVE_TERMS}
        #: Constant part of each objective term.
        self.constant: dict[str, float] = dict.fromkeys(OBJECTIVE_TERMS, 0.0)
        self._matrix: sp.csr_matrix | None = None

    def add_variables(self, k: int, *, lb: float | FloatArray = 0.0, ub: float | FloatArray = 1.0,
                      integer: bool = False) -> IntArray:
        """Add ``k`` variables; return their indices."""
        idx = np.arange(self.n_variables, self.n_variables + k, dtype=np.int64)
        self._lb.append(np.broadcast_to(np.asarray(lb, float), (k,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, float), (k,)).copy())
        self._integer.append(np.full(k, integer))
        self.n_variables += k
        return idx

    def add_rows(self, row: np.ndarray, col: np.ndarray, val: np.ndarray | float,
                 lo: np.ndarray | float, hi: np.ndarray | float, n_rows: int) -> None:
        """Add ``n_rows`` rows ``lo <= A x <= hi`` given as coordinates (``row`` counts from 0 within the block)."""
        row = np.asarray(row, np.int64)
        col = np.asarray(col, np.int64)
        self._row.append(row + self.n_rows)
        self._col.append(col)
        self._val.append(np.broadcast_to(np.asarray(val, float), col.shape).copy())
        self._row_lo.append(np.broadcast_to(np.asarray(lo, float), (n_rows,)).copy())
        self._row_hi.append(np.broadcast_to(np.asarray(hi, float), (n_rows,)).copy())
        self.n_rows += n_rows
        self._matrix = None

    def add_term(self, name: str, idx: np.ndarray, coef: np.ndarray | float) -> None:
        """Add ``coef * x[idx]`` to the objective term ``name``."""
        idx = np.asarray(idx, np.int64)
        self._terms[name].append((idx, np.broadcast_to(np.asarray(coef, float), idx.shape).copy()))

    def term_vector(self, name: str) -> FloatArray:
        """The coefficients of the objective term ``name`` over all variables."""
        vec = np.zeros(self.n_variables)
        for idx, coef in self._terms[name]:
            np.add.at(vec, idx, coef)
        return vec

    def variable_bounds(self) -> tuple[FloatArray, FloatArray, np.ndarray]:
        """Lower bounds, upper bounds and integrality of every variable."""
        if not self._lb:
            return np.zeros(0), np.zeros(0), np.zeros(0, bool)
        return np.concatenate(self._lb), np.concatenate(self._ub), np.concatenate(self._integer)

    def row_bounds(self) -> tuple[FloatArray, FloatArray]:
        """Lower and upper bounds of every row."""
        if not self._row_lo:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(self._row_lo), np.concatenate(self._row_hi)

    def matrix(self) -> sp.csr_matrix:
        """The constraint matrix, duplicates summed, indices sorted (cached until rows are added)."""
        if self._matrix is None:
            self._matrix = self._assemble()
        return self._matrix

    def _assemble(self) -> sp.csr_matrix:
        if not self._row:
            return sp.csr_matrix((0, self.n_variables))
        a = sp.coo_matrix(
            (np.concatenate(self._val), (np.concatenate(self._row), np.concatenate(self._col))),
            shape=(self.n_rows, self.n_variables),
        ).tocsr()
        a.sum_duplicates()
        a.sort_indices()
        return a


class Pairs(NamedTuple):
    """The assignment variables of one tier: client, site and variable index of each allowed pair."""

    clients: IntArray
    sites: IntArray
    variables: IntArray


@dataclass
class Layout:
    """Where each decision lives in the variable vector."""

    #: Per tier: ``(m,)`` variable index of ``y`` for each site, -1 where the site may not open.
    y: list[IntArray] = field(default_factory=list)
    #: Sites shared by tiers only: ``(m,)`` variable index of the building decision ``b``, -1 where none.
    building: IntArray | None = None
    #: Per assign tier (by tier index): its assignment variables.
    pairs: dict[int, Pairs] = field(default_factory=dict)
    #: Per assign tier, sparsified models only: clients with a slack variable, and those variables.
    slack: dict[int, tuple[IntArray, IntArray]] = field(default_factory=dict)
