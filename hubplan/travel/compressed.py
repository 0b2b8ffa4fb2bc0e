"""Compressed travel inputs (``.gz``, ``.bz2``, ``.xz``, ``.zip``), decompressed within a size cap.

Matrices and road networks may be given compressed. A damaged file (truncated,
corrupt, not the format its name says) is an :class:`~hubplan.errors.InputError`
naming the file and the fix, and so is a file that expands beyond
:data:`MAX_DECOMPRESSED_BYTES`: the count is kept while streaming, so a
decompression bomb is stopped after at most that many bytes, never held whole in
memory.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO

from hubplan.errors import InputError, input_error

__all__ = [
    "MAX_DECOMPRESSED_BYTES",
    "CompressedInput",
    "Compression",
    "compression_of",
    "decompressed_copy",
    "open_decompressed",
]

MAX_DECOMPRESSED_BYTES: int = 1 << 30
"""The most bytes (1 GiB) a compressed input may expand to before it is refused.

Assumption, sized from a measured file: the Newport drive-network fixture
(``roads/fixtures`` of the shared data) is 7,467,725 bytes of GraphML for 12,732 edges
(587 bytes per edge) and 4,667,214 bytes of OSM XML, so 1 GiB holds about 1.8 million
edges of GraphML, several times what a county's drive network is assumed to have. An
origin-destination CSV row is about 40 bytes, so 1 GiB holds about 25 million pairs
against the 223 home areas x a few hundred sites of Dorset. Beyond it, the file is
taken to be the wrong file or a decompression bomb.
"""

_CHUNK_BYTES = 1 << 20
# What the decompressors raise on a damaged stream: truncation (EOFError), a bad header or
# data (OSError incl. gzip.BadGzipFile, zlib.error, lzma.LZMAError), a bad CRC or archive.
_DAMAGED = (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)


class Compression(Enum):
    """A compression format hubplan decompresses itself, named by its file suffix."""

    GZIP = ".gz"
    BZIP2 = ".bz2"
    XZ = ".xz"
    ZIP = ".zip"

    @property
    def label(self) -> str:
        """The format's usual name, for messages."""
        return {"GZIP": "gzip", "BZIP2": "bzip2", "XZ": "xz", "ZIP": "zip"}[self.name]


def compression_of(path: Path) -> Compression | None:
    """The compression a file's name says it has, or ``None`` for a plain file.

    Examples
    --------
    >>> compression_of(Path("od.csv.GZ")), compression_of(Path("roads.graphml"))
    (<Compression.GZIP: '.gz'>, None)
    """
    suffix = Path(path).suffix.lower()
    return next((c for c in Compression if c.value == suffix), None)


@dataclass(frozen=True)
class CompressedInput:
    """A compressed input file and where it was named, for one-line errors.

    Parameters
    ----------
    path
        The compressed file.
    source
        The file that named it (e.g. the scenario), or the file itself.
    field
        The setting or option that named it, e.g. ``"travel.matrix"``.
    limit
        The most bytes it may expand to (default :data:`MAX_DECOMPRESSED_BYTES`,
        read at call time so tests can lower it).
    """

    path: Path
    source: str | Path | None
    field: str
    limit: int | None = None

    @property
    def compression(self) -> Compression:
        """The format its name says (a plain file is a programming error here)."""
        found = compression_of(self.path)
        if found is None:
            raise ValueError(f"{self.path} has no compression suffix")
        return found

    @property
    def max_bytes(self) -> int:
        """The cap in force."""
        return MAX_DECOMPRESSED_BYTES if self.limit is None else self.limit

    def damaged(self, err: BaseException) -> InputError:
        """The error for a file that cannot be decompressed."""
        detail = str(err) or type(err).__name__
        return input_error(
            self.source, self.field,
            f"{self.path.name} cannot be decompressed as {self.compression.label} ({detail})",
            "copy or download it again (it may be truncated or damaged), or give it uncompressed",
        )

    def too_large(self) -> InputError:
        """The error for a file that expands beyond the cap."""
        return input_error(
            self.source, self.field,
            f"{self.path.name} expands to more than {_size_text(self.max_bytes)}, "
            "the limit for a compressed input",
            "check it is the intended file (one county's data is far smaller), or cut it to the study area",
        )


