"""Write every output of a run into ``outputs/<name>/``, atomically."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from hubplan.errors import input_error
from hubplan.files.atomic import atomic_directory, check_replaceable
from hubplan.files.jsontext import dumps_json
from hubplan.outputs.easy_read import write_easy_read
from hubplan.outputs.layers import ROUTES_LAYER, public_layers, write_geojson_layers, write_geopackage
from hubplan.outputs.operational import OPERATIONAL_SUFFIX
from hubplan.outputs.published import Published
from hubplan.outputs.report import report_markdown, write_report
from hubplan.outputs.staticmaps import STATIC_MAPS, footer_attribution, write_static_maps
from hubplan.outputs.webmap import write_map
from hubplan.record.run import RunRecord

__all__ = [
    "LEGACY_RUN_FILES",
    "OUTPUT_FILES",
    "RUN_KIND",
    "TRANSPORT_FILES",
    "check_run_folder",
    "check_run_name",
    "dumps_json",
    "is_unmarked_run",
    "write_run",
]

log = logging.getLogger(__name__)

OUTPUT_FILES = (
    "localities.geojson", "sites.geojson", "home_areas.geojson", "allocations.geojson",
    "catchments.geojson", "layers.gpkg", "metrics.json", "manifest.json", "map.html",
    *STATIC_MAPS, "report.md", "report.html", "easy_read.html",
)
"""Every file :func:`write_run` writes into the run folder (besides the marker file
:data:`~hubplan.files.atomic.MARKER` that says hubplan wrote it)."""

TRANSPORT_FILES = (f"{ROUTES_LAYER}.geojson",)
"""Files :func:`write_run` adds when the run has a transport plan (the routes layer)."""

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

RUN_KIND = "run"
"""The kind recorded in a run folder's marker: only a run replaces a run folder."""

LEGACY_RUN_FILES = frozenset({
    "localities.geojson", "sites.geojson", "home_areas.geojson", "allocations.geojson",
    "catchments.geojson", "layers.gpkg", "metrics.json", "manifest.json", "map.html",
    "map_journeys.png", "map_sites.png", "report.md", "report.html",
})
"""Every file of a run written before run folders carried the marker (hubplan before 18097ee)."""

LEGACY_WRITE_WINDOW_S = 600.0
"""An older run's files were written together: none is newer than its manifest by more than
this (s; a run writes its files within seconds). A later file is the user's edit (assumption)."""


LEGACY_MANIFEST_BYTES = 10_000_000
"""The largest ``manifest.json`` read when recognising an older run (a real one is a few kB)."""


def _legacy_manifest_names(folder: Path, manifest: object) -> bool:
    """Whether ``manifest`` is hubplan's and names the scenario the folder is named after."""
    if not isinstance(manifest, dict) or "hubplan_version" not in manifest:
        return False
    scenario = manifest.get("scenario")
    return isinstance(scenario, dict) and scenario.get("name") == folder.name


def is_unmarked_run(folder: Path) -> bool:
    """Whether ``folder`` is a whole run written before run folders carried the marker file.

    Such a folder holds exactly :data:`LEGACY_RUN_FILES`, every one a regular file, none
    modified more than :data:`LEGACY_WRITE_WINDOW_S` after its ``manifest.json``, which is
    hubplan's (``hubplan_version``) and names the scenario the folder is named after. A
    user's folder with a copied manifest, a missing or an added file, or an edited report
    is not adopted.
    """
    try:
        entries = list(folder.iterdir())
        if {entry.name for entry in entries} != LEGACY_RUN_FILES:
            return False
        if any(entry.is_symlink() or not entry.is_file() for entry in entries):
            return False
        written = (folder / "manifest.json").stat().st_mtime
        if any(entry.stat().st_mtime > written + LEGACY_WRITE_WINDOW_S for entry in entries):
            return False
        if (folder / "manifest.json").stat().st_size > LEGACY_MANIFEST_BYTES:
            return False
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return _legacy_manifest_names(folder, manifest)


