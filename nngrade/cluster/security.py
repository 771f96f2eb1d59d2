"""Which scheduler addresses a run may use, and the TLS settings for them.

A Dask scheduler runs whatever its clients submit, as the user its workers run as, and the
coordinator hands every worker the course salt and the hidden suites: on any address another
machine can reach, everyone who can reach it could run code as the instructor or read the
suites. So anything but loopback needs TLS with certificates for scheduler, workers and client
(``distributed.security.Security`` with ``require_encryption``); plain ``tcp://`` to another
address is refused unless the instructor says ``--insecure``.
"""
from __future__ import annotations

import ipaddress
import socket
import stat
from pathlib import Path

from nngrade.cluster import ClusterError, ClusterTarget
from nngrade.errors import printable

SCHEMES = ("tcp", "tls")


def split_address(address: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a scheduler address; ``host:port`` alone is tcp, as in Dask."""
    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme not in SCHEMES:
        raise ClusterError(f"--cluster {printable(address)}: the scheme must be tls:// (or tcp:// "
                           f"on this machine), not {printable(scheme)}://")
    host, colon, port = rest.rpartition(":")
    if rest.startswith("[") and "]" in rest:          # [::1]:8786
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
        colon = ":"
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterError(f"--cluster {printable(address)}: expected SCHEME://HOST:PORT, e.g. "
                           "tls://scheduler.example.edu:8786")
    return scheme, host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    """True when every address the name stands for is on this machine's loopback."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback
                                   for a in addresses)


def _readable_file(path: Path, what: str, private: bool = False) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise ClusterError(f"{printable(path)}: {what}: {(exc.strerror or 'cannot be read').lower()}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ClusterError(f"{printable(path)}: {what}: not a file")
    if private and info.st_mode & 0o077:
        # the key proves to the scheduler that this is the instructor: nobody else may read it
        raise ClusterError(f"{printable(path)}: {what} is readable by others (mode "
                           f"{stat.S_IMODE(info.st_mode):o}); chmod 600 it")
    return str(path)


def security_for(target: ClusterTarget):
    """The ``Security`` for ``target`` (None for plain tcp); refuses what is not safe."""
    scheme, host, _port = split_address(target.address)
    if scheme == "tcp":
        if not is_loopback(host) and not target.insecure:
            raise ClusterError(
                f"--cluster {printable(target.address)}: plain tcp:// to another machine is "
                "refused: the scheduler would run anyone's code as you and workers would get the "
                "salt and the hidden suites unencrypted; use tls:// with certificates "
                "(docs/CLUSTER.md) or pass --insecure")
        return None
    missing = [name for name, value in (("tls_ca_file", target.tls_ca_file),
                                        ("tls_cert", target.tls_cert),
                                        ("tls_key", target.tls_key)) if value is None]
    if missing:
        raise ClusterError(f"--cluster {printable(target.address)}: tls:// needs "
                           f"{', '.join(missing)} (the [cluster] table of the course file, or "
                           "--tls-ca-file, --tls-cert, --tls-key)")
    from distributed.security import Security
    return Security(tls_ca_file=_readable_file(Path(target.tls_ca_file), "TLS CA file"),
                    tls_client_cert=_readable_file(Path(target.tls_cert), "TLS certificate"),
                    tls_client_key=_readable_file(Path(target.tls_key), "TLS key", private=True),
                    require_encryption=True)
