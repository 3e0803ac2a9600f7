"""Fixtures for the reference-parity tests: a database with segment and
the public data sets of ../shared/data loaded as tables."""
import csv
import os
import pathlib

import psycopg
import pytest

DATA = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def conn():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS segment_parity")
    admin.execute("CREATE DATABASE segment_parity")
    admin.close()
    with psycopg.connect(dbname="segment_parity", autocommit=True) as c:
        c.execute("CREATE EXTENSION segment")
        c.execute("SET search_path = segment, public")
        yield c


def read_csv(name):
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(f))


def load_table(conn, table, columns, rows):
    """columns: list of (name, sql type); rows: list of tuples ('' -> NULL)."""
    cols = ", ".join(f'"{n}" {t}' for n, t in columns)
    conn.execute(f'DROP TABLE IF EXISTS "{table}"')
    conn.execute(f'CREATE TABLE "{table}" (row_no int PRIMARY KEY, {cols})')
    names = ", ".join(f'"{n}"' for n, _ in columns)
    with conn.cursor().copy(f'COPY "{table}" (row_no, {names}) FROM STDIN') as cp:
        for i, r in enumerate(rows):
            cp.write_row((i,) + tuple(None if v in ("", "NA") else v for v in r))
