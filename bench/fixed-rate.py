#!/usr/bin/env python3
"""Open-loop HTTP load at a fixed request rate (what wrk2's -R does; Debian's wrk has no -R).

Usage: fixed-rate.py URL_FILE RATE SECONDS [CONNECTIONS] [TOKEN]
URL_FILE holds full URLs (http://127.0.0.1:PORT/...), used round-robin. Requests are scheduled every 1/RATE s;
latency is measured from the scheduled time, so a slow server is not hidden (no coordinated omission).
Prints one JSON object: sent, ok, errors, achieved rate, p50/p90/p99/max latency in ms. Loopback only.
"""
import http.client
import json
import queue
import sys
import threading
import time
import urllib.parse


def main():
    urls = [u.strip() for u in open(sys.argv[1]) if u.strip()]
    rate, seconds = float(sys.argv[2]), float(sys.argv[3])
    conns = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    token = sys.argv[5] if len(sys.argv) > 5 else None
    host = urllib.parse.urlsplit(urls[0]).hostname
    assert host in ("127.0.0.1", "localhost", "::1"), "loopback only"
    port = urllib.parse.urlsplit(urls[0]).port
    work = queue.Queue()
    lat, errors, lock = [], [0], threading.Lock()

    def worker():
        c = http.client.HTTPConnection(host, port, timeout=10)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        while True:
            item = work.get()
            if item is None:
                return
            due, url = item
            parts = urllib.parse.urlsplit(url)
            try:
                c.request("GET", parts.path + ("?" + parts.query if parts.query else ""), headers=headers)
                r = c.getresponse()
                r.read()
                ok = r.status == 200
            except Exception:
                ok = False
                c.close()
                c = http.client.HTTPConnection(host, port, timeout=10)
            done = time.monotonic()
            with lock:
                if ok:
                    lat.append((done - due) * 1000)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(conns)]
    for t in threads:
        t.start()
    start = time.monotonic()
    n = int(rate * seconds)
    for i in range(n):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        work.put((due, urls[i % len(urls)]))
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    lat.sort()

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 2) if lat else None

    print(json.dumps({"sent": n, "ok": len(lat), "errors": errors[0], "target_rate": rate,
                      "achieved_rate": round(len(lat) / elapsed, 1), "p50_ms": pct(50), "p90_ms": pct(90),
                      "p99_ms": pct(99), "max_ms": round(lat[-1], 2) if lat else None}))


if __name__ == "__main__":
    main()
