"""hubplan's library API: a :class:`Study` opened once, then planned, evaluated, routed and published.

Every caller goes through this module: the command line (one call per command), the
sweep worker, the benchmarks and a live workshop server. None of them composes the
stages (:mod:`hubplan.pipeline`, :mod:`hubplan.optimise`, :mod:`hubplan.record`,
:mod:`hubplan.transport`, :mod:`hubplan.outputs`) by hand.

A :class:`Study` holds one scenario's inputs warm: the study area, demand, the sites'
roles and the travel matrix are loaded once by :meth:`Study.open`. Its methods return
typed records:

* :meth:`Study.plan` optimises (or evaluates a scenario with nothing to choose) and
  returns a :class:`~hubplan.record.RunRecord`;
* :meth:`Study.evaluate` scores the scenario's fixed plan, or any plan named by tier
  and site IDs (a workshop's "what if this one stays open?");
* :meth:`Study.figures` scores a plan without building its layers, for sweeps and
  live what-ifs;
* :meth:`Study.route` adds the minibus rounds to a record;
* :func:`publish` applies the disclosure rule: the only way to a
  :class:`~hubplan.outputs.published.Published` record, which is all the public
  writers accept; :func:`write_outputs` writes a run's folders.

Examples
--------
>>> study = Study.open("scenarios/council-proposal-2026.toml")  # doctest: +SKIP
>>> record = study.evaluate({"hub": ["CD01"]})  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hubplan.data.study import StudyArea
from hubplan.errors import InfeasibleError
from hubplan.optimise import SiteHint, evaluate_plan, optimise, problem_to_solve
from hubplan.outputs.published import Published, publish
from hubplan.pipeline import prepare
from hubplan.plan import Allocation, PreparedScenario
from hubplan.progress import Progress
from hubplan.record import RunRecord, figures_from_allocation, record_from_allocation
from hubplan.scenario import Scenario, load_scenario
from hubplan.travel import TravelMatrix

__all__ = [
    "Published",
    "SiteHint",
    "Study",
    "check_scenario",
    "evaluate_scenario",
    "publish",
    "run_scenario",
    "write_outputs",
]


@dataclass(frozen=True)
class Study:
    """One scenario's inputs, prepared once and kept warm.

    Parameters
    ----------
    prepared
        The study area, demand, site roles and travel matrix of the scenario
        (:func:`hubplan.pipeline.prepare`).
    """

    prepared: PreparedScenario

    @classmethod
    def open(cls, scenario: Scenario | Path | str, *, study_path: Path | None = None,
             progress: Progress | None = None) -> Study:
        """Load a scenario (a file or a validated :class:`~hubplan.scenario.Scenario`) and prepare its inputs.

        Parameters
        ----------
        scenario
            A scenario, or the path of a scenario file.
        study_path
            Override of the study-area GeoPackage.
        progress
            Optional ``(done, total)`` callback for long travel computations.

        Returns
        -------
        Study

        Raises
        ------
        InputError, DataError
            A bad scenario, study area or travel input, in one line with its fix.
        """
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        return cls(prepare(loaded, study_path=study_path, progress=progress))

    @property
    def scenario(self) -> Scenario:
        """The study's scenario."""
        return self.prepared.scenario

    @classmethod
    def sharing(cls, scenario: Scenario, area: StudyArea, travel: TravelMatrix) -> Study:
        """A study of ``scenario`` on an area and travel matrix already loaded (a sweep's shared inputs).

        Only the scenario's demand and site roles are prepared; the scenario must keep
        the matrix's sites (a sweep varies what keeps the candidate sites).

        Parameters
        ----------
        scenario
            The scenario (e.g. a sweep's variant).
        area
            The loaded study area.
        travel
            Minutes and km from every home area to the scenario's active sites.

        Returns
        -------
        Study

        Raises
        ------
        ValueError
            The scenario changes which sites take part.
        """
        from hubplan.demand import load_demand
        from hubplan.siting import resolve_sites

        sites = resolve_sites(area, scenario)
        active = (sites["role"] != "closed").to_numpy()
        if tuple(sites.loc[active, "site_id"]) != tuple(travel.destination_ids):
            raise ValueError("the parameters change which sites take part, but a sweep shares one travel matrix: "
                             "vary only what keeps the candidate sites")
        demand = load_demand(area, scenario.demand, client_file=scenario.resolve(scenario.demand.client_file))
        return cls(PreparedScenario(scenario, area, demand, sites, active, travel, {}))

    def vary(self, scenario: Scenario, *, travel: TravelMatrix | None = None) -> Study:
        """The same study area and sites under another scenario, its demand drawn afresh (see :meth:`sharing`)."""
        return Study.sharing(scenario, self.prepared.study, self.prepared.travel if travel is None else travel)

    def check(self) -> None:
        """Run every check ``hubplan run`` would stop on before its plan (``hubplan scenario validate``).

        The pre-solve checks, and when the scenario sets a journey limit, feasibility
        solves that it can be met (:func:`hubplan.core.limits.check_limits`: the home
        areas beyond it and the smallest limit any plan can meet).

        Raises
        ------
        InputError, InfeasibleError
            The first problem found, in one line with its fix.
        """
        from hubplan.core.checks import check_feasibility
        from hubplan.core.limits import check_limits

        problem, _ = problem_to_solve(self.prepared)
        try:
            check_feasibility(problem)
        except InfeasibleError:
            check_limits(problem)  # a journey limit to blame is named with its smallest achievable value
            raise
        check_limits(problem)  # journey limits are checked with feasibility solves, only when a scenario sets one

    def solve(self, *, alternatives: int = 1, hint: SiteHint | None = None,
              alternatives_differ: str = "buildings") -> tuple[Allocation, dict[str, float]]:
        """Optimise the plan (or evaluate it when the scenario leaves nothing to choose).

        Parameters
        ----------
        alternatives
            How many best distinct plans to find, the best included.
        hint
            A plan to start the search from (tier name -> site IDs).
        alternatives_differ
            ``"buildings"``: each plan opens a different set of buildings; ``"tiers"``: a plan
            may keep the buildings and move a tier between them.

        Returns
        -------
        tuple of (Allocation, dict)
            The plan and the seconds of each stage.
        """
        return optimise(self.prepared, alternatives=alternatives, hint=hint, alternatives_differ=alternatives_differ)

    def plan(self, *, alternatives: int = 1, transport: bool = True,
             transport_progress: Progress | None = None, alternatives_differ: str = "buildings") -> RunRecord:
        """Optimise the scenario: choose hubs, spokes and specialist sites, then assign attendees.

        Parameters
        ----------
        alternatives
            How many best distinct plans to find, the best included (their records, with
            their figures, go to the manifest and the report's "Other plans considered").
        transport
            Route the minibus rounds when the scenario has a ``[transport]`` table.
        transport_progress
            Optional ``(done, total)`` callback over the rounds routed.
        alternatives_differ
            As for :meth:`solve`.

        Returns
        -------
        RunRecord
            With the solver's status, objective, bound and gap in its manifest, or
            ``evaluated (fixed plan)`` when the scenario left nothing to choose.
        """
        allocation, seconds = self.solve(alternatives=alternatives, alternatives_differ=alternatives_differ)
        return self.record(allocation, seconds, transport=transport, transport_progress=transport_progress)

    def evaluate(self, plan: SiteHint | None = None, *, transport: bool = False,
                 transport_progress: Progress | None = None) -> RunRecord:
        """Evaluate a plan: the scenario's fixed plan, or the plan given by tier name and site IDs.

        Attendees go where the optimiser's model sends them in that plan (their tier's
        nearest open site within reach, journey limits and capacities), so a plan
        scores the same however it was made.

        Parameters
        ----------
        plan
            Tier name -> site IDs hosting it; ``None``: the scenario's fixed plan (its
            required sites, each in every tier it may take).
        transport
            Route the minibus rounds when the scenario has a ``[transport]`` table.
        transport_progress
            Optional ``(done, total)`` callback over the rounds routed.

        Returns
        -------
        RunRecord
        """
        allocation, seconds = self.allocate(plan)
        return self.record(allocation, seconds, transport=transport, transport_progress=transport_progress)

    def allocate(self, plan: SiteHint | None = None) -> tuple[Allocation, dict[str, float]]:
        """Who goes where in a plan (see :meth:`evaluate`), without its record."""
        if plan is None:
            return optimise(self.prepared, fixed=True)
        return evaluate_plan(self.prepared, plan)

    def figures(self, allocation: Allocation, *, breakdowns: bool = True) -> Mapping[str, Any]:
        """The metrics of a plan (overall and per locality), without layers or manifest.

        Parameters
        ----------
        allocation
            The plan (from :meth:`solve` or :meth:`allocate`).
        breakdowns
            Also break each block down by tier, segment, rural/urban class and deprivation.

        Returns
        -------
        Mapping
            The figures :func:`hubplan.metrics.compute_metrics` gives, as a record has them.
        """
        return figures_from_allocation(self.prepared, allocation, breakdowns=breakdowns)

    def record(self, allocation: Allocation, seconds: Mapping[str, float], *, transport: bool = False,
               transport_progress: Progress | None = None) -> RunRecord:
        """The run record of a plan, with its minibus rounds routed when ``transport`` is set and configured."""
        stage_seconds = dict(self.prepared.seconds, **seconds)
        routed = None
        if transport and self.scenario.transport is not None:
            from hubplan.transport import plan_transport  # OR-Tools routing: loaded only when routing

            start = time.perf_counter()
            routed = plan_transport(self.prepared, allocation, progress=transport_progress)
            stage_seconds["transport"] = time.perf_counter() - start
        return record_from_allocation(self.prepared, allocation, stage_seconds, routed)

    def with_time_limit(self, seconds: float | None) -> Study:
        """The study with its transport routing given ``seconds`` (``None``: unchanged)."""
        transport = self.scenario.transport
        if seconds is None or transport is None:
            return self
        scenario = self.scenario.model_copy(
            update={"transport": transport.model_copy(update={"time_limit_s": seconds})})
        return Study(replace(self.prepared, scenario=scenario))


