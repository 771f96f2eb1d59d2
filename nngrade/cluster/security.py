"""Which scheduler addresses a run may use, and the TLS settings for them.

A Dask scheduler runs whatever its clients submit, as the user its workers run as, and the
coordinator hands every worker the course salt and the hidden suites: on any address another
machine can reach, everyone who can reach it could run code as the instructor or read the
suites. So anything but loopback needs TLS with certificates for scheduler, workers and client
(``distributed.security.Security`` with ``require_encryption``); plain ``tcp://`` to another
address is refused unless the instructor says ``--insecure``.
"""
from __future__ import annotations

import errno
import ipaddress
import socket
import stat
from pathlib import Path

from nngrade.autograder.messages import Said
from nngrade.cluster import ClusterError, ClusterTarget
from nngrade.errors import printable
from nngrade.speech import cli

SCHEMES = ("tcp", "tls")


def split_address(address: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a scheduler address; ``host:port`` alone is tcp, as in Dask."""
    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme not in SCHEMES:
        raise ClusterError(cli("cluster-bad-scheme", address=printable(address),
                               scheme=printable(scheme)))
    host, colon, port = rest.rpartition(":")
    if rest.startswith("[") and "]" in rest:          # [::1]:8786
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
        colon = ":"
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterError(cli("cluster-bad-address", address=printable(address)))
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


def _readable_file(path: Path, what, private: bool = False) -> str:
    """``path`` when it is a file this process can use; ``what`` names it (a Said, or a key of
    the course file as it is written)."""
    what = what if isinstance(what, Said) else Said.plain(what)
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            problem = cli("cluster-file-missing", path=printable(path), what=what)
        elif exc.errno in (errno.EACCES, errno.EPERM):
            problem = cli("cluster-file-denied", path=printable(path), what=what)
        else:                          # the system's own words
            reason = Said.plain(exc.strerror.lower()) if exc.strerror else cli("cluster-unreadable")
            problem = cli("cluster-file-problem", path=printable(path), what=what, reason=reason)
        raise ClusterError(problem) from None
    if not stat.S_ISREG(info.st_mode):
        raise ClusterError(cli("cluster-not-a-file", path=printable(path), what=what))
    if private and info.st_mode & 0o077:
        # the key proves to the scheduler that this is the instructor: nobody else may read it
        raise ClusterError(cli("cluster-key-readable", path=printable(path), what=what,
                               mode=f"{stat.S_IMODE(info.st_mode):o}"))
    return str(path)


def security_for(target: ClusterTarget):
    """The ``Security`` for ``target`` (None for plain tcp); refuses what is not safe."""
    scheme, host, _port = split_address(target.address)
    if scheme == "tcp":
        if not is_loopback(host) and not target.insecure:
            raise ClusterError(cli("cluster-tcp-refused", address=printable(target.address)))
        return None
    missing = [name for name, value in (("tls_ca_file", target.tls_ca_file),
                                        ("tls_cert", target.tls_cert),
                                        ("tls_key", target.tls_key)) if value is None]
    if missing:
        raise ClusterError(cli("cluster-tls-needs", address=printable(target.address),
                               missing=", ".join(missing)))
    from distributed.security import Security
    return Security(tls_ca_file=_readable_file(Path(target.tls_ca_file), cli("cluster-tls-ca")),
                    tls_client_cert=_readable_file(Path(target.tls_cert), cli("cluster-tls-cert")),
                    tls_client_key=_readable_file(Path(target.tls_key), cli("cluster-tls-key"),
                                                  private=True),
                    require_encryption=True)