def _size_text(n_bytes: int) -> str:
    """A byte count for people.

    Examples
    --------
    >>> _size_text(1 << 30), _size_text(3 << 20), _size_text(1500)
    ('1 GiB', '3 MiB', '1,500 bytes')
    """
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n_bytes >= size and n_bytes % size == 0:
            return f"{n_bytes // size} {unit}"
    return f"{n_bytes:,} bytes"


class _BoundedReader(io.RawIOBase):
    """The decompressed bytes of a stream, raising one-line errors on damage or excess."""

    def __init__(self, stream: BinaryIO, origin: CompressedInput, archive: zipfile.ZipFile | None) -> None:
        super().__init__()
        self._stream = stream
        self._archive = archive
        self._origin = origin
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        # Read at most one byte past the cap (the count never exceeds it here), so that a
        # file of exactly the cap passes and a larger one is caught after one byte more.
        view = memoryview(buffer)[: self._origin.max_bytes + 1 - self._count]
        try:
            n_read: int = self._stream.readinto(view)  # type: ignore[attr-defined]
        except _DAMAGED as err:
            raise self._origin.damaged(err) from err
        self._count += n_read
        if self._count > self._origin.max_bytes:
            raise self._origin.too_large()
        return n_read

    def close(self) -> None:
        try:
            self._stream.close()
            if self._archive is not None:
                self._archive.close()
        finally:
            super().close()


def _bounded_reader(origin: CompressedInput) -> _BoundedReader:
    compression = origin.compression
    try:
        if compression is Compression.GZIP:
            return _BoundedReader(gzip.open(origin.path, "rb"), origin, None)  # type: ignore[arg-type]
        if compression is Compression.BZIP2:
            return _BoundedReader(bz2.open(origin.path, "rb"), origin, None)  # type: ignore[arg-type]
        if compression is Compression.XZ:
            return _BoundedReader(lzma.open(origin.path, "rb"), origin, None)  # type: ignore[arg-type]
        archive = zipfile.ZipFile(origin.path)
    except _DAMAGED as err:
        raise origin.damaged(err) from err
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) != 1:
        archive.close()
        raise input_error(
            origin.source, origin.field,
            f"{origin.path.name} holds {len(members)} files, not one",
            "zip exactly one file, or give it uncompressed",
        )
    try:
        return _BoundedReader(archive.open(members[0]), origin, archive)  # type: ignore[arg-type]
    except (*_DAMAGED, NotImplementedError) as err:  # NotImplementedError: an unsupported zip method
        archive.close()
        raise origin.damaged(err) from err


@contextmanager
def open_decompressed(origin: CompressedInput) -> Iterator[BinaryIO]:
    """Open a compressed file for streaming reads of its decompressed bytes.

    Parameters
    ----------
    origin
        The file, where it was named, and the cap.

    Yields
    ------
    BinaryIO
        A buffered reader. Reading raises :class:`~hubplan.errors.InputError` once the
        data is found damaged or passes the cap.

    Raises
    ------
    InputError
        The file is damaged, a zip does not hold exactly one file, or it expands
        beyond the cap.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "a.csv.gz"
    ...     _ = path.write_bytes(gzip.compress(b"x" * 10))
    ...     with open_decompressed(CompressedInput(path, None, "f")) as fh:
    ...         fh.read()
    b'xxxxxxxxxx'
    """
    with io.BufferedReader(_bounded_reader(origin), buffer_size=_CHUNK_BYTES) as reader:
        yield reader


@contextmanager
def decompressed_copy(origin: CompressedInput, name: str) -> Iterator[Path]:
    """Decompress into a temporary file named ``name``, deleted afterwards.

    For readers that need a path (osmnx). The copy is streamed, so at most the cap
    is written to disk and one chunk is held in memory.

    Parameters
    ----------
    origin
        The file, where it was named, and the cap.
    name
        The temporary file's name (its suffix tells the reader the format).

    Yields
    ------
    pathlib.Path
        The decompressed file.

    Raises
    ------
    InputError
        As :func:`open_decompressed`.
    """
    with tempfile.TemporaryDirectory(prefix="hubplan-") as folder:
        plain = Path(folder) / name
        with open_decompressed(origin) as source, plain.open("wb") as target:
            shutil.copyfileobj(source, target, _CHUNK_BYTES)
        yield plain
