"""The student's process of `nngrade check` without the sandbox (Windows, macOS, or a Linux where
the sandbox cannot start): the sandbox child's request loop (sandbox/child.py's Runner, with the
same transport and probes) in a plain Python process, minus everything only Linux has.

    python plain_child.py PORT WORKDIR        (the session token arrives on stdin)

It connects back to the checking process on 127.0.0.1:PORT, sends the token, receives the
student's files and answers requests until the channel closes. Standalone like the sandbox's
files: standard library + numpy + the sibling files, loaded by path under private names.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.join(HERE, "sandbox")


def _load(name: str, folder: str):
    spec = importlib.util.spec_from_file_location(f"_nngrade_{name}", os.path.join(folder, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _load_child():
    """sandbox/child.py; its rlimits (the `resource` module, which Windows lacks) are not used
    here, so a stand-in satisfies its import there."""
    try:
        import resource  # noqa: F401
    except ImportError:
        sys.modules["resource"] = types.ModuleType("resource")
    return _load("child", SANDBOX)


def portable_runner(child):
    class PlainRunner(child.Runner):
        """Output goes to a temporary file instead of a memfd, read back without pread."""

        def redirect_output(self):
            out = tempfile.TemporaryFile()
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
            self._output_file = out
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            self.capture_fd = 1
            sys.stdout = child._Writer(self.box, 1)
            sys.stderr = child._Writer(self.box, 2)

        def collect_output(self):
            for stream in (sys.__stdout__, sys.__stderr__):
                try:
                    stream.flush()
                except BaseException:
                    pass
            box = self.box
            text = b"".join(box.kept)
            total = box.total
            try:
                size = os.fstat(self.capture_fd).st_size
                if size:
                    os.lseek(self.capture_fd, 0, os.SEEK_SET)
                    text += os.read(self.capture_fd, max(0, child.STDOUT_KEEP - len(text)))
                    total += size
                    os.ftruncate(self.capture_fd, 0)
                    os.lseek(self.capture_fd, 0, os.SEEK_SET)
            except OSError:
                pass
            box.reset()
            return text[:child.STDOUT_KEEP].decode("utf-8", "replace"), total

    return PlainRunner


def main(port: int, workdir: str, token: str) -> None:
    import numpy  # noqa: F401  (before the student's files: theirs may not shadow it)

    transport = _load("transport", HERE)
    probes = _load("probes", SANDBOX)
    child = _load_child()
    channel = socket.create_connection(("127.0.0.1", port), timeout=30)
    channel.settimeout(None)
    channel.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # replies are two writes
    transport.send(channel, {"token": token, "pid": os.getpid()})
    os.chdir(workdir)
    runner = portable_runner(child)(channel, {"workdir": workdir}, transport, probes)
    runner.redirect_output()
    sys.dont_write_bytecode = True
    sys.path.append(workdir)      # after the standard library and numpy: no shadowing
    runner.receive_files(transport.recv(channel))
    transport.send(channel, {"id": "init", "status": "ok", "pid": os.getpid()})
    runner.serve()


if __name__ == "__main__":
    # the script's own folder (the kit's engine) is no place for the student's imports to look
    if sys.path and os.path.abspath(sys.path[0] or ".") == HERE:
        sys.path.pop(0)
    main(int(sys.argv[1]), sys.argv[2], sys.stdin.readline().strip())
    os._exit(70)
