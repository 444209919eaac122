"""redis_server.py -- a real redis-server for script tests: started as a
child on a free loopback port, stopped by the test (Python stdlib only).

    with RedisServer() as r:
        r.url            # redis://127.0.0.1:PORT/0
        r.get(key)       # value or None, through the RESP protocol
        r.ttl(key)
        r.stop(); r.start()   # same port
"""
import os
import signal
import socket
import subprocess
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class RedisServer:
    def __init__(self, extra=None, port=None):
        self.port = port or free_port()
        self.extra = list(extra or [])
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if self.command("PING") == "PONG":
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited at start")
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def command(self, *args):
        """Sends one command; returns str/int/None/list, raises on -ERR."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            out = f"*{len(args)}\r\n".encode()
            for a in args:
                b = str(a).encode()
                out += f"${len(b)}\r\n".encode() + b + b"\r\n"
            s.sendall(out)
            f = s.makefile("rb")
            return _read(f)

    def get(self, key):
        return self.command("GET", key)

    def ttl(self, key):
        return self.command("TTL", key)


def _read(f):
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:].decode()
    if kind == b"+":
        return rest
    if kind == b"-":
        raise RuntimeError(rest)
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read(f) for _ in range(n)]
    raise RuntimeError(f"unexpected reply {line!r}")
