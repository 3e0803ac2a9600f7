"""A throwaway Citus cluster for the scale-out tests: a coordinator and two
workers started from CITUS_PG_BIN, a PostgreSQL 15 bin directory whose tree
has Citus installed, with segment built from this checkout and installed
into that tree.  The nodes listen on Unix sockets only, in one private
directory, and know each other (and themselves: citus.local_hostname) by
that directory, which libpq reads as a socket directory: no TCP port is
taken.

Without CITUS_PG_BIN, or without Citus in its tree, unavailable() says why
and the tests are skipped: Citus is not in Debian's packages, so CI has
none."""
import os
import pathlib
import shutil
import subprocess
import tempfile

import psycopg

REPO = pathlib.Path(__file__).resolve().parents[2]
NODES = ("coordinator", "worker1", "worker2")
# socket file numbers inside the private directory (no TCP): any will do;
# worker3 is started only when a test adds a node
PORTS = {"coordinator": 5432, "worker1": 5433, "worker2": 5434, "worker3": 5435}


def pg_bin():
    return os.environ.get("CITUS_PG_BIN")


def unavailable():
    """Why the Citus tests cannot run here, or None."""
    bindir = pg_bin()
    if not bindir:
        return "CITUS_PG_BIN is not set (a PostgreSQL 15 bin directory whose tree has Citus)"
    pg_config = pathlib.Path(bindir) / "pg_config"
    if not pg_config.exists():
        return f"{pg_config} does not exist"
    sharedir = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True,
                              check=True).stdout.strip()
    if not (pathlib.Path(sharedir) / "extension" / "citus.control").exists():
        return f"Citus is not installed in {sharedir}"
    if os.geteuid() == 0:
        try:
            subprocess.run(["id", "postgres"], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            return "running as root without a postgres user to run the servers"
    return None


def _as_postgres(args, **kwargs):
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, cwd="/", check=True, capture_output=True, text=True, **kwargs)


def build_and_install():
    """Builds this checkout's extension against CITUS_PG_BIN's tree and installs it there
    (from a copy of the sources, so that the checkout's objects stay those of its own build)."""
    pg_config = os.path.join(pg_bin(), "pg_config")
    with tempfile.TemporaryDirectory(prefix="segment-citus-build-") as build:
        for name in ("Makefile", "segment.control"):
            shutil.copy(REPO / name, build)
        shutil.copytree(REPO / "src", os.path.join(build, "src"),
                        ignore=shutil.ignore_patterns("*.o", "*.bc", "*.so"))
        shutil.copytree(REPO / "sql", os.path.join(build, "sql"))
        for target in ([], ["install"]):
            subprocess.run(["make", "-s", "-j2", f"PG_CONFIG={pg_config}"] + target, cwd=build,
                           check=True, capture_output=True, text=True)


class Cluster:
    """A coordinator and two workers in one temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="segment-citus-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)
        self.started = []

    def data(self, node):
        return os.path.join(self.dir, node)

    def port(self, node):
        return PORTS[node]

    def start(self):
        for node in NODES:
            self.start_node(node)
        with self.connect() as c:
            c.execute("SELECT citus_set_coordinator_host(%s, %s)", (self.dir, self.port("coordinator")))
            for node in NODES[1:]:
                c.execute("SELECT citus_add_node(%s, %s)", (self.dir, self.port(node)))

    def start_node(self, node):
        """initdb, start and CREATE EXTENSION citus (not added to the cluster)."""
        bindir = pg_bin()
        _as_postgres([f"{bindir}/initdb", "-D", self.data(node), "--auth=trust", "--no-sync",
                      "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
        with open(os.path.join(self.data(node), "postgresql.conf"), "a") as conf:
            conf.write(f"""
port = {self.port(node)}
listen_addresses = ''
unix_socket_directories = '{self.dir}'
shared_preload_libraries = 'citus'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
citus.node_conninfo = 'sslmode=disable'
citus.local_hostname = '{self.dir}'
""")
        _as_postgres([f"{bindir}/pg_ctl", "-D", self.data(node), "-l",
                      os.path.join(self.dir, node + ".log"), "-w", "-t", "60", "start"],
                     env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        self.started.append(node)
        with self.connect(node) as c:
            c.execute("CREATE EXTENSION citus")

    def stop(self):
        for node in reversed(self.started):
            try:
                _as_postgres([f"{pg_bin()}/pg_ctl", "-D", self.data(node), "-m", "fast", "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self, node):
        with open(os.path.join(self.dir, node + ".log")) as f:
            return f.read()

    def connect(self, node="coordinator", user="postgres", **kwargs):
        return psycopg.connect(host=self.dir, port=self.port(node), user=user, dbname="postgres",
                               autocommit=True, **kwargs)
