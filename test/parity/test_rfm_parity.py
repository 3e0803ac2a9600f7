"""segment.rfm and segment.rfm_split against pandas on CDNOW_master.txt
(69,659 transactions of 23,570 customers, 1997-01-01 to 1998-06-30).

The table is loaded from the file's text (customer ids kept as text with
their leading zeros, dollars as numeric); the reference reads the same file
with pandas and computes every column the way the usual RFM notebook does:
rows of a customer on the same day summed into one purchase (lifetimes'
summary_data_from_transaction_data does the same), days between dates,
pd.qcut(values.rank(method="first"), 5) on customers sorted by id for the
scores, and the segment map of docs/rfm.md written out as rules.  Dollars
are summed in integer cents on the pandas side, so that equal spends are
equal on both sides and the M ranks can be compared exactly.

Tolerances: float columns within 1e-9 (absolute, relative above 1); counts,
scores and segments exactly equal; the same customers on both sides.
Cases: as of the last purchase; as of 1997-09-30 (later rows left out);
timestamps with a time of day (fractional days, one purchase per distinct
instant); rfm_split at 1998-01-01 with the default 180-day horizon and
with 6 months.  The same figures with the scan split over parallel
workers, and a Partial Aggregate in the plan of a table with several rows
per customer and instant.
"""
import io

import numpy as np
import pandas as pd
import pytest

from conftest import DATA

COLUMNS = ["customer_id", "recency", "frequency", "monetary", "average_order_value", "tenure",
           "inter_purchase_time", "r_score", "f_score", "m_score", "segment"]
FLOATS = ["recency", "monetary", "average_order_value", "tenure", "inter_purchase_time"]
EXACT = ["frequency", "r_score", "f_score", "m_score", "segment"]
PARALLEL = {"parallel_setup_cost": "0", "parallel_tuple_cost": "0",
            "min_parallel_table_scan_size": "0", "max_parallel_workers_per_gather": "2"}


def segment_of(r, f, m):
    """docs/rfm.md: the R score against FM, the mean of F and M rounded half up."""
    fm = (f + m + 1) // 2
    if r == 5:
        return "new_customers" if fm == 1 else "potential_loyalists" if fm <= 3 else "champions"
    if r == 4:
        return "promising" if fm == 1 else "potential_loyalists" if fm <= 3 else "loyal_customers"
    if r == 3:
        return "about_to_sleep" if fm <= 2 else "need_attention" if fm == 3 else "loyal_customers"
    if fm == 5:
        return "cant_lose_them"
    if fm >= 3:
        return "at_risk"
    return "hibernating" if r == 2 else "lost"


def seconds_of_day(n):
    """A time of day for row i (file order), the same on both sides."""
    return (np.arange(n) * 7919) % 86400


