"""The numpy core: the facility-location problem, its checks and its exact solvers.

Nothing here knows about geodata, scenario files or outputs, and nothing here
imports hubplan above :mod:`hubplan.errors`.

- :mod:`~hubplan.core.problem`: :class:`Problem`, built from the plain data in
  :mod:`~hubplan.core.specs` (:class:`TierSpec`, :class:`Objective`, :class:`ProblemData`;
  words in :mod:`~hubplan.core.vocabulary`) and checked when built by
  :mod:`~hubplan.core.validation`.
- :mod:`~hubplan.core.checks`: pre-solve feasibility checks, as issues.
- :mod:`~hubplan.core.solve`: :func:`solve` and :func:`warm_up`; the strategies are in
  :mod:`~hubplan.core.strategies`.
- :mod:`~hubplan.core.formulate`: the mixed-integer model as numpy blocks (their container is
  :mod:`~hubplan.core.mip`);
  :mod:`~hubplan.core._mathopt` is the only module that imports OR-Tools.
- :mod:`~hubplan.core.solution`: :class:`Solution`, :class:`SolverStatus` and the one way to
  finish a solution; :mod:`~hubplan.core.evaluation` scores a fixed :class:`Plan`.
- :mod:`~hubplan.core.lagrange` (numpy and numba) and :mod:`~hubplan.core.heuristics`
  (numpy) are the problem-specific engines; :mod:`~hubplan.core.orlib` reads the
  OR-Library benchmark instances.
"""
