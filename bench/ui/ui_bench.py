#!/usr/bin/env python3
"""Web UI timings against a running varde serve: a gene page with many variants rendered on the server (p50/p95
over RUNS requests, HTML size), a variant page, the CSV of every row, and (with chromium + Playwright) the gene
page's first contentful paint. One JSON line per measurement."""
import json
import shutil
import statistics
import sys
import time
import urllib.request

base, token, gene, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 20
cookie = f"varde_session={token}"


def get(path):
    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
    return time.perf_counter() - t, body


def measure(name, path, target_ms):
    get(path)  # warm
    times, size = [], 0
    for _ in range(runs):
        dt, body = get(path)
        times.append(dt * 1000)
        size = len(body)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(json.dumps({"measure": name, "path": path, "runs": runs, "p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
                      "bytes": size, "target_ms": target_ms, "ok": p95 <= target_ms}))
    return body


html = measure("gene page (server render + transfer)", f"/ui/gene/{gene}", 1000)
marks = html.count(b'class="mark"')
rows = get(f"/ui/download?gene={gene}")[1].count(b"\r\n") - 1
print(json.dumps({"measure": "gene page content", "marks": marks, "csv_rows": rows}))
first = html.split(b'data-id="', 1)[1].split(b'"', 1)[0].decode()
measure("variant page", f"/ui/variant/{first}", 300)
measure(f"CSV of every row ({rows})", f"/ui/download?gene={gene}", 2000)
if shutil.which("chromium"):
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            c = b.new_context()
            c.add_cookies([{"name": "varde_session", "value": token, "url": base + "/ui/"}])
            pg = c.new_page()
            fcps = []
            for _ in range(5):
                pg.goto(base + f"/ui/gene/{gene}")
                fcps.append(pg.evaluate("() => performance.getEntriesByName('first-contentful-paint')[0].startTime"))
            b.close()
        print(json.dumps({"measure": "gene page first contentful paint (chromium)", "runs": 5, "median_ms": round(statistics.median(fcps), 1),
                          "max_ms": round(max(fcps), 1), "target_ms": 1500, "ok": max(fcps) <= 1500}))
    except ImportError:
        print(json.dumps({"measure": "first contentful paint", "skipped": "playwright missing"}))
