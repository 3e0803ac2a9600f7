"""The reports of the demo's models, parsed as XML and rendered by a
headless Chromium.

The demo's pipeline (scripts/demo.sql) runs in a database of its own and
trains a classifier (value_tier), a regressor (spend) and k-means
personas. Each model's page (segment.report) and every one of its
pictures alone (segment.plot_*) must parse as XML, hold no script and
fetch nothing; the page and the chief pictures are rendered to PNG by
Debian's chromium (headless; --no-sandbox, since the suite runs as root)
and must come out the size asked for and not blank: many colours, and
coloured (not grey) pixels where the charts are drawn. The k-means map's axis labels
must give the explained variance scikit-learn's PCA finds on the same
standardised rows.

SEGMENT_REPORT_IMAGES=docs/images keeps the PNGs there (how the pictures
in docs/report.md are made).
"""
import os
import pathlib
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import psycopg
import pytest
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parents[2]
DB = "segment_report"
SVG = "{http://www.w3.org/2000/svg}"

MODELS = {
    "value_tier": ["plot_confusion_matrix", "plot_class_scores", "plot_class_balance",
                   "plot_training_curve", "plot_trials", "plot_importance"],
    "spend": ["plot_actual_vs_predicted", "plot_residuals", "plot_training_curve",
              "plot_trials", "plot_importance"],
    "personas": ["plot_elbow", "plot_silhouette", "plot_cluster_sizes", "plot_clusters"],
}
# the pictures docs/report.md shows, rendered here
RENDERED = [("value_tier", "plot_confusion_matrix"), ("value_tier", "plot_training_curve"),
            ("value_tier", "plot_class_balance"), ("value_tier", "plot_importance"),
            ("spend", "plot_residuals"),
            ("personas", "plot_elbow"), ("personas", "plot_clusters")]


@pytest.fixture(scope="module")
def conn():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DB}")
    admin.execute(f"CREATE DATABASE {DB}")
    admin.close()
    env = dict(os.environ, PGDATABASE=DB)
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "scripts/demo.sql"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    with psycopg.connect(dbname=DB, autocommit=True) as c:
        yield c


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("reports")


def chromium():
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed (scripts/lib.sh installs it)")
    return path


def render(html, png, width, height):
    """Renders an HTML file to a PNG of width x height pixels."""
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={png}", f"--window-size={width},{height}",
                    html.as_uri()],
                   check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    keep = os.environ.get("SEGMENT_REPORT_IMAGES")
    if keep:
        shutil.copy(png, ROOT / keep / png.name)


