"""pg_server.py -- a real PostgreSQL server for script tests (Debian's
postgresql packages): initdb into a temporary directory, started with
pg_ctl on a free loopback port (and a unix socket in the same directory),
stopped and removed by the test.  PostgreSQL refuses to run as root, so
when the tests run as root (CI) the server runs as the unprivileged user
`nobody` (runuser).  Python stdlib only; queries go through psql.

    with PgServer() as pg:
        pg.url                    # postgresql://dwhost:PASSWORD@127.0.0.1:PORT/dwhost
        pg.url_without_password   # postgresql://dwhost@127.0.0.1:PORT/dwhost
        pg.query(sql)             # rows as lists of str (None for NULL), via COPY ... TO STDOUT
        pg.execute(sql)           # runs SQL, returns psql's exit code
        pg.stop(); pg.start()     # same port and data
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

PASSWORD = "pg-Secret-4711"
USER = "dwhost"
DB = "dwhost"


def _bindir():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin "
                       "(install Debian's postgresql package: tools/deps.sh)")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PgServer:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.bin = _bindir()
        self.dir = tempfile.mkdtemp(prefix="dwh-pg.")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.as_user = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self.initialized = False
        self.created = False

    @property
    def url(self):
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DB}"

    @property
    def url_without_password(self):
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DB}"

    def _run(self, args, **kw):
        return subprocess.run(self.as_user + args, capture_output=True, text=True, cwd=self.dir, **kw)

    def _init(self):
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.as_user:
            nobody = pwd.getpwnam("nobody")
            os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
        p = self._run([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", USER, "--pwfile", pwfile,
                       "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        os.unlink(pwfile)
        if p.returncode != 0:
            raise RuntimeError(f"initdb failed: {p.stderr[-500:]}")
        self.initialized = True

    def start(self):
        if not self.initialized:
            self._init()
        # fsync=off: no flushes to disk (a test's data dies with it); commits
        # still reach the WAL before they return, so a server killed with
        # "pg_ctl stop -m immediate" keeps every commit, as a real one does
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=40")
        p = self._run([os.path.join(self.bin, "pg_ctl"), "start", "-D", self.data, "-w", "-t", "60", "-l", self.log,
                       "-o", opts])
        if p.returncode != 0:
            log = open(self.log).read()[-800:] if os.path.exists(self.log) else ""
            raise RuntimeError(f"pg_ctl start failed: {p.stderr[-300:]} {log}")
        try:
            if not self.created:
                p = self._psql(["-d", "postgres"], f"CREATE DATABASE {DB}", db=False)
                if p.returncode != 0:
                    raise RuntimeError(f"creating the database: {p.stderr[-300:]}")
                self.created = True
            if self.execute("SELECT 1") != 0:
                raise RuntimeError(f"the server does not answer: {self.last_error[-300:]}")
        except BaseException:
            self.remove()  # a server that started is never left running
            raise
        return self

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run([os.path.join(self.bin, "pg_ctl"), "stop", "-D", self.data, "-m", mode, "-w", "-t", "60"])

    def remove(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.remove()

    def _psql(self, args, sql, db=True):
        env = dict(os.environ, PGPASSWORD=PASSWORD, PGCONNECT_TIMEOUT="10")
        return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", USER, *(["-d", DB] if db else []), *args, "-c", sql], capture_output=True,
                              text=True, env=env, timeout=60)

    def execute(self, sql):
        p = self._psql([], sql)
        self.last_error = p.stderr
        return p.returncode

    def query(self, sql):
        """Rows of `sql` as lists of strings (None: NULL), exactly as COPY writes them."""
        p = self._psql([], f"COPY ({sql}) TO STDOUT")
        if p.returncode != 0:
            raise RuntimeError(f"psql: {p.stderr.strip()}")
        out = []
        for line in p.stdout.splitlines():
            out.append([None if v == "\\N" else _unescape(v) for v in line.split("\t")])
        return out


def _unescape(v):
    if "\\" not in v:
        return v
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            n = v[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)
