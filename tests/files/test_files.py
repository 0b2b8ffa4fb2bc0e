"""File plumbing (issues 11 and 12): one atomic writer, one CSV reader, bounded reading.

Every single-file writer goes through ``hubplan.files.atomic.atomic_file``: a
failing write (a full disk) leaves the previous file and no temporary file, and
a folder at the path is a one-line error before any work. Every CSV a user
gives is read by ``hubplan.files.tables.read_csv_table``; every input file is
opened by ``hubplan.files.reading`` (regular files only, within a size cap).
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubplan.errors import InputError
from hubplan.files.atomic import atomic_file, write_text_atomic
from hubplan.files.reading import CLIENT_FILE, SCENARIO_FILE, InputLimit, read_bounded
from hubplan.files.tables import CsvSpec, read_csv_table
from hubplan.points import Points
from hubplan.travel.external import external_matrix

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

CURRENT = str(SCENARIOS / "dorset-current.toml")
NO_SPACE = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
CLIENTS = CsvSpec(("postcode", "segment"), ("attendees",), "client row", CLIENT_FILE)


def _one_error_line(cli, stderr: str) -> str:
    message = cli.one_error_line(stderr)
    assert "; fix: " in message
    return message


# --- the atomic writer ---------------------------------------------------------------------------


def test_full_disk_mid_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "matrix.csv"
    target.write_text("the previous matrix\n")
    with pytest.raises(InputError, match=r"matrix\.csv: --out: cannot write the file \(No space left on device\); "
                                         r"fix: free some disk space"), atomic_file(target) as tmp:
        tmp.write_text("half a new mat")
        raise NO_SPACE
    assert target.read_text() == "the previous matrix\n"
    assert [p.name for p in tmp_path.iterdir()] == ["matrix.csv"]


def test_failed_write_removes_the_parent_folders_it_created(tmp_path: Path) -> None:
    with pytest.raises(InputError), atomic_file(tmp_path / "a" / "b" / "x.json", create_parent=True) as tmp:
        tmp.write_text("{")
        raise NO_SPACE
    assert list(tmp_path.iterdir()) == []


def test_atomic_file_refuses_a_folder_and_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot write the file \(a folder is at that path\)"):
        write_text_atomic(tmp_path, "x")
    with pytest.raises(InputError, match=r"cannot write the file \(No such file or directory\); "
                                         r"fix: give a path in an existing, writable folder"):
        write_text_atomic(tmp_path / "missing" / "x.json", "x")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    """Ctrl-C inside the block: the exception passes through, the temporary folder goes."""
    target = tmp_path / "x.txt"
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as tmp:
        tmp.write_text("partial")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def _with_partial_write_then_full_disk(name: str):
    """A stand-in for ``Path.write_text`` that writes part of ``name`` and then finds the disk full."""
    original = Path.write_text

    def write_text(self: Path, data: str, *args, **kwargs):
        if self.name != name:
            return original(self, data, *args, **kwargs)
        with open(self, "w", encoding="utf-8") as handle:  # noqa: PTH123 - a raw write, as the disk sees it
            handle.write(data[: len(data) // 2])
        raise NO_SPACE

    return write_text


def test_evaluate_json_on_a_full_disk_keeps_the_old_file(cli, tmp_path: Path, study_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``evaluate --json``: the previous metrics file survives, one line, exit code 2."""
    target = tmp_path / "metrics.json"
    target.write_text('{"previous": true}\n')
    monkeypatch.setattr(Path, "write_text", _with_partial_write_then_full_disk("metrics.json"))
    outcome = cli.invoke(["evaluate", CURRENT, "--study", str(study_path), "--json", str(target)])
    assert outcome.exit_code == 2, outcome.exception
    assert re.fullmatch(r".*metrics\.json: --json: cannot write the metrics file \(No space left on device\); "
                        r"fix: free some disk space.*", _one_error_line(cli, outcome.stderr))
    assert target.read_text() == '{"previous": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_travel_matrix_on_a_full_disk_keeps_the_old_file(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    points = tmp_path / "p.csv"
    points.write_text("id,lat,lon\nA,50.71,-2.44\nB,50.72,-2.45\n")
    target = tmp_path / "m.csv"
    target.write_text("the previous matrix\n")

    def to_csv(self: pd.DataFrame, path, *args, **kwargs) -> None:
        Path(path).write_bytes(b"origin_id,dest")
        raise NO_SPACE

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    outcome = cli.invoke(["travel", "matrix", "--origins", str(points), "--destinations", str(points),
                      "--out", str(target)])
    assert outcome.exit_code == 2, outcome.exception
    assert "m.csv: --out: cannot write the matrix CSV (No space left on device)" in _one_error_line(cli, outcome.stderr)
    assert target.read_text() == "the previous matrix\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "p.csv"]


