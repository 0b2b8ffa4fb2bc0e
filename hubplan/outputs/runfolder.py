"""Read a run folder back for ``hubplan compare``: metrics, manifest and site statuses, checked.

A damaged file is named in one line (``FILE: FIELD: PROBLEM; fix: ...``), never a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubplan.errors import InputError, input_error
from hubplan.record.manifest import Manifest, read_manifest

__all__ = ["MEASURES", "TRANSPORT_MEASURES", "RunSummary", "SiteRole", "read_run"]

MEASURES: tuple[tuple[str, str], ...] = (
    ("sites_open", "Sites open"),
    ("sites_closed", "Sites closed"),
    ("buildings_kept", "Existing buildings kept"),
    ("mean_minutes", "Mean journey (min)"),
    ("p90_minutes", "90th percentile journey (min)"),
    ("max_minutes", "Longest journey (min)"),
    ("share_within.30", "Share within 30 min"),
    ("share_within.45", "Share within 45 min"),
    ("isolated.rural", "Isolated attendees, rural"),
    ("isolated.urban", "Isolated attendees, urban"),
    ("annual_building_cost", "Annual building cost (£)"),
    ("annual_travel_km", "Annual travel (km)"),
    ("annual_co2e_tonnes", "Annual CO2e (t)"),
)
"""``(metrics key, label)`` of each compared measure; dotted keys reach into sub-dicts."""

TRANSPORT_MEASURES: tuple[tuple[str, str], ...] = (
    ("passengers", "Transport: passengers, typical day"),
    ("vehicles", "Transport: vehicles"),
    ("vehicle_km_day", "Transport: vehicle-km per day"),
    ("vehicle_hours_day", "Transport: vehicle-hours per day"),
    ("ride_mean_minutes", "Transport: mean ride (min)"),
    ("ride_p90_minutes", "Transport: 90th percentile ride (min)"),
    ("ride_max_minutes", "Transport: longest ride (min)"),
    ("ride_over_direct", "Transport: ride time / direct drive"),
    ("co2e_tonnes_year", "Transport: CO2e per year (t)"),
    ("exception_passengers", "Transport: passengers by taxi (exceptions)"),
    ("cost_gbp_year", "Transport: vehicle and taxi cost per year (£)"),
)
"""``(key of a block of metrics.json's transport, label)`` of each compared transport measure."""

@dataclass(frozen=True)
class SiteRole:
    """An open site's tier in a run: the scenario's tier name, its kind and its label."""

    tier: str
    kind: str
    label: str


@dataclass(frozen=True)
class RunSummary:
    """What a comparison needs from one written run.

    ``title`` is the scenario's title as the manifest records it (the run name for
    runs written before titles were recorded); ``site_roles`` holds each open site's tier.
    """

    name: str
    folder: Path
    metrics: dict[str, Any]
    manifest: Manifest
    site_status: dict[str, str]
    site_names: dict[str, str]
    title: str = ""
    site_roles: dict[str, SiteRole] = field(default_factory=dict)

    @property
    def transport(self) -> dict[str, Any] | None:
        """``metrics.json``'s transport block, or ``None`` when the run's transport was not routed."""
        block = self.metrics.get("transport")
        return block if isinstance(block, dict) else None


def read_run(folder: Path) -> RunSummary:
    """Read a run folder written by :func:`~hubplan.outputs.writer.write_run`.

    Raises
    ------
    InputError
        The folder lacks ``metrics.json``, ``manifest.json`` or ``sites.geojson``, one of
        them is not a regular file of UTF-8 JSON holding an object, a site feature has no
        ``site_id``, or a compared measure is not a number.
    """
    folder = Path(folder)
    loaded = {name: _json_object(folder / name) for name in ("metrics.json", "manifest.json", "sites.geojson")}
    _check_metrics(folder / "metrics.json", loaded["metrics.json"])
    props = _site_properties(folder / "sites.geojson", loaded["sites.geojson"])
    manifest = read_manifest(loaded["manifest.json"], folder / "manifest.json")
    return RunSummary(
        name=folder.name,
        folder=folder,
        metrics=loaded["metrics.json"],
        manifest=manifest,
        site_status={p["site_id"]: p.get("status", "") for p in props},
        site_names={p["site_id"]: str(p.get("name") or p["site_id"]) for p in props},
        title=manifest.scenario.title or folder.name,
        site_roles={p["site_id"]: SiteRole(str(p.get("tier") or ""), str(p.get("tier_kind") or ""),
                                           str(p.get("tier_label") or p.get("tier") or ""))
                    for p in props if p.get("status") == "open"},
    )


_RUN_AGAIN = "write the run again with `hubplan run` (or give its scenario .toml file)"


def _damaged(path: Path, field: str, problem: str) -> InputError:
    return input_error(path, field, problem, _RUN_AGAIN)


def _json_object(path: Path) -> dict[str, Any]:
    """A run file's JSON object, or a one-line error naming the file."""
    if not path.is_file():
        if not path.exists() and not path.is_symlink():
            raise input_error(path, "RUN_DIR", "missing",
                              "give a folder written by `hubplan run`, or a scenario .toml file")
        raise _damaged(path, "RUN_DIR", "not a regular file")
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        raise _damaged(path, "RUN_DIR", f"cannot be read ({err.strerror or err})") from err
    except UnicodeDecodeError as err:
        raise _damaged(path, "RUN_DIR", "not UTF-8 text") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _damaged(path, "RUN_DIR", f"not valid JSON ({err.msg}, line {err.lineno})") from err
    except RecursionError as err:
        raise _damaged(path, "RUN_DIR", "not valid JSON (nested too deeply)") from err
    if not isinstance(data, dict):
        raise _damaged(path, "RUN_DIR", f"holds {_json_type(data)}, not a JSON object")
    return data


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value, for messages.

    Examples
    --------
    >>> _json_type([1]), _json_type(None), _json_type("x"), _json_type(True), _json_type(2.5)
    ('an array', 'null', 'a string', 'a boolean', 'a number')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _object_or_null(path: Path, field: str, value: Any) -> dict[str, Any]:
    """``value`` if it is an object, ``{}`` if null or absent; else an error naming the field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _damaged(path, field, f"holds {_json_type(value)}, not an object")
    return value


def _check_metrics(path: Path, metrics: dict[str, Any]) -> None:
    """Every compared measure is a number or null, in blocks that are objects."""
    blocks = {"overall": _object_or_null(path, "overall", metrics.get("overall"))}
    localities = _object_or_null(path, "localities", metrics.get("localities"))
    for area, block in localities.items():
        blocks[f"localities.{area}"] = _object_or_null(path, f"localities.{area}", block)
    _check_blocks(path, blocks, [key for key, _ in MEASURES])
    _check_transport(path, metrics.get("transport"))


def _check_blocks(path: Path, blocks: dict[str, dict[str, Any]], measures: list[str]) -> None:
    """Each block's ``suppressed`` is an array and each measure (a dotted path) a number or null."""
    for where, block in blocks.items():
        suppressed = block.get("suppressed")
        if suppressed is not None and not isinstance(suppressed, list):
            raise _damaged(path, f"{where}.suppressed", f"holds {_json_type(suppressed)}, not an array")
        for key in measures:
            value: Any = block
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            _check_number(path, f"{where}.{key}", value)


def _check_number(path: Path, field: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise _damaged(path, field, f"holds {_json_type(value)}, not a number")


def _check_transport(path: Path, transport: Any) -> None:
    """The transport block (if any) is an object whose status is text and whose compared figures are numbers."""
    block = _object_or_null(path, "transport", transport)
    status = block.get("status")
    if status is not None and not isinstance(status, str):
        raise _damaged(path, "transport.status", f"holds {_json_type(status)}, not text")
    blocks = {"transport.overall": _object_or_null(path, "transport.overall", block.get("overall"))}
    for area, figures in _object_or_null(path, "transport.localities", block.get("localities")).items():
        blocks[f"transport.localities.{area}"] = _object_or_null(path, f"transport.localities.{area}", figures)
    _check_blocks(path, blocks, [key for key, _ in TRANSPORT_MEASURES])


def _site_properties(path: Path, layer: dict[str, Any]) -> list[dict[str, Any]]:
    """The properties of each site feature, each with a non-empty string ``site_id``."""
    features = layer.get("features")
    if not isinstance(features, list):
        raise _damaged(path, "features", f"holds {_json_type(features)}, not an array of features")
    props = []
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise _damaged(path, f"features.{index}.properties", "not an object")
        site_id = properties.get("site_id")
        if not isinstance(site_id, str) or not site_id:
            raise _damaged(path, f"features.{index}.properties.site_id",
                           "missing" if site_id is None else f"holds {_json_type(site_id)}, not a site ID")
        props.append(properties)
    return props


