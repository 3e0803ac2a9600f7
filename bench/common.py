"""Shared helpers of the benchmarks: the machine line, medians, timing and
the results file (bench/RESULTS.md, one section per benchmark, replaced
on each run)."""
import os
import pathlib
import platform
import re
import statistics
import subprocess
import time

import psycopg

RESULTS = pathlib.Path(__file__).resolve().parent / "RESULTS.md"


def machine_line():
    cpu = "unknown cpu"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import numpy, sklearn
    try:
        import imblearn
        imb = f", imbalanced-learn {imblearn.__version__}"
    except ImportError:
        imb = ""
    pg = subprocess.run(["psql", "-XAtc", "SHOW server_version"], capture_output=True,
                        text=True).stdout.strip() or "?"
    return (f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, {platform.system()} "
            f"{platform.release()}; PostgreSQL {pg}, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, scikit-learn {sklearn.__version__}{imb}; "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} in Python "
            f"(1 in the server), OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")


def median_time(fn, repeats=5, setup=None):
    """Median wall time in seconds of fn() over repeats runs (setup() untimed before each)."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def connect(dbname="segment_bench"):
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    admin.close()
    conn = psycopg.connect(dbname=dbname, autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS segment")
    return conn


def write_section(name, body):
    """Replaces (or appends) the section '## name' of RESULTS.md."""
    text = RESULTS.read_text() if RESULTS.exists() else (
        "# Benchmark results\n\nWritten by `bash bench/run.sh`; each section is replaced when "
        "its benchmark runs again. Times are medians of the stated number of runs on a shared, "
        "noisy machine.\n")
    section = f"## {name}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)
    print(section)
