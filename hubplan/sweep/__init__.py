"""Sweeps: how robust a recommendation is to demand, tier counts, costs and travel assumptions.

- :mod:`~hubplan.sweep.spec`: the sweep file or ``--vary`` options, and the variants (stable IDs).
- :mod:`~hubplan.sweep.worker`: the shared inputs and the task that solves one variant.
- :mod:`~hubplan.sweep.run`: the variants on dask.distributed, or in a plain loop.
- :mod:`~hubplan.sweep.results`: the table, the Pareto front and each site's share of the plans.
- :mod:`~hubplan.sweep.charts` and :mod:`~hubplan.sweep.summary`: the PNG charts and the HTML page.
- :mod:`~hubplan.sweep.writer`: every output into ``outputs/<sweep>/``, atomically.
"""
