"""The numpy core: the facility-location problem, its checks and its exact solvers.

Nothing here knows about geodata, scenario files or outputs. OR-Tools is used in
:mod:`hubplan.core.solve` only; :mod:`hubplan.core.lagrange` (numba) and
:mod:`hubplan.core.heuristics` (numpy) are the problem-specific engines, and
:mod:`hubplan.core.orlib` reads the OR-Library benchmark instances.
"""
