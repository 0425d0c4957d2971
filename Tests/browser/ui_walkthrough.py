#!/usr/bin/env python3
"""Drives the Varde web UI in Debian's chromium (Playwright, executable_path) as one tier, with real typing and
clicks: sign in, search a gene, open the gene page, open a variant from a plot mark, pick a cohort, toggle a filter,
reload, download the CSV. Every number checked on a page is compared with the native API's (or, anonymous, the
Beacon's) answer for the same token. Also: 0 console or page errors, axe-core without serious or critical
violations, no horizontal overflow at 390 px, a screenshot of each page.

Run by Tests/VardeServiceTests/UIBrowserTests.swift against a live `varde serve`; prints one JSON line and exits 0
when every check passed, 1 with the failures otherwise.
"""
import argparse
import csv
import io
import json
import re
import shutil
import sys
import urllib.parse
import urllib.request

from playwright.sync_api import sync_playwright
from axe_playwright_python.sync_playwright import Axe

ap = argparse.ArgumentParser()
ap.add_argument("--base", required=True)
ap.add_argument("--tier", required=True, choices=["anonymous", "registered", "controlled"])
ap.add_argument("--token", default="")
ap.add_argument("--gene", required=True)
ap.add_argument("--cohort", required=True)
ap.add_argument("--variant", required=True, help="a variant the anonymous walk searches for (chr-pos-ref-alt)")
ap.add_argument("--k", type=int, default=5)
ap.add_argument("--shots", required=True)
args = ap.parse_args()

failures, notes, shots = [], [], []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


def api(path):
    """The native API (or Beacon) answer for the same token, as JSON."""
    req = urllib.request.Request(args.base + path)
    if args.token:
        req.add_header("Authorization", "Bearer " + args.token)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def api_all(path):
    """Every row of a paged native answer."""
    rows, offset = [], 0
    while True:
        sep = "&" if "?" in path else "?"
        page = api(f"{path}{sep}limit=100&offset={offset}")
        rows += page["variants"]
        offset += len(page["variants"])
        if offset >= page["total"] or not page["variants"]:
            return page["total"], rows


def grouped(n):
    return f"{n:,}"


def count_text(freq, key):
    """What the page must show for a count of the API's frequency block."""
    if freq is None:
        return "—"
    v = freq.get(key)
    if v is None:
        return "withheld" if str(freq.get("suppressed", "")).startswith("withheld") else f"< {args.k}"
    return grouped(v)


def af_text(freq):
    if freq is None or freq.get("af") is None:
        if freq is not None and freq.get("an") == 0:
            return "—"
        if freq is not None and str(freq.get("suppressed", "")).startswith("withheld"):
            return "withheld"
        return "suppressed"
    af = freq["af"]
    return "0" if af == 0 else (f"{af:.4f}" if af >= 0.001 else f"{af:.2e}")


