"""Compressed matrices and networks: damage and decompression bombs are one-line errors.

Real damaged files: a gzip cut short, a bz2 with a valid header and garbage after it,
a "zip" that is not one; and a small gzip that expands beyond the cap (lowered here so
the test stays small), which must be stopped while streaming, not after inflating.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hubplan.errors import InputError
from hubplan.points import Points
from hubplan.travel import compressed, travel_matrix
from hubplan.travel.compressed import CompressedInput, decompressed_copy, open_decompressed
from hubplan.travel.roads import load_network

HOMES = Points(("H1", "H2"), np.array([-2.44, -2.16]), np.array([50.71, 50.86]))
SITES = Points(("S1",), np.array([-2.43]), np.array([50.61]))
MATRIX = b"origin_id,destination_id,minutes\nH1,S1,12.5\nH2,S1,31\n"


def _matrix(path: Path) -> np.ndarray:
    return travel_matrix(HOMES, SITES, model="matrix", matrix_file=path, source_label="s.toml").minutes


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("name", "compress"),
    [("od.csv.gz", gzip.compress), ("od.csv.bz2", bz2.compress), ("od.csv.xz", lzma.compress),
     ("od.csv.zip", None)],
)
def test_compressed_matrix_reads_like_the_plain_one(tmp_path: Path, name: str, compress) -> None:
    plain = tmp_path / "od.csv"
    plain.write_bytes(MATRIX)
    packed = tmp_path / name
    if compress is None:
        _zip(packed, {"od.csv": MATRIX})
    else:
        packed.write_bytes(compress(MATRIX))
    np.testing.assert_array_equal(_matrix(packed), _matrix(plain))
    assert _matrix(packed).tolist() == [[12.5], [31.0]]


def test_truncated_gzip_matrix(tmp_path: Path) -> None:
    rows = b"".join(b"H%d,S1,%d\n" % (i, i) for i in range(5000))
    data = gzip.compress(MATRIX + rows)
    path = tmp_path / "od.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as caught:
        _matrix(path)
    assert str(caught.value) == (
        "s.toml: od.csv.gz: travel.matrix: od.csv.gz cannot be decompressed as gzip "
        "(Compressed file ended before the end-of-stream marker was reached); "
        "fix: copy or download it again (it may be truncated or damaged), or give it uncompressed"
    )


def test_corrupt_bz2_matrix(tmp_path: Path) -> None:
    path = tmp_path / "od.csv.bz2"
    path.write_bytes(b"BZh9" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"^s\.toml: od\.csv\.bz2: travel\.matrix: od\.csv\.bz2 cannot be "
                                         r"decompressed as bzip2 \(Invalid data stream\); fix: .+$"):
        _matrix(path)


def test_bad_zip_matrix(tmp_path: Path) -> None:
    path = tmp_path / "od.csv.zip"
    path.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(InputError, match=r"travel\.matrix: od\.csv\.zip cannot be decompressed as zip "
                                         r"\(File is not a zip file\); fix: "):
        _matrix(path)


def test_zip_with_a_corrupted_member_is_caught_by_its_checksum(tmp_path: Path) -> None:
    path = _zip(tmp_path / "od.csv.zip", {"od.csv": MATRIX})
    data = bytearray(path.read_bytes())
    data[data.index(b"od.csv") + 6] ^= 0xFF  # first byte of the deflated data
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"od\.csv\.zip cannot be decompressed as zip \(.+\); fix: "):
        _matrix(path)


def test_zip_with_two_files_matrix(tmp_path: Path) -> None:
    path = _zip(tmp_path / "od.csv.zip", {"a.csv": MATRIX, "b.csv": MATRIX})
    with pytest.raises(InputError, match=r"od\.csv\.zip holds 2 files, not one; fix: zip exactly one file"):
        _matrix(path)


def test_gzip_bomb_matrix_is_stopped_at_the_cap_while_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """64 MiB of inflated rows from a ~0.2 MiB file, cap 1 MiB: refused having held little memory."""
    monkeypatch.setattr(compressed, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    path = tmp_path / "od.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(MATRIX)
        row = b"H1,S1,12.5\n" * 100_000
        for _ in range(64 * (1 << 20) // len(row)):
            fh.write(row)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            _matrix(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == (
        "s.toml: od.csv.gz: travel.matrix: od.csv.gz expands to more than 1 MiB, the limit for a compressed "
        "input; fix: check it is the intended file (one county's data is far smaller), or cut it to the "
        "study area"
    )
    assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB: the file was inflated before the cap was checked"


def test_a_file_of_exactly_the_cap_passes_and_one_byte_more_does_not(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"y" * 1000))
    with open_decompressed(CompressedInput(path, None, "f", limit=1000)) as fh:
        assert fh.read() == b"y" * 1000
    with pytest.raises(InputError, match="expands to more than 999 bytes"), \
            open_decompressed(CompressedInput(path, None, "f", limit=999)) as fh:
        fh.read()


def test_decompressed_copy_is_removed_afterwards(tmp_path: Path) -> None:
    path = tmp_path / "x.bz2"
    path.write_bytes(bz2.compress(b"hello"))
    with decompressed_copy(CompressedInput(path, None, "f"), "x.txt") as plain:
        assert plain.read_bytes() == b"hello" and plain.name == "x.txt"
    assert not plain.exists() and not plain.parent.exists()


# --- road networks -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixtures(source_dir: Path) -> Path:
    return source_dir / "roads" / "fixtures"


def test_truncated_graphml_gz_network(fixtures: Path, tmp_path: Path) -> None:
    data = (fixtures / "newport-2023-06-13_drive.graphml.gz").read_bytes()
    path = tmp_path / "roads.graphml.gz"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError) as caught:
        load_network(path, source_label="s.toml")
    assert str(caught.value) == (
        "s.toml: travel.network: roads.graphml.gz cannot be decompressed as gzip "
        "(Compressed file ended before the end-of-stream marker was reached); "
        "fix: copy or download it again (it may be truncated or damaged), or give it uncompressed"
    )


def test_corrupt_osm_bz2_network(fixtures: Path, tmp_path: Path) -> None:
    data = bytearray((fixtures / "West-Oakland.osm.bz2").read_bytes())
    data[200:260] = bytes(60)  # zero a stretch of the compressed blocks
    path = tmp_path / "roads.osm.bz2"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"^s\.toml: travel\.network: roads\.osm\.bz2 cannot be decompressed as "
                                         r"bzip2 \(Invalid data stream\); fix: "):
        load_network(path, source_label="s.toml")


def test_network_bomb_is_stopped_at_the_cap(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real Newport GraphML (7.5 MB inflated) against a 1 MiB cap: refused, nothing left in tmp."""
    monkeypatch.setattr(compressed, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    with pytest.raises(InputError, match=r"^s\.toml: travel\.network: newport-2023-06-13_drive\.graphml\.gz "
                                         r"expands to more than 1 MiB, the limit for a compressed input; fix: "):
        load_network(fixtures / "newport-2023-06-13_drive.graphml.gz", source_label="s.toml")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_compressed_networks_load_as_before(fixtures: Path) -> None:
    """The streamed copy gives the same graph the in-memory decompression gave."""
    import osmnx as ox

    path = fixtures / "newport-2023-06-13_drive.graphml.gz"
    graph = load_network(path)
    before = ox.load_graphml(graphml_str=gzip.decompress(path.read_bytes()).decode("utf-8"))
    assert list(graph.nodes) == list(before.nodes)
    assert list(graph.edges(keys=True, data="travel_time")) == list(before.edges(keys=True, data="travel_time"))
    assert load_network(fixtures / "West-Oakland.osm.bz2").number_of_edges() == 110
