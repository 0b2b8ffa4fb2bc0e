"""Reach a Dask scheduler given by address, or say in one line why not, within a bounded time.

``--scheduler`` is checked in three steps before a ``dask.distributed.Client`` is made
(whose own connection can wait half a minute on a silent listener, allocate what a
garbage length prefix asks for, and print a traceback from its finaliser):

1. the address (:func:`parse_scheduler_address`): ``tcp://HOST:PORT`` or ``tls://HOST:PORT``
   (or ``HOST:PORT``, meaning tcp), a port 1-65535, no spaces or control characters;
2. the listener (:func:`check_listener`): a plain socket connects within the timeout and
   reads the first frame a Dask peer sends unasked (its handshake), which must announce
   a small message (at most :data:`HANDSHAKE_MAX_BYTES`); a closed port, a silent
   listener, an HTTP server or garbage fail here;
3. the peer (:func:`scheduler_identity`): dask's own ``identity`` call, bounded by the same
   timeout, must answer ``type = "Scheduler"`` (a worker's address is refused), and
   tells how many workers it has.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hubplan.errors import InputError, input_error

__all__ = [
    "HANDSHAKE_MAX_BYTES",
    "SCHEDULER_SCHEMES",
    "SCHEDULER_TIMEOUT_S",
    "SchedulerAddress",
    "check_listener",
    "parse_scheduler_address",
    "reach_scheduler",
    "scheduler_identity",
]

SCHEDULER_SCHEMES = ("tcp", "tls")
"""The transports a sweep's scheduler may be reached by (dask's TCP comm, with or without TLS)."""

SCHEDULER_TIMEOUT_S = 20.0
"""How long reaching a scheduler may take, each step (s; ``--scheduler-timeout``). Assumption:
a scheduler on a network answers in well under a second; 20 s allows a slow link."""

HANDSHAKE_MAX_BYTES = 64 * 1024
"""Largest first frame accepted from a scheduler (bytes). Dask's handshake is under 100 bytes
(measured: 58 with distributed 2026.8); a larger announced length is not Dask."""

_FRAME_PREFIX = struct.Struct("<Q")  # dask's TCP comm: the frames' total length, uint64 little-endian


@dataclass(frozen=True)
class SchedulerAddress:
    """A checked scheduler address.

    Parameters
    ----------
    scheme, host, port
        Its parts (``scheme`` one of :data:`SCHEDULER_SCHEMES`).
    """

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _refuse(address: str, problem: str, fix: str = "give it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
            ) -> InputError:
    shown = address.encode("unicode_escape").decode("ascii")[:200]
    return input_error("--scheduler", shown or "''", problem, fix)


def parse_scheduler_address(address: str) -> SchedulerAddress:
    """Check ``address`` and split it into scheme, host and port.

    Raises
    ------
    InputError
        Empty; a space or control character; an unsupported scheme; no host; a port
        that is missing, not a number or outside 1-65535.

    Examples
    --------
    >>> str(parse_scheduler_address("10.0.0.5:8786")), str(parse_scheduler_address("tls://[::1]:8786"))
    ('tcp://10.0.0.5:8786', 'tls://[::1]:8786')
    >>> parse_scheduler_address("http://10.0.0.5:8786")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hubplan.errors.InputError: --scheduler: http://10.0.0.5:8786: unsupported scheme 'http' ...
    """
    if not address.strip():
        raise _refuse(address, "no address")
    if any(ch.isspace() or not ch.isprintable() for ch in address):
        raise _refuse(address, "holds a space, line break or control character")
    text = address if "://" in address else f"tcp://{address}"
    parts = urlsplit(text)
    if parts.scheme not in SCHEDULER_SCHEMES:
        raise _refuse(address, f"unsupported scheme {parts.scheme!r} (a sweep reaches a scheduler by "
                      f"{' or '.join(SCHEDULER_SCHEMES)})")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise _refuse(address, "holds more than a host and a port")
    try:
        port = parts.port
    except ValueError:
        raise _refuse(address, "the port is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise _refuse(address, "no host")
    if port is None or not 1 <= port <= 65535:
        raise _refuse(address, "no port (a number from 1 to 65535)")
    return SchedulerAddress(parts.scheme, parts.hostname, port)


def _receive(sock: socket.socket, n_bytes: int, deadline: float) -> bytes:
    data = b""
    while len(data) < n_bytes:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = sock.recv(n_bytes - len(data))
        if not chunk:
            raise ConnectionResetError("the listener closed the connection")
        data += chunk
    return data


def check_listener(address: SchedulerAddress, timeout_s: float) -> None:
    """Connect with a plain socket and read the first frame: a Dask peer's handshake, small and prompt.

    For ``tls`` only the connection is checked (the handshake is encrypted).

    Raises
    ------
    InputError
        Nothing listens (refused, unreachable, no answer within ``timeout_s``), or what
        answers is not a Dask peer (silent, closing, or a first frame that is not Dask's).
    """
    fix = "start one (`dask scheduler`) or give its tcp://HOST:PORT"
    deadline = time.monotonic() + timeout_s
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout_s) as sock:
            if address.scheme != "tcp":
                return
            (length,) = _FRAME_PREFIX.unpack(_receive(sock, _FRAME_PREFIX.size, deadline))
            if not 0 < length <= HANDSHAKE_MAX_BYTES:
                raise _refuse(str(address), "what listens there is not a Dask scheduler (its first message is "
                              "not Dask's handshake)", fix)
            _receive(sock, length, deadline)
    except TimeoutError:
        raise _refuse(str(address), f"no Dask scheduler answered within {timeout_s:g} s", fix) from None
    except OSError as err:
        reason = err.strerror or str(err) or type(err).__name__
        raise _refuse(str(address), f"cannot reach the scheduler ({reason})", fix) from None


async def _identity(address: str, timeout_s: float) -> Any:
    from distributed.comm import connect  # type: ignore[attr-defined]  # re-exported, not listed in __all__

    comm = await connect(address, timeout=timeout_s)  # type: ignore[no-untyped-call]  # distributed is untyped
    try:
        await comm.write({"op": "identity"})
        return await comm.read()
    finally:
        comm.abort()


def scheduler_identity(address: SchedulerAddress, timeout_s: float) -> dict[str, Any]:
    """Dask's ``identity`` of the peer at ``address``, bounded by ``timeout_s``.

    Raises
    ------
    InputError
        No answer in time, an answer that is not an identity, or a peer that is not a scheduler.
    """
    fix = "give the address of a Dask scheduler (`dask scheduler` prints it)"
    try:
        found = asyncio.run(asyncio.wait_for(_identity(str(address), timeout_s), timeout_s))
    except TimeoutError:
        raise _refuse(str(address), f"no Dask scheduler answered within {timeout_s:g} s", fix) from None
    except (OSError, MemoryError, ValueError, TypeError, KeyError) as err:
        raise _refuse(str(address), f"not a Dask scheduler ({type(err).__name__})", fix) from None
    if not isinstance(found, dict) or found.get("type") != "Scheduler":
        kind = found.get("type") if isinstance(found, dict) else type(found).__name__
        raise _refuse(str(address), f"the peer there is a Dask {kind}, not a scheduler", fix)
    return found


def reach_scheduler(address: str, timeout_s: float = SCHEDULER_TIMEOUT_S) -> tuple[SchedulerAddress, int]:
    """Check ``address`` in the three steps of this module; return it and its number of workers.

    Raises
    ------
    InputError
        One line naming ``--scheduler``, the address, the problem and the fix.
    """
    parsed = parse_scheduler_address(address)
    check_listener(parsed, timeout_s)
    workers = scheduler_identity(parsed, timeout_s).get("workers") or {}
    return parsed, len(workers)