@pytest.fixture(scope="module")
def cdnow(conn):
    lines = open(DATA / "CDNOW_master.txt", newline="").read().splitlines()
    assert lines[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"]
    rows = [line.split() for line in lines[1:] if line.strip()]
    seconds = seconds_of_day(len(rows))
    conn.execute("DROP TABLE IF EXISTS public.cdnow_tx")
    conn.execute("CREATE TABLE public.cdnow_tx (row_no int PRIMARY KEY, customer_id text, day date, "
                 "at timestamptz, cds int, dollars numeric)")
    text = "".join(
        f"{i}\t{cid}\t{day}\t{day} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00\t{cds}\t{dollars}\n"
        for i, ((cid, day, cds, dollars), s) in enumerate(zip(rows, seconds.tolist())))
    with conn.cursor().copy("COPY public.cdnow_tx FROM STDIN") as cp:
        cp.write(text)
    conn.execute("ANALYZE public.cdnow_tx")

    tx = pd.read_csv(DATA / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str})
    tx["day"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    tx["at"] = tx["day"] + pd.to_timedelta(seconds_of_day(len(tx)), unit="s")
    tx["cents"] = (tx["dollar_value"] * 100).round().astype("int64")
    assert (tx["cents"] / 100 - tx["dollar_value"]).abs().max() < 1e-9
    assert len(tx) == 69659 and tx["customer_id"].nunique() == 23570
    # dates compare as their midnight in the session's time zone: UTC, as pandas'
    conn.execute("SET TimeZone = 'UTC'")
    yield tx
    conn.execute("RESET TimeZone")
    conn.execute("DROP TABLE public.cdnow_tx")


def reference(tx, time="day", as_of=None, cutoff=None, horizon=None):
    """The RFM table the usual pandas recipe gives, one row per customer id."""
    if cutoff is not None:
        features, as_of = tx[tx[time] < cutoff], cutoff
    elif as_of is not None:
        features = tx[tx[time] <= as_of]
    else:
        features, as_of = tx, tx[time].max()
    purchases = features.groupby(["customer_id", time], as_index=False)["cents"].sum()
    g = purchases.groupby("customer_id")
    out = pd.DataFrame({"frequency": g.size(), "first": g[time].min(), "last": g[time].max(),
                        "cents": g["cents"].sum()}).sort_index()
    days = pd.Timedelta(days=1)
    out["recency"] = (as_of - out["last"]) / days
    out["tenure"] = (as_of - out["first"]) / days
    out["inter_purchase_time"] = ((out["last"] - out["first"]) / days / (out["frequency"] - 1)) \
        .where(out["frequency"] > 1)
    out["monetary"] = out["cents"] / 100
    out["average_order_value"] = out["monetary"] / out["frequency"]
    # ties in customer order: the frame is sorted by id, rank "first" keeps that order
    out["r_score"] = pd.qcut(out["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
    out["f_score"] = pd.qcut(out["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    out["m_score"] = pd.qcut(out["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    out["segment"] = [segment_of(r, f, m) for r, f, m in
                      zip(out["r_score"], out["f_score"], out["m_score"])]
    if cutoff is not None:
        later = tx[(tx[time] >= cutoff) & (tx[time] < cutoff + horizon)]
        out["future_spend"] = later.groupby("customer_id")["cents"].sum() \
            .reindex(out.index, fill_value=0) / 100
    return out


def ours(conn, sql):
    """sql's rows as a frame, read through COPY (float8 text output is exact)."""
    with conn.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as cp:
        data = b"".join(bytes(block) for block in cp)
    return pd.read_csv(io.BytesIO(data), dtype={"customer_id": str},
                       float_precision="round_trip").set_index("customer_id")


def compare(got, ref, floats=FLOATS, exact=EXACT):
    assert list(got.index) == list(ref.index), "not the same customers in the same order"
    worst = {}
    for col in floats:
        a = got[col].to_numpy(dtype=float)
        b = ref[col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"{col}: NULLs differ"
        ok = ~np.isnan(b)
        err = np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok]))
        worst[col] = float(err.max()) if err.size else 0.0
        assert worst[col] <= 1e-9, f"{col}: worst scaled difference {worst[col]:.3g}"
    for col in exact:
        diff = (got[col].to_numpy() != ref[col].to_numpy()).sum()
        assert diff == 0, f"{col}: {diff} customers differ"
    return worst


def test_rfm_as_of_last_purchase(conn, cdnow):
    got = ours(conn, "SELECT * FROM rfm('public.cdnow_tx', 'customer_id', 'day', 'dollars')")
    ref = reference(cdnow)
    worst = compare(got, ref)
    assert len(got) == 23570
    print(f"\nCDNOW rfm: {len(got)} customers, {got['frequency'].sum()} purchases, worst float "
          f"difference {max(worst.values()):.2e}; segments: "
          f"{got['segment'].value_counts().to_dict()}")
    print(got.loc[["00001", "00003", "00005"]].to_string())


def test_rfm_as_of_a_date(conn, cdnow):
    got = ours(conn, "SELECT * FROM rfm('public.cdnow_tx', 'customer_id', 'day', 'dollars', "
                     "'1997-09-30 00:00+00')")
    ref = reference(cdnow, as_of=pd.Timestamp("1997-09-30"))
    compare(got, ref)
    assert got["frequency"].sum() < cdnow.groupby(["customer_id", "day"]).ngroups
    print(f"\nCDNOW rfm as of 1997-09-30: {len(got)} customers, {got['frequency'].sum()} purchases")


def test_rfm_on_timestamps(conn, cdnow):
    got = ours(conn, "SELECT * FROM rfm('public.cdnow_tx', 'customer_id', 'at', 'dollars')")
    ref = reference(cdnow, time="at")
    worst = compare(got, ref)
    assert (got["recency"] % 1 != 0).any()
    print(f"\nCDNOW rfm on timestamps: {got['frequency'].sum()} purchases, worst float "
          f"difference {max(worst.values()):.2e}")


@pytest.mark.parametrize("horizon,offset", [(None, pd.Timedelta(days=180)),
                                            ("6 months", pd.DateOffset(months=6))])
def test_rfm_split(conn, cdnow, horizon, offset):
    args = "" if horizon is None else f", '{horizon}'"
    got = ours(conn, "SELECT * FROM rfm_split('public.cdnow_tx', 'customer_id', 'day', 'dollars', "
                     f"'1998-01-01 00:00+00'{args})")
    cutoff = pd.Timestamp("1998-01-01")
    ref = reference(cdnow, cutoff=cutoff, horizon=offset)
    worst = compare(got, ref, floats=FLOATS + ["future_spend"])
    print(f"\nCDNOW rfm_split at 1998-01-01, horizon {horizon or '180 days'}: {len(got)} "
          f"customers, {(got['future_spend'] > 0).sum()} spend again, total "
          f"{got['future_spend'].sum():.2f}; worst float difference {max(worst.values()):.2e}")


def with_plans(conn, sql):
    """ours(sql), and the plans of the statements inside it (logged to us)."""
    messages = []

    def handler(diag):
        # a diagnostic is valid only during the call: keep its text
        messages.append(diag.message_primary or "")
    conn.add_notice_handler(handler)
    try:
        conn.execute("LOAD 'auto_explain'")
        for name, value in [("auto_explain.log_min_duration", "0"),
                            ("auto_explain.log_nested_statements", "on"),
                            ("auto_explain.log_analyze", "on"),
                            ("auto_explain.log_timing", "off"),
                            ("client_min_messages", "log")]:
            conn.execute(f"SET {name} = {value}")
        rows = ours(conn, sql)
    finally:
        conn.execute("RESET client_min_messages")
        conn.execute("RESET auto_explain.log_min_duration")
        conn.remove_notice_handler(handler)
    return rows, "\n".join(m for m in messages if "WITH purchases" in m)


def serial_and_parallel(conn, sql):
    """ours(sql) without workers, then with two (forced), and the latter's plan."""
    try:
        conn.execute("SET max_parallel_workers_per_gather = 0")
        serial = ours(conn, sql)
        for name, value in PARALLEL.items():
            conn.execute(f"SET {name} = {value}")
        parallel, plan = with_plans(conn, sql)
    finally:
        for name in PARALLEL:
            conn.execute(f"RESET {name}")
    return serial, parallel, plan


def test_parallel_scan_same_figures(conn, cdnow):
    """Parallel workers read the rows in another order: exact sums give the same table."""
    serial, parallel, plan = serial_and_parallel(
        conn, "SELECT * FROM rfm_split('public.cdnow_tx', 'customer_id', 'day', 'dollars', "
              "'1998-01-01')")
    assert "Parallel Seq Scan on cdnow_tx" in plan, plan
    assert parallel.equals(serial)


def test_partial_aggregate_in_parallel_plan(conn):
    """Order lines (several rows per customer and instant) are summed in the workers."""
    conn.execute("DROP TABLE IF EXISTS public.rfm_lines")
    conn.execute("CREATE TABLE public.rfm_lines AS SELECT c AS customer, "
                 "date '2024-01-01' + d AS day, (c % 7 + l)::numeric AS amount "
                 "FROM generate_series(1, 500) c, generate_series(0, 29) d, "
                 "generate_series(1, 8) l")
    conn.execute("ANALYZE public.rfm_lines")
    serial, parallel, plan = serial_and_parallel(
        conn, "SELECT * FROM rfm('public.rfm_lines', 'customer', 'day', 'amount')")
    assert "Partial HashAggregate" in plan or "Partial GroupAggregate" in plan, plan
    assert "Workers Planned: 2" in plan, plan
    assert parallel.equals(serial)
    assert len(serial) == 500 and (serial["frequency"] == 30).all()
    launched = [line.strip() for line in plan.splitlines() if "Workers Launched" in line]
    print(f"\n120,000 order lines: partial aggregate in the workers ({launched[0]})")
    conn.execute("DROP TABLE public.rfm_lines")
