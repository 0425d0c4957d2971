/// The web UI's stylesheet, its one script and its icon, compiled into the binary: no CDN, no npm, nothing fetched
/// from elsewhere (CSP `default-src 'self'`). The pages work without the script; it only submits the filter forms
/// on change and links hovering a plot mark with its table row.
enum UIAssets {
    static let css = """
    :root { --ink: #1d252c; --muted: #4a5561; --line: #cfd6dd; --bg: #f6f8fa; --accent: #0b5cad; --warn: #8a1c1c; }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
    a { color: var(--accent); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f0b400; outline-offset: 1px; }
    .skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 6px; }
    .skip:focus { left: 6px; z-index: 2; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    header.top { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; padding: 10px 20px; background: #12324f; color: #fff; }
    header.top a { color: #fff; }
    .brand { font-weight: 700; font-size: 20px; text-decoration: none; letter-spacing: .5px; }
    form.search { display: flex; flex: 1 1 320px; gap: 6px; min-width: 0; }
    form.search input { flex: 1; min-width: 0; padding: 7px 9px; font-size: 15px; border: 1px solid #7d93a8; border-radius: 4px; }
    button { padding: 7px 12px; font-size: 14px; border: 1px solid #0b4a8a; background: #0b5cad; color: #fff; border-radius: 4px; cursor: pointer; }
    button.link { background: none; border: none; color: #fff; text-decoration: underline; padding: 0; }
    .who { display: flex; align-items: center; gap: 10px; }
    form.inline { display: inline; }
    .badge { display: inline-block; padding: 2px 9px; border-radius: 10px; font-size: 13px; font-weight: 600; border: 1px solid #fff; }
    .tier-anonymous { background: #e9edf1; color: #1d252c; }
    .tier-registered { background: #ffe8a3; color: #3d2c00; }
    .tier-controlled { background: #c9f0d6; color: #0b3d1d; }
    main { max-width: 1120px; margin: 0 auto; padding: 14px 20px 30px; }
    h1 { font-size: 26px; margin: 6px 0 2px; overflow-wrap: anywhere; }
    h2 { font-size: 19px; margin: 22px 0 8px; }
    .sub, .note { color: var(--muted); }
    .lead { max-width: 70ch; }
    code { background: var(--bg); padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
    ul.chips { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 8px; }
    ul.chips a { display: inline-block; padding: 4px 10px; border: 1px solid var(--line); border-radius: 14px; text-decoration: none; background: var(--bg); }
    form.controls { display: flex; flex-wrap: wrap; gap: 10px 22px; align-items: flex-end; padding: 10px 12px; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; }
    .field { margin: 0; }
    fieldset.field { border: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 12px; }
    fieldset.field legend { font-weight: 600; padding: 0; margin-bottom: 2px; width: 100%; }
    .field > label:first-child { display: block; font-weight: 600; }
    select, .field input[type=text], #maxaf { padding: 5px; font-size: 14px; max-width: 100%; }
    label.toggle { display: inline-flex; align-items: center; gap: 4px; }
    svg.swatch { width: 16px; height: 16px; }
    .n { color: var(--muted); }
    figure.plot { margin: 8px 0 4px; overflow-x: auto; }
    figure.plot svg.track { min-width: 640px; }
    figure.plot svg.bars { min-width: 560px; }
    figure.plot svg { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; display: block; }
    figure.small svg { max-width: 480px; }
    figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
    svg a.mark:hover path, svg a.mark:hover circle, svg a.mark:hover rect, svg a.mark.hl path, svg a.mark.hl circle, svg a.mark.hl rect { stroke: #000; stroke-width: 2.2; }
    .count { font-weight: 600; }
    .tablewrap { overflow-x: auto; max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
    table { border-collapse: collapse; width: 100%; font-size: 14px; }
    th, td { padding: 5px 8px; border-bottom: 1px solid #e3e8ed; text-align: left; white-space: nowrap; }
    thead th { background: var(--bg); position: sticky; top: 0; }
    th.num { text-align: right; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    tr.hl td, tr.picked th, tr.picked td { background: #fff6d6; }
    .csq-lof { color: #a33f00; font-weight: 600; }
    .pager { margin: 10px 0; display: flex; gap: 16px; }
    .presence .answer, .answer { font-size: 22px; font-weight: 700; margin: 14px 0 6px; }
    .answer.yes { color: #0b5d2a; }
    .answer.no { color: var(--muted); }
    .error { color: var(--warn); font-weight: 600; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 10px 0; }
    dl.facts dt { font-weight: 600; }
    dl.facts dd { margin: 0; overflow-wrap: anywhere; }
    form.login { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 12px 0; }
    form.login input { padding: 7px; font-size: 15px; min-width: 0; flex: 1 1 220px; max-width: 420px; }
    footer { border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; padding: 8px 20px; max-width: 1120px; margin: 0 auto; }
    @media (max-width: 700px) {
      header.top { padding: 8px 10px; }
      main { padding: 10px; }
      form.controls { gap: 8px 14px; }
      h1 { font-size: 22px; }
    }
    """

    static let script = """
    // Varde web UI: the pages work without this file. It submits a filter form when a control changes, and links a
    // plot mark with its table row on hover and focus. No data is fetched here.
    "use strict";
    document.addEventListener("DOMContentLoaded", function () {
      document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
        form.addEventListener("change", function (event) {
          if (event.target && event.target.id === "maxaf") { return; }
          submit(form);
        });
        form.addEventListener("submit", function (event) { event.preventDefault(); submit(form); });
      });
      function submit(form) {
        // Consequence checkboxes travel as one csq=a,b list (left out when all are on), empty fields not at all.
        var data = new FormData(form), params = new URLSearchParams(), csq = [], boxes = form.querySelectorAll("input[type=checkbox][name=csq]");
        data.forEach(function (value, key) {
          if (key === "csq") { if (value !== "") { csq.push(value); } } else if (value !== "" && !(key === "origin" && value === "all") && !(key === "sort" && value === "position")) { params.append(key, value); }
        });
        if (boxes.length && csq.length < boxes.length) { params.set("csq", csq.join(",")); }
        var query = params.toString();
        window.location.assign(form.getAttribute("action") + (query ? "?" + query : ""));
      }
      function rows(id) { return document.querySelectorAll('tr[data-id="' + CSS.escape(id) + '"]'); }
      document.querySelectorAll("svg a.mark").forEach(function (mark) {
        var id = mark.getAttribute("data-id");
        function on() { mark.classList.add("hl"); rows(id).forEach(function (r) { r.classList.add("hl"); }); }
        function off() { mark.classList.remove("hl"); rows(id).forEach(function (r) { r.classList.remove("hl"); }); }
        mark.addEventListener("mouseenter", on); mark.addEventListener("mouseleave", off);
        mark.addEventListener("focus", on); mark.addEventListener("blur", off);
      });
      document.querySelectorAll("tr[data-id]").forEach(function (row) {
        var id = row.getAttribute("data-id"), marks = document.querySelectorAll('svg a.mark[data-id="' + CSS.escape(id) + '"]');
        row.addEventListener("mouseenter", function () { marks.forEach(function (m) { m.classList.add("hl"); }); });
        row.addEventListener("mouseleave", function () { marks.forEach(function (m) { m.classList.remove("hl"); }); });
      });
    });
    """

    static let favicon = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#12324f"/><path d="M7 9l9 15 9-15" fill="none" stroke="#f0b400" stroke-width="4" stroke-linejoin="round"/></svg>
    """
}