def write_outputs(record: RunRecord, out_root: Path = Path("outputs")) -> tuple[Path, Path | None]:
    """Write a run: its operational rounds (client-file runs with transport) first, then the published folder.

    Parameters
    ----------
    record
        The run, as planned (not yet published: its operational rounds need the postcodes).
    out_root
        The parent folder (the command line's ``--out``).

    Returns
    -------
    tuple of (Path, Path or None)
        The public run folder, and the operational folder when one was written.
    """
    from hubplan.outputs.operational import write_operational
    from hubplan.outputs.writer import check_run_name, write_run

    check_run_name(record)
    operational = write_operational(record, out_root)  # never inside the public folder
    return write_run(publish(record), out_root), operational


def run_scenario(scenario: Scenario | Path | str, *, study_path: Path | None = None, progress: Progress | None = None,
                 alternatives: int = 1, transport: bool = True,
                 transport_progress: Progress | None = None, alternatives_differ: str = "buildings") -> RunRecord:
    """Open a study and plan it: ``Study.open(scenario).plan(...)`` (see :meth:`Study.plan`)."""
    study = Study.open(scenario, study_path=study_path, progress=progress)
    return study.plan(alternatives=alternatives, transport=transport, transport_progress=transport_progress,
                      alternatives_differ=alternatives_differ)


def evaluate_scenario(scenario: Scenario | Path | str, *, study_path: Path | None = None,
                      progress: Progress | None = None, transport: bool = False,
                      transport_progress: Progress | None = None) -> RunRecord:
    """Open a study and evaluate its fixed plan: ``Study.open(scenario).evaluate(...)`` (see :meth:`Study.evaluate`)."""
    study = Study.open(scenario, study_path=study_path, progress=progress)
    return study.evaluate(transport=transport, transport_progress=transport_progress)


def check_scenario(scenario: Scenario, *, study_path: Path | None = None) -> Study:
    """Open a study and run every check that needs no solving (``hubplan scenario validate``)."""
    study = Study.open(scenario, study_path=study_path)
    study.check()
    return study