def audit_page(page, name):
    """axe, overflow at 390 px, screenshots (desktop and phone)."""
    page.wait_for_load_state("load")
    path = f"{args.shots}/{args.tier}-{name}.png"
    page.screenshot(path=path, full_page=True)
    shots.append(path)
    result = Axe().run(page)
    bad = [v for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
    check(not bad, f"{name}: axe serious/critical: " + "; ".join(f"{v['id']} ({len(v['nodes'])} nodes): {v['help']}" for v in bad))
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check(overflow <= 0, f"{name}: horizontal overflow of {overflow} px at 390 px width")
    mobile = f"{args.shots}/{args.tier}-{name}-390.png"
    page.screenshot(path=mobile, full_page=False)
    shots.append(mobile)
    page.set_viewport_size(size)


def main_text(page):
    return page.inner_text("main")


def walk(p):
    browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text} @ {page.url}"))
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e} @ {page.url}"))

    page.goto(args.base + "/ui/")
    check(page.get_attribute(".badge", "data-tier") == "anonymous", "before sign-in the badge must read anonymous")
    if args.token:
        page.get_by_role("banner").get_by_role("link", name="Sign in").click()
        page.wait_for_url("**/ui/login")
        audit_page(page, "login")
        page.get_by_label("Access token").fill(args.token)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/ui/")
        cookies = [c for c in context.cookies() if c["name"] == "varde_session"]
        check(len(cookies) == 1 and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict" and cookies[0]["path"] == "/ui/",
              f"session cookie must be HttpOnly, SameSite=Strict, Path=/ui/: {cookies}")
        check(page.evaluate("() => document.cookie").find("varde_session") < 0, "scripts must not read the session cookie")
    check(page.get_attribute(".badge", "data-tier") == args.tier, f"badge must read {args.tier}, not {page.get_attribute('.badge', 'data-tier')}")
    audit_page(page, "home")

    # Search: type the gene and press Enter.
    page.get_by_role("searchbox").fill(args.gene)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ui/gene/{args.gene}**")
    gene_url = page.url

    if args.tier == "anonymous":
        beacon = api(f"/g_variants?geneId={args.gene}")
        answer = page.inner_text(".answer")
        check(answer == ("Variants present" if beacon["responseSummary"]["exists"] else "No variants present"),
              f"anonymous gene answer '{answer}' against Beacon exists={beacon['responseSummary']['exists']}")
        check(page.locator("svg.track").count() == 0 and page.locator("table").count() == 0, "anonymous gene page must have no plot and no table")
        check(not re.search(r"\bA[CFN]\b|allele count|of \d+ variants", main_text(page)), "anonymous gene page must show no counts")
        audit_page(page, "gene")
        chrom, pos, ref, alt = args.variant.split("-")
        page.get_by_role("searchbox").fill(f"chr{chrom}:{pos} {ref}>{alt}")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/ui/variant/{args.variant}**")
        beacon = api(f"/g_variants?referenceName={chrom}&start={int(pos) - 1}&referenceBases={ref}&alternateBases={alt}")
        answer = page.inner_text(".answer")
        check(answer == ("Present" if beacon["responseSummary"]["exists"] else "Not present"), f"anonymous variant answer '{answer}' against {beacon['responseSummary']}")
        digits = re.sub(re.escape(args.variant), "", main_text(page))
        check(not re.search(r"\d", digits.replace(str(args.k), "")), f"anonymous variant page shows digits: {digits[:200]}")
        audit_page(page, "variant")
        # The native API and the downloads are not for anonymous callers.
        r = page.request.get(args.base + f"/ui/download?gene={args.gene}")
        check(r.status == 401, f"anonymous CSV download must be refused, got {r.status}")
    else:
        total, rows = api_all(f"/api/v1/variants?gene={args.gene}")
        marks = page.locator("svg.track a.mark")
        check(marks.count() == total, f"gene page marks {marks.count()} != API total {total}")
        check(page.get_attribute("#count", "data-total") == str(total), f"count says {page.get_attribute('#count', 'data-total')}, API {total}")
        check(f"of {total} variants" in page.inner_text("#count"), f"'n of total' text wrong: {page.inner_text('#count')}")
        # The table's first page is the API's first 100 rows, cell for cell.
        table = page.locator("table.variants tbody tr")
        check(table.count() == min(100, total), f"table rows {table.count()}")
        for i, row in enumerate(rows[:100]):
            cells = table.nth(i).locator("td")
            got = (cells.nth(0).inner_text(), cells.nth(1).inner_text(), cells.nth(2).inner_text())
            want = (row["id"], count_text(row["population"], "ac"), af_text(row["population"]))
            if not check(got == want, f"table row {i}: {got} != API {want}"):
                break
        audit_page(page, "gene")

        # Click (keyboard) a mark: registered picks one whose cohort count the API suppresses, to see "< k" there.
        _, in_cohort = api_all(f"/api/v1/variants?gene={args.gene}&cohort={args.cohort}")
        target = None
        if args.tier == "registered":
            target = next((r["id"] for r in rows if r["population"].get("nhomalt") is None and r["population"].get("ac") is not None), None)
            check(target is not None, "the fixture should hold a variant whose hom-alt count is suppressed at the registered tier")
        target = target or in_cohort[len(in_cohort) // 2]["id"]
        mark = page.locator(f'svg.track a.mark[data-id="{target}"]')
        check(mark.count() == 1, f"one mark for {target}")
        mark.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/ui/variant/{target}**")
        one = api(f"/api/v1/variants/{target}")["variants"][0]
        first = page.locator("table.freq tbody tr").first
        got = [first.locator("td").nth(i).inner_text() for i in range(4)]
        want = [count_text(one["population"], "ac"), count_text(one["population"], "an"), af_text(one["population"]), count_text(one["population"], "nhomalt")]
        check(got == want, f"variant page AC/AN/AF/Hom {got} != API {want}")
        if args.tier == "registered":
            check(got[3] == f"< {args.k}", f"a suppressed hom-alt count must read '< {args.k}': {got}")
        audit_page(page, "variant")

        # Pick the cohort: the URL changes and its row equals /api/v1/frequencies.
        page.get_by_label("Cohort").select_option(args.cohort)
        page.wait_for_url(f"**cohort={args.cohort}**")
        contig, pos = target.split("-")[0], int(target.split("-")[1])
        freq = api(f"/api/v1/frequencies?region={contig}:{pos}-{pos}&cohort={args.cohort}")
        crow = next(r for r in freq["variants"] if r["id"] == target)
        picked = page.locator("table.freq tbody tr.picked")
        check(picked.count() == 1, "the picked cohort's row is marked")
        got = [picked.locator("td").nth(i).inner_text() for i in range(4)]
        want = [count_text(crow["cohort"], "ac"), count_text(crow["cohort"], "an"), af_text(crow["cohort"]), count_text(crow["cohort"], "nhomalt")]
        check(got == want, f"cohort row {got} != /api/v1/frequencies {want}")
        if args.tier != "registered":
            check(f"< {args.k}" not in main_text(page), "controlled pages show exact counts, never '< k'")
        audit_page(page, "variant-cohort")

        # Back to the gene page with the cohort: toggle a consequence class off, reload, the toggle holds.
        page.goto(gene_url.split("?")[0] + f"?cohort={args.cohort}")
        before = int(page.get_attribute("#count", "data-total"))
        check(before == len(in_cohort), f"gene page in cohort {before} != API {len(in_cohort)}")
        other = page.locator('label.toggle[data-csq="other"] input')
        others = int(re.search(r"\((\d+)\)", page.inner_text('label.toggle[data-csq="other"]')).group(1))
        other.uncheck()
        page.wait_for_url("**csq=**")
        page.reload()
        check(not page.locator('label.toggle[data-csq="other"] input').is_checked(), "the consequence toggle must survive a reload")
        after = int(page.get_attribute("#count", "data-total"))
        check(after == before - others, f"toggling 'other' off leaves {after}, expected {before} - {others}")
        check(page.locator("svg.track a.mark").count() == after, "marks follow the filter")
        audit_page(page, "gene-filtered")
        page.locator('label.toggle[data-csq="other"] input').check()
        page.wait_for_url(lambda url: "csq=" not in url)
        # Maximum AF: the shown rows are the API's rows at or below it (withheld AFs kept, as the page says).
        page.get_by_label("Max AF").fill("0.01")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url("**maxaf=0.01**")
        capped = [r for r in in_cohort if r.get("cohort", {}).get("af") is None or r["cohort"]["af"] <= 0.01]
        check(int(page.get_attribute("#count", "data-total")) == len(capped), f"maxaf 0.01 shows {page.get_attribute('#count', 'data-total')}, API {len(capped)}")

        # Download the CSV of the view: its rows are the API's rows, suppressed cells blank with the reason.
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile("Download CSV")).click()
        text = open(info.value.path(), encoding="utf-8").read()
        table = list(csv.DictReader(io.StringIO(text)))
        check([r["id"] for r in table] == [r["id"] for r in capped], f"CSV ids ({len(table)}) != API ({len(capped)})")
        for r, a in zip(table, capped):
            want_ac = "" if a["cohort"].get("ac") is None else str(a["cohort"]["ac"])
            if not check(r["cohort_ac"] == want_ac and r["ac"] == ("" if a["population"]["ac"] is None else str(a["population"]["ac"])),
                         f"CSV row {r['id']}: ac {r['ac']} cohort_ac {r['cohort_ac']} != API {a['population']['ac']} {a['cohort'].get('ac')}"):
                break
            if a["cohort"].get("ac") is None and not check(r["suppressed"] != "", f"CSV row {r['id']} must say why a cell is blank"):
                break
        notes.append(f"csv rows {len(table)}")
        audit_page(page, "gene-maxaf")

    # Sign out clears the session.
    if args.token:
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/ui/")
        check(page.get_attribute(".badge", "data-tier") == "anonymous", "after sign-out the badge reads anonymous")
    check(not errors, "console/page errors: " + "; ".join(errors))
    browser.close()

with sync_playwright() as p:
    try:
        walk(p)
    except Exception as e:  # a step that timed out or found no element: reported with the others
        failures.append(f"{type(e).__name__}: {str(e)[:1500]}")

print(json.dumps({"tier": args.tier, "failures": failures, "notes": notes, "screenshots": shots}))
sys.exit(1 if failures else 0)