def check_run_folder(out_root: Path, name: str, *, option: str = "--out") -> None:
    """Fail (``InputError``) unless ``out_root/name`` may take a run: absent, a run hubplan wrote, or an older run."""
    check_replaceable(Path(out_root) / name, kind=RUN_KIND, option=option, adopt=is_unmarked_run,
                      legacy_files=(*OUTPUT_FILES, *TRANSPORT_FILES))


def check_run_name(record: RunRecord) -> None:
    """Refuse a run name that cannot be a plain output folder, or that the operational folder keeps.

    Raises
    ------
    InputError
        The name is not a plain folder name, or ends in the operational suffix.
    """
    scenario_path = record.manifest.scenario.file
    if not _SAFE_NAME.match(record.name):
        raise input_error(
            scenario_path or "scenario", "name",
            f"{record.name!r} cannot be used as an output folder name",
            "use letters, digits, '.', '_' or '-' (at most 100, starting with a letter or digit)",
        )
    if record.name.endswith(OPERATIONAL_SUFFIX):
        raise input_error(scenario_path or "scenario", "name",
                          f"{record.name!r} ends in {OPERATIONAL_SUFFIX!r}, kept for the operational folder of a "
                          "client-file run", f"choose a name that does not end in {OPERATIONAL_SUFFIX!r}")


def write_run(published: Published, out_root: Path = Path("outputs")) -> Path:
    """Write all public outputs of a published run into ``out_root/<name>/`` atomically.

    Everything is written into a temporary sibling folder first; only when all files
    are complete is the previous run's folder renamed aside, the new one renamed in and
    the old one removed. If anything fails, the previous outputs stay intact and no
    temporary folder is left behind. An existing folder is replaced only if hubplan
    wrote it (it carries the marker file ``.hubplan-output``, or :func:`is_unmarked_run`)
    and it holds nothing else.

    Only a :class:`~hubplan.outputs.published.Published` record is accepted: the
    disclosure rule has been applied. A client-file run's operational rounds are written
    apart, before it, by :func:`hubplan.api.write_outputs`.

    Parameters
    ----------
    published
        The run to write, as :func:`~hubplan.outputs.published.publish` made it.
    out_root
        The parent folder (the command line's ``--out``).

    Returns
    -------
    pathlib.Path
        The run folder.

    Raises
    ------
    InputError
        The run name is not a plain folder name; the output folder exists and hubplan did
        not write it (or the user added files to it); or it cannot be written.
    DataError
        The record lacks a documented column.
    """
    record = published.record
    check_run_name(record)
    target = Path(out_root) / record.name
    attribution = list(record.attributions)
    layers = public_layers(published)
    metrics = published.metrics
    with atomic_directory(target, kind=RUN_KIND, adopt=is_unmarked_run,
                          legacy_files=(*OUTPUT_FILES, *TRANSPORT_FILES)) as tmp:
        write_geojson_layers(layers, tmp, attribution=attribution)
        write_geopackage(layers, tmp / "layers.gpkg", attribution=attribution)
        (tmp / "metrics.json").write_text(dumps_json(metrics), encoding="utf-8")
        (tmp / "manifest.json").write_text(
            dumps_json({**record.manifest.as_dict(), "attributions": attribution,
                        "suppress_below": record.suppress_below}),
            encoding="utf-8",
        )
        write_map(published, layers, tmp / "map.html")
        write_static_maps(layers, tmp, title=record.title, attribution=footer_attribution(attribution),
                          isolation_minutes=float(record.metrics["overall"]["isolation_minutes"]))
        files = (*OUTPUT_FILES, *(TRANSPORT_FILES if ROUTES_LAYER in layers else ()))
        text = report_markdown(published, layers, STATIC_MAPS, files=files)
        write_report(text, tmp, title=record.title)
        write_easy_read(published, layers, tmp / "easy_read.html")
    log.info("run %s written to %s", record.name, target)
    return target
