"""Write a sweep's outputs into ``outputs/<sweep>/``, atomically.

Files: ``variants.parquet`` and ``variants.csv`` (one row per variant, sorted by ID,
no timings: two runs of the same sweep write the same table), ``decisions.csv`` (one
row per decision, compared over the same demand draws), ``robustness.geojson``
and ``robustness.csv`` (each site's share of the plans, overall, per tier and per
group), ``robustness.png``, ``tradeoffs.png``, ``index.html`` (the summary page) and
``sweep.json`` (the sweep's definition, how it was run and the versions).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hubplan import __version__
from hubplan.data.schema import WGS84
from hubplan.files.atomic import atomic_directory, check_replaceable
from hubplan.files.jsontext import dumps_json
from hubplan.outputs.escape import csv_text
from hubplan.outputs.layers import geojson_text
from hubplan.sweep.charts import robustness_chart, trade_off_chart
from hubplan.sweep.decisions import decision_table
from hubplan.sweep.results import results_table, site_shares
from hubplan.sweep.run import SweepTiming
from hubplan.sweep.spec import SweepSpec
from hubplan.sweep.summary import summary_html
from hubplan.sweep.worker import SharedInputs, VariantResult
from hubplan.versions import dependency_versions

__all__ = ["SWEEP_FILES", "SWEEP_KIND", "check_sweep_folder", "write_sweep"]

log = logging.getLogger(__name__)

SWEEP_FILES = ("variants.parquet", "variants.csv", "decisions.csv", "robustness.geojson", "robustness.csv",
               "robustness.png", "tradeoffs.png", "index.html", "sweep.json")
"""Every file :func:`write_sweep` writes."""

SWEEP_KIND = "sweep"
"""The kind recorded in a sweep folder's marker: only a sweep replaces a sweep folder."""


def check_sweep_folder(out_root: Path, name: str) -> None:
    """Fail (``InputError``) unless ``out_root/name`` is absent or a sweep hubplan wrote (checked before solving)."""
    check_replaceable(Path(out_root) / name, kind=SWEEP_KIND, legacy_files=SWEEP_FILES)


def _sites(shared: SharedInputs) -> gpd.GeoDataFrame:
    """The base scenario's active sites: ID, name, kind, locality and position."""
    from hubplan.siting import resolve_sites

    sites = resolve_sites(shared.study, shared.base)
    sites = sites[sites["site_id"].isin(shared.travel.destination_ids)]
    return gpd.GeoDataFrame(sites[["site_id", "name", "kind", "locality"]].reset_index(drop=True),
                            geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=WGS84)


def _robustness_layer(sites: gpd.GeoDataFrame, shares: pd.DataFrame, tiers: Sequence[str]) -> gpd.GeoDataFrame:
    """Every active site with its share of all plans, overall and per tier (0 where never chosen)."""
    overall = shares[shares["group"] == "all"].set_index("site_id")
    layer = sites.copy()
    for column in ["share", *[f"share_{tier}" for tier in tiers]]:
        values = layer["site_id"].map(overall[column]) if column in overall else pd.Series(0.0, index=layer.index)
        layer[column] = values.fillna(0.0).astype(float)
    layer["variants"] = int(overall["variants"].iloc[0]) if len(overall) else 0
    return layer


def _csv(frame: pd.DataFrame, path: Path) -> None:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_text)
    safe.to_csv(path, index=False, lineterminator="\n")


def _definition(spec: SweepSpec, timing: SweepTiming, counts: dict[str, int]) -> dict[str, object]:
    return {
        "name": spec.name, "title": spec.title, "hubplan_version": __version__,
        "sweep_file": spec.source.name if spec.source else None,
        "scenario": {"name": spec.base.name, "file": spec.base.source_path.name if spec.base.source_path else None,
                     "sha256": spec.base.sha256},
        "axes": {axis: list(values) for axis, values in spec.axes.items()},
        "variants": len(spec.variants), "status": counts,
        "run": {"scheduler": timing.scheduler, "workers": timing.workers, "seconds": round(timing.seconds, 3)},
        "versions": dependency_versions(),
    }  # fmt: skip


def write_sweep(spec: SweepSpec, shared: SharedInputs, results: Sequence[VariantResult], timing: SweepTiming,
                out_root: Path = Path("outputs")) -> Path:
    """Write every output of a sweep into ``out_root/<sweep name>/`` atomically.

    Parameters
    ----------
    spec
        The sweep.
    shared
        Its shared inputs (for the sites' names and positions).
    results
        One per variant.
    timing
        How it was run (``sweep.json`` and the page's foot only).
    out_root
        The parent folder (``--out``).

    Returns
    -------
    pathlib.Path
        The sweep's folder.
    """
    table = results_table(spec, results)
    decisions = decision_table(tuple(spec.axes), table)
    tiers = list(spec.base.tiers)
    shares = site_shares(spec, table, tiers)
    sites = _sites(shared)
    names = dict(zip(sites["site_id"], sites["name"], strict=True))
    counts = {str(k): int(v) for k, v in table["status"].value_counts().sort_index().items()}
    target = Path(out_root) / spec.name
    with atomic_directory(target, kind=SWEEP_KIND, legacy_files=SWEEP_FILES) as tmp:
        table.to_parquet(tmp / "variants.parquet", index=False)
        _csv(table, tmp / "variants.csv")
        _csv(decisions, tmp / "decisions.csv")
        _csv(shares, tmp / "robustness.csv")
        layer = _robustness_layer(sites, shares, tiers)
        (tmp / "robustness.geojson").write_text(
            geojson_text(layer, name="robustness", attribution=list(shared.study.attributions),
                         description=f"Share of the plans of sweep {spec.name} that open each site"),
            encoding="utf-8")
        robustness_chart(shares, names, tmp / "robustness.png", title=spec.title)
        trade_off_chart(table, decisions, tmp / "tradeoffs.png", title=spec.title)
        (tmp / "index.html").write_text(summary_html(spec, table, shares, names, timing, decisions),
                                        encoding="utf-8")
        (tmp / "sweep.json").write_text(dumps_json(_definition(spec, timing, counts)), encoding="utf-8")
    log.info("sweep %s written to %s", spec.name, target)
    return target