def _must_not_run(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the work ran before the output path was checked")


@pytest.mark.parametrize("command", ["evaluate", "travel matrix", "travel calibrate", "data build", "network build"])
def test_a_folder_at_an_output_file_path_fails_before_any_work(cli,
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every single-file writer: a folder at the path is one line, exit 2, at once; nothing is touched."""
    import hubplan.api
    import hubplan.data.build
    import hubplan.travel
    import hubplan.travel.calibrated
    import hubplan.travel.roads

    for module, name in ((hubplan.api.Study, "open"), (hubplan.travel, "travel_matrix"),
                         (hubplan.travel.calibrated, "calibrate"), (hubplan.data.build, "build_study_area"),
                         (hubplan.travel.roads, "build_network")):
        monkeypatch.setattr(module, name, _must_not_run)
    folder = tmp_path / ("net.graphml.gz" if command == "network build" else "out")
    (folder / "keep").mkdir(parents=True)
    points = tmp_path / "p.csv"
    points.write_text("id,lat,lon\nA,50.71,-2.44\n")
    args = {
        "evaluate": ["evaluate", CURRENT, "--json", str(folder)],
        "travel matrix": ["travel", "matrix", "--origins", str(points), "--destinations", str(points),
                          "--out", str(folder)],
        "travel calibrate": ["travel", "calibrate", "--out", str(folder)],
        "data build": ["data", "build", "--out", str(folder)],
        "network build": ["network", "build", "--osm", str(points), "--out", str(folder)],
    }[command]
    before = cli.fingerprint(tmp_path)
    outcome = cli.invoke(args)
    assert outcome.exit_code == 2, outcome.exception
    assert "(a folder is at that path); fix: give the path of a file, not of a folder" in _one_error_line(cli,
        outcome.stderr)
    assert cli.fingerprint(tmp_path) == before


def test_network_write_on_a_full_disk_keeps_the_old_network(tmp_path: Path, monkeypatch) -> None:
    """The gzip network goes through a scratch file; a failure leaves the old network and no scratch."""
    import networkx as nx
    import osmnx as ox

    from hubplan.travel.roads import _write_graphml

    graph = nx.MultiDiGraph(crs="epsg:4326")
    graph.add_node(1, x=-2.44, y=50.71)
    graph.add_node(2, x=-2.45, y=50.72)
    graph.add_edge(1, 2, highway="primary", length=1500.0, travel_time=90.0)
    out = tmp_path / "nested" / "net.graphml.gz"
    _write_graphml(graph, out)
    assert [p.name for p in out.parent.iterdir()] == ["net.graphml.gz"]
    previous = out.read_bytes()
    assert previous[:2] == b"\x1f\x8b"

    def full_disk(_graph: object, filepath: object, **_kwargs: object) -> None:
        Path(filepath).write_text("<graphml")
        raise NO_SPACE

    monkeypatch.setattr(ox, "save_graphml", full_disk)
    with pytest.raises(InputError, match=r"net\.graphml\.gz: --out: cannot write the network file \(No space left"):
        _write_graphml(graph, out)
    assert out.read_bytes() == previous
    assert [p.name for p in out.parent.iterdir()] == ["net.graphml.gz"]


# --- the CSV reader ------------------------------------------------------------------------------


def test_csv_rules_bom_header_case_and_physical_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b'\xef\xbb\xbf Postcode ,SEGMENT\r\n\r\nDT1 1AA, older_people\r\n'
                     b'"DT1\r\n1AB",x\r\n\r\nBH20 4AA\r\n')
    table = read_csv_table(path, CLIENTS)
    assert table.rows.to_dict("records") == [
        {"postcode": "DT1 1AA", "segment": "older_people"},
        {"postcode": "DT1\r\n1AB", "segment": "x"},
        {"postcode": "BH20 4AA", "segment": ""},  # a short row has empty trailing cells
    ]
    assert table.lines.tolist() == [3, 4, 7]
    assert not table.has("attendees")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("postcode,segment\nA,b\n\nC,d,e\n", r"c\.csv: \(rows\): line 4: 3 fields, but the header has 2; fix: "),
        ("postcode,segment,Postcode\nA,b,c\n", r"c\.csv: postcode: column named twice in the header; fix: "),
        ("postcode,segment\n", r"c\.csv: \(rows\): no client rows; fix: export at least one client row"),
        ("\n\n", r"c\.csv: \(rows\): the file is empty; fix: "),
        ('postcode,segment\n"A,b\n', r"c\.csv: \(rows\): line 2: not valid CSV \(unexpected end of data\); fix: "),
        ("name,segment\nA,b\n", r"c\.csv: postcode: missing column; fix: give a header row with "
                                r"postcode,segment\[,attendees\]"),
    ],
)
def test_csv_errors_say_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_csv_table(path, CLIENTS)


def test_client_file_lines_are_physical_and_long_cells_shortened(study, tmp_path: Path) -> None:
    from hubplan.demand import demand_from_client_file
    from hubplan.scenario import DemandConfig

    path = tmp_path / "clients.csv"
    long_postcode = "X" * 5000
    path.write_text(f'postcode,segment\n\nDT1 1AA,older_people\n"DT1\n1AB",older_people\n'
                    f"{long_postcode},older_people\n")
    config = DemandConfig(method="client_file", client_file=path)
    with pytest.raises(InputError) as caught:
        demand_from_client_file(study, config, path)
    message = str(caught.value)
    assert "1 row(s) not geocoded: line 6 'XXXXXXXX" in message and "(5000 characters) (malformed)" in message
    assert len(message) < 400
    skipped = demand_from_client_file(study, config.model_copy(update={"on_unknown_postcode": "skip"}), path)
    assert [row.line for row in skipped.unmatched] == [6]


def test_matrix_header_case_and_bom_follow_the_same_rules(tmp_path: Path) -> None:
    """The OD matrix used to be the one CSV whose header was case-sensitive."""
    pts = Points(("a", "b"), np.array([-2.4, -2.2]), np.array([50.7, 50.8]))
    path = tmp_path / "od.csv"
    path.write_bytes("\ufeffOrigin_ID, Destination_ID ,MINUTES\na,a,0\na,b,20\n\nb,a,21\nb,b,0\n".encode())
    assert external_matrix(pts, pts, matrix_file=path).minutes.tolist() == [[0.0, 20.0], [21.0, 0.0]]
    path.write_text("origin_id,destination_id,minutes\na,a,0\na,b,-20\n\nb,a,21\nb,b,0\n")
    with pytest.raises(InputError, match=r"minutes: 1 rows are not finite numbers >= 0 \(lines 3\)"):
        external_matrix(pts, pts, matrix_file=path)


# --- bounded reading -----------------------------------------------------------------------------


def test_read_bounded_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match=r"loop\.csv: \(file\): cannot be read \(Too many levels of symbolic"):
        read_bounded(loop, CLIENT_FILE)
    with pytest.raises(InputError, match=r": \(file\): cannot be read \(Is a directory\)"):
        read_bounded(tmp_path, CLIENT_FILE)
    with pytest.raises(InputError, match=r"/dev/urandom: \(file\): it is a character device, not a regular file"):
        read_bounded("/dev/urandom", CLIENT_FILE)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"fifo\.toml: \(file\): it is a named pipe \(FIFO\), not a regular file"):
        read_bounded(fifo, SCENARIO_FILE)  # returns at once: the open does not wait for a writer
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "missing.toml", SCENARIO_FILE)


def test_read_bounded_caps_the_size(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_bytes(b"#" * 11)
    assert read_bounded(path, InputLimit("tiny file", 11)) == b"#" * 11
    with pytest.raises(InputError, match=r"a\.toml: \(file\): it is 12 bytes, over the 11 bytes cap for a tiny file"):
        path.write_bytes(b"#" * 12)
        read_bounded(path, InputLimit("tiny file", 11))


def test_scenario_over_the_cap_is_one_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b'name = "huge"\n' + b"#" * (SCENARIO_FILE.max_bytes + 200_000))
    outcome = cli.invoke(["scenario", "validate", str(path)])
    assert outcome.exit_code == 2
    assert re.fullmatch(r".*huge\.toml: \(file\): it is 1\.2 MB, over the 1 MB cap for a scenario file; fix: .+",
                        _one_error_line(cli, outcome.stderr))


def test_network_over_the_cap_is_refused_before_it_is_parsed(tmp_path: Path, monkeypatch) -> None:
    import hubplan.travel.roads as osm

    network = tmp_path / "net.osm"
    network.write_text("<osm>" + " " * 100 + "</osm>")
    monkeypatch.setattr(osm, "NETWORK_FILE", InputLimit("road network file", 100))
    with pytest.raises(InputError, match=r"net\.osm: --osm: it is 111 bytes, over the 100 bytes cap for a road "
                                         r"network file"):
        osm.load_network(network, field="--osm")


@pytest.mark.parametrize("kind", ["scenario", "client file"])
def test_a_fifo_input_does_not_hang(cli, kind: str, tmp_path: Path, study_path: Path) -> None:
    """A real process given a FIFO ends at once with one line (it used to wait for a writer for ever)."""
    fifo = tmp_path / "input.fifo"
    os.mkfifo(fifo)
    scenario = fifo
    if kind == "client file":
        scenario = tmp_path / "s.toml"
        scenario.write_text(
            f'name = "s"\n[demand]\nmethod = "client_file"\nclient_file = "{fifo.name}"\n'
            '[[sites.roles]]\nrole = "required"\nkind = "day_centre"\n[tiers.hub]\n'
        )
    env = dict(os.environ, COLUMNS="200")
    try:
        done = subprocess.run([str(cli.executable), "evaluate", str(scenario), "--study", str(study_path)],
                              capture_output=True, text=True, timeout=120, env=env, check=False)
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        pytest.fail("hubplan waited on the FIFO")
    assert done.returncode == 2, done.stderr
    field = r"\(file\)" if kind == "scenario" else r"demand\.client_file"
    assert re.fullmatch(rf".*input\.fifo: {field}: it is a named pipe \(FIFO\), not a regular file; fix: .+",
                        _one_error_line(cli, done.stderr))


if sys.platform != "linux":  # /dev/zero, FIFOs and O_NONBLOCK semantics as on the council's Linux servers
    pytestmark = pytest.mark.skip("Linux only")
