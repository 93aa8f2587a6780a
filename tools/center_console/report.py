"""The HTML report: incident timeline, evidence thumbnails, delivery figures.

Rendered from the book's summary (summary.json), so it can be re-rendered
later (`tools/center report DIR`) with extra verification lines, e.g. the
demo's check of the gateway's accepted events against what arrived. One
self-contained file; images are referenced as evidence/<event id>.jpg next
to it.
"""
import html
import time

from . import book

SEVERITY_COLOURS = {"info": "#9aa5b1", "notice": "#3b82c4", "warning": "#e0a100",
                    "alarm": "#d64545", "critical": "#8e1b1b"}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2933;
     background:#f5f7fa}
h1{margin:0 0 4px 0;font-size:24px} h2{font-size:18px;margin:28px 0 8px 0}
.sub{color:#52606d;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 3px #0002;min-width:130px}
.card .v{font-size:24px;font-weight:600} .card .k{color:#52606d;font-size:12px}
.card.bad .v{color:#d64545} .card.good .v{color:#1f7a3d}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 3px #0002;font-size:13px}
td,th{padding:5px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{background:#e4e7eb}
.sev{display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;font-size:12px}
img.thumb{height:72px;border-radius:4px;margin:2px}
.gallery{display:flex;flex-wrap:wrap;gap:12px}
.gallery figure{background:#fff;margin:0;padding:8px;border-radius:8px;box-shadow:0 1px 3px #0002}
.gallery img{max-width:360px;max-height:270px;display:block}
.gallery figcaption{font-size:12px;color:#52606d;max-width:360px}
.verify{background:#fff;border-left:4px solid #1f7a3d;padding:8px 14px;box-shadow:0 1px 3px #0002}
.verify.bad{border-color:#d64545}
code{background:#e4e7eb;padding:0 3px;border-radius:3px}
"""


def esc(x):
    return html.escape("" if x is None else str(x))


def hms(ms):
    return time.strftime("%H:%M:%S", time.localtime(ms / 1000.0)) if ms else "-"


def ms_text(ms):
    if ms is None:
        return "-"
    return "%d ms" % ms if abs(ms) < 10000 else "%.1f s" % (ms / 1000.0)


def severity_badge(sev):
    return '<span class="sev" style="background:%s">%s</span>' % (
        SEVERITY_COLOURS.get(sev, "#9aa5b1"), esc(sev))


def card(value, key, tone=""):
    return '<div class="card %s"><div class="v">%s</div><div class="k">%s</div></div>' % (
        tone, esc(value), esc(key))


def span_of(summary, now_ms):
    """The time axis: from the first event (or outage) to the last."""
    points = []
    for inc in summary["incidents"]:
        points += [e["ts"] for e in inc["events"] if isinstance(e.get("ts"), int)]
    for start, end in summary.get("offline", []):
        points += [start] + ([end] if end else [])
    if not points:
        return now_ms - 60000, now_ms
    t0, t1 = min(points), max(points + [now_ms if summary.get("open_end") else 0])
    pad = max(2000, (t1 - t0) // 30)
    return t0 - pad, t1 + pad


def timeline_svg(summary, now_ms):
    """One row per incident: a bar from raise to clear (or to the end),
    coloured by the severity in force, a diamond where it was acknowledged;
    grey bands where the center could not reach the broker."""
    incs = sorted(summary["incidents"],
                  key=lambda i: min([e["ts"] for e in i["events"] if isinstance(e.get("ts"), int)]
                                    or [0]))
    t0, t1 = span_of(summary, now_ms)
    left, width, row = 250, 720, 22
    height = 40 + row * max(1, len(incs))

    def x(t):
        return left + (t - t0) * width / max(1, t1 - t0)

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'style="background:#fff;box-shadow:0 1px 3px #0002;border-radius:8px" '
           'font-family="sans-serif" font-size="11">' % (left + width + 20, height + 10)]
    for start, end in summary.get("offline", []):
        xa, xb = x(start), x(end or t1)
        out.append('<rect x="%.1f" y="18" width="%.1f" height="%d" fill="#cbd2d9" opacity="0.6"/>'
                   % (xa, max(1.0, xb - xa), height - 18))
        out.append('<text x="%.1f" y="14" fill="#52606d">broker down</text>' % xa)
    step = max(5000, ((t1 - t0) // 8 // 5000) * 5000)
    t = t0 - t0 % step + step
    while t < t1:
        out.append('<line x1="%.1f" x2="%.1f" y1="18" y2="%d" stroke="#e4e7eb"/>'
                   % (x(t), x(t), height))
        out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#52606d">%s</text>'
                   % (x(t), height + 8, hms(t)))
        t += step
    for n, inc in enumerate(incs):
        y = 24 + n * row
        label = "%s  %s" % (inc["detector"], inc["type"])
        out.append('<text x="6" y="%d">%s</text>' % (y + 12, esc(label[:40])))
        evs = [e for e in inc["events"] if isinstance(e.get("ts"), int)]
        evs.sort(key=lambda e: e["ts"])
        for k, e in enumerate(evs):
            if e["state"] == "clear":
                break
            end = evs[k + 1]["ts"] if k + 1 < len(evs) else t1
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="14" rx="3" fill="%s">'
                       '<title>%s %s %s</title></rect>' % (
                           x(e["ts"]), y + 2, max(2.0, x(end) - x(e["ts"])),
                           SEVERITY_COLOURS.get(e["severity"], "#9aa5b1"),
                           esc(hms(e["ts"])), esc(e["severity"]), esc(e["message"])))
        if inc.get("acked_ts"):
            ax = x(inc["acked_ts"])
            out.append('<path d="M%.1f %d l6 6 l-6 6 l-6 -6z" fill="#1f7a3d" stroke="#fff">'
                       '<title>acknowledged by %s</title></path>'
                       % (ax, y + 3, esc(inc.get("acked_by"))))
    out.append("</svg>")
    return "\n".join(out)


def id_range(r):
    """"5" or "5-9": a range of summary["events"]["gaps"], or a single id
    (a summary written before ranges)."""
    if isinstance(r, int):
        return str(r)
    return str(r[0]) if r[0] == r[1] else "%d-%d" % (r[0], r[1])


def figures(summary):
    ev, evid, tel, lat = (summary["events"], summary["evidence"], summary["telemetry"],
                          summary["latency"])
    missing = book.missing_count(ev["gaps"])
    cards = [card(ev["unique"], "events received (unique)"),
             card(ev["duplicates_dropped"], "duplicates dropped by id"),
             card(missing, "missing event ids", "bad" if missing else "good"),
             card(evid["saved"], "evidence images"),
             card(len(evid["missing"]), "evidence missing", "bad" if evid["missing"] else "good"),
             card(ms_text(lat["live"]["p50_ms"]), "latency p50 (live)"),
             card(ms_text(lat["live"]["p99_ms"]), "latency p99 (live)"),
             card(ms_text(lat["held"]["max_ms"]), "max latency (held by outage)"),
             card(summary["renotifications"], "re-notifications"),
             card(tel["samples"], "telemetry samples")]
    rows = [("events received, unique", ev["unique"]),
            ("duplicate events dropped (same id)", ev["duplicates_dropped"]),
            ("missing event ids (holes in <gateway>-<boot>-<seq>)",
             ", ".join("%s: %s" % (k, ", ".join(id_range(r) for r in v))
                       for k, v in ev["gaps"].items()) or "none"),
            ("evidence images saved / duplicates dropped / missing",
             "%d / %d / %d" % (evid["saved"], evid["duplicates_dropped"], len(evid["missing"]))),
            ("telemetry batches / samples / duplicate samples",
             "%d / %d / %d" % (tel["batches"], tel["samples"], tel["duplicate_samples"])),
            # .get: a summary.json written before these were counted still renders
            ("malformed messages refused",
             summary.get("bad_message_count", len(summary.get("bad_messages", [])))),
            ("journal records a restart could not apply",
             len(summary.get("journal", {}).get("skipped", [])))]
    for name, label in (("all", "all events"), ("live", "made while the center was connected"),
                        ("held", "made during an outage (held in the gateway's store)")):
        f = lat[name]
        rows.append(("end-to-end latency, %s (n=%d): p50 / p99 / max" % (label, f["n"]),
                     "%s / %s / %s" % (ms_text(f["p50_ms"]), ms_text(f["p99_ms"]),
                                       ms_text(f["max_ms"]))))
    for start, end in summary.get("offline", []):
        rows.append(("center offline (broker unreachable)", "%s - %s (%s)" % (
            hms(start), hms(end), ms_text(end - start) if end else "still")))
    return '<div class="cards">%s</div><h2>Delivery</h2><table>%s</table>' % (
        "".join(cards), "".join("<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v))
                                for k, v in rows))


def ack_cell(inc):
    if inc.get("acked_by"):
        note = (" (%s)" % inc["ack_note"]) if inc.get("ack_note") else ""
        return "acknowledged by %s at %s%s" % (inc["acked_by"], hms(inc.get("acked_ts")), note)
    req = inc.get("ack_request")
    if req:
        return "ack %s (request %s)" % (req.get("status"), req.get("id"))
    return "-"


def incidents_table(summary):
    head = ("<tr><th>raised</th><th>site / gateway</th><th>detector</th><th>type</th>"
            "<th>severity</th><th>state</th><th>ack</th><th>latency</th><th>message</th>"
            "<th>evidence</th></tr>")
    rows = []
    for inc in sorted(summary["incidents"], key=lambda i: i.get("raised_ts") or 0):
        thumbs = "".join('<a href="%s"><img class="thumb" src="%s" alt="evidence"></a>'
                         % (esc(e["path"]), esc(e["path"])) for e in inc["evidence"])
        state = inc["state"] + (" at " + hms(inc["cleared_ts"]) if inc.get("cleared_ts") else "")
        extra = ""
        if inc.get("renotify"):
            extra += " (re-notified %d x)" % inc["renotify"]
        if inc.get("escalated"):
            extra += " (escalated)"
        rows.append("<tr><td>%s</td><td>%s / %s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                    "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                        hms(inc.get("raised_ts")), esc(inc["site"]), esc(inc["gateway"]),
                        esc(inc["detector"]), esc(inc["type"]), severity_badge(inc["max_severity"]),
                        esc(state + extra), esc(ack_cell(inc)),
                        ms_text(inc.get("raise_latency_ms")),
                        esc(inc.get("raise_message") or inc["message"]), thumbs))
    return "<table>%s%s</table>" % (head, "".join(rows))


def commands_table(summary):
    if not summary.get("commands"):
        return "<p>No commands sent.</p>"
    rows = []
    for c in summary["commands"]:
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>"
                    % (hms(c.get("sent_ms")), esc(c.get("gateway")), esc(c.get("name")),
                       esc(c.get("fields")), esc(c.get("outcome"))))
    return ("<table><tr><th>sent</th><th>gateway</th><th>command</th><th>request</th>"
            "<th>outcome</th></tr>%s</table>" % "".join(rows))


def gallery(summary):
    figs = []
    for inc in summary["incidents"]:
        for e in inc["evidence"]:
            figs.append('<figure><img src="%s" alt="evidence"><figcaption>%s %s, %s: %s'
                        '</figcaption></figure>' % (
                            esc(e["path"]), esc(hms(e.get("ts"))), esc(inc["detector"]),
                            esc(inc["type"]), esc(e.get("message"))))
    return '<div class="gallery">%s</div>' % "".join(figs) if figs else "<p>No evidence images.</p>"


def gateways(summary):
    rows = []
    for key, st in sorted(summary.get("status", {}).items()):
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
            esc(key), "online" if st.get("online") else "offline", esc(st.get("boot")),
            esc(st.get("version")), esc(st.get("mode", "(not reported)"))))
    if not rows:
        return "<p>No gateway status received.</p>"
    return ("<table><tr><th>site / gateway</th><th>status</th><th>boot</th><th>version</th>"
            "<th>mode</th></tr>%s</table>" % "".join(rows))


def verification(lines):
    if not lines:
        return ""
    bad = any(l.get("bad") for l in lines)
    return '<h2>Verification</h2><div class="verify%s">%s</div>' % (
        " bad" if bad else "", "".join("<p>%s</p>" % esc(l["text"]) for l in lines))


def render(summary, title="District center report", checks=None, now_ms=None):
    """The report as one HTML string. checks: [{"text": ..., "bad": bool}]."""
    now_ms = now_ms or int(time.time() * 1000)
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>%s</title>"
             "<style>%s</style></head><body>" % (esc(title), STYLE),
             "<h1>%s</h1><div class='sub'>topic prefix <code>%s</code>, written %s</div>" % (
                 esc(title), esc(summary.get("prefix")),
                 time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now_ms / 1000.0))),
             figures(summary), verification(checks),
             "<h2>Incident timeline</h2>", timeline_svg(summary, now_ms),
             "<h2>Incidents</h2>", incidents_table(summary),
             "<h2>Evidence</h2>", gallery(summary),
             "<h2>Commands sent</h2>", commands_table(summary),
             "<h2>Gateways</h2>", gateways(summary),
             "</body></html>"]
    return "\n".join(parts)