def read_png(path):
    """(width, height, pixels as an h x w x channels uint8 array) of an 8-bit RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    width, height, depth, colour, _, _, interlace = ihdr
    assert depth == 8 and colour in (2, 6) and interlace == 0, ihdr
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1)
        line = line.astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 2:     # up
            row = (line + prev) & 0xFF
        elif kind == 1:     # sub: a running sum per channel
            row = np.cumsum(line.reshape(width, bpp), axis=0).reshape(-1) & 0xFF
        else:               # average, Paeth: byte by byte
            cur = bytearray(stride)
            up = prev.tolist()
            for i, v in enumerate(line.tolist()):
                a = cur[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    cur[i] = (v + (a + b) // 2) & 0xFF
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cur[i] = (v + pred) & 0xFF
            row = np.frombuffer(bytes(cur), dtype=np.uint8).astype(np.int32)
        out[y] = row
        prev = row
    return width, height, out.reshape(height, width, bpp)


def check_png(path, width, height):
    w, h, pixels = read_png(path)
    assert (w, h) == (width, height)
    rgb = pixels[:, :, :3].reshape(-1, 3).astype(np.uint32)
    codes = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    colours = np.unique(codes)
    white = np.count_nonzero(codes == 0xFFFFFF) / codes.size
    # the charts' colours: pixels far from grey (text and axes are grey)
    chroma = (rgb.max(axis=1) - rgb.min(axis=1)) >= 60
    assert len(colours) >= 40, f"{path.name}: only {len(colours)} colours"
    assert white < 0.97, f"{path.name}: {white:.1%} white"
    assert np.count_nonzero(chroma) >= 2000, f"{path.name}: {np.count_nonzero(chroma)} coloured pixels"
    return len(colours)


def no_active_content(root):
    for el in root.iter():
        tag = el.tag.split("}")[-1].lower()
        assert tag not in ("script", "iframe", "object", "embed", "link", "img", "foreignobject")
        for name in el.attrib:
            local = name.split("}")[-1].lower()
            assert local not in ("href", "src") and not local.startswith("on"), (tag, name)


@pytest.mark.parametrize("model", list(MODELS))
def test_page_parses_and_renders(conn, out_dir, model):
    html = conn.execute("SELECT segment.report(%s)", (model,)).fetchone()[0]
    path = out_dir / f"report_{model}.html"
    path.write_text(html)
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/1999/xhtml}html"
    no_active_content(root)
    figures = [f.get("id") for f in root.iter("{http://www.w3.org/1999/xhtml}figure")]
    assert set(figures) == set(MODELS[model])
    # nothing on the page says a picture could not be drawn
    assert "not drawn:" not in html
    png = out_dir / f"report_{model}.png"
    render(path, png, 1000, 1300)
    check_png(png, 1000, 1300)


@pytest.mark.parametrize("model,plot", [(m, p) for m, ps in MODELS.items() for p in ps])
def test_picture_parses(conn, out_dir, model, plot):
    svg = conn.execute(f"SELECT segment.{plot}(%s)", (model,)).fetchone()[0]
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("width") == "800"
    assert root.find(SVG + "title").text
    no_active_content(root)
    texts = [t for t in root.iter(SVG + "text")]
    assert len(texts) >= 5, "a picture has a title, axis labels and ticks"
    if (model, plot) in RENDERED:
        height = int(float(root.get("height")))
        page = out_dir / f"{model}_{plot[len('plot_'):]}.html"
        page.write_text("<!DOCTYPE html><html><body style=\"margin:0\">" + svg + "</body></html>")
        png = out_dir / f"{model}_{plot[len('plot_'):]}.png"
        render(page, png, 800, height)
        check_png(png, 800, height)


def test_map_explains_as_sklearn_pca(conn):
    """With fewer rows than the map's sample, the map is every row: its axes
    must give scikit-learn's explained variance ratios on the rows standardised
    as the model standardises them (population std, as StandardScaler)."""
    columns = ["monthly_spending", "engagement_score", "purchase_frequency", "discount_usage"]
    conn.execute("DROP TABLE IF EXISTS public.map_rows")
    conn.execute("CREATE TABLE public.map_rows AS SELECT * FROM public.customers "
                 "WHERE customer_id <= 1500")
    conn.execute("SET client_min_messages = warning")
    conn.execute("SELECT * FROM segment.kmeans_fit('map_rows', 'public.map_rows', %s, k => '{4}')",
                 (columns,))
    svg = conn.execute("SELECT segment.plot_clusters('map_rows')").fetchone()[0]
    labels = dict(re.findall(r"PC([12]) \(([0-9.]+)% of the variance\)", svg))
    assert sorted(labels) == ["1", "2"]
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM public.map_rows").fetchall()
    x = StandardScaler().fit_transform(np.array(rows, dtype=float))
    ratios = PCA(n_components=2).fit(x).explained_variance_ratio_ * 100
    for pc, expected in zip(["1", "2"], ratios):
        assert abs(float(labels[pc]) - expected) <= 0.05 + 1e-9, (pc, labels[pc], expected)
    points = re.findall(r"<circle [^>]*fill-opacity", svg)
    assert len(points) == 1500
    conn.execute("SELECT segment.drop_model('map_rows')")
