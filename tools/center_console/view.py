"""Terminal output: one line per event (log view) or a live incident table."""
import time

from . import book as book_mod

COLOURS = {"info": "", "notice": "\033[36m", "warning": "\033[33m",
           "alarm": "\033[31m", "critical": "\033[1;31m"}
RESET = "\033[0m"
COLUMNS = "%-8s  %-9s %-7s %-17s %-26s %-8s %-7s %-20s %9s  %s"


def clock(ms):
    return time.strftime("%H:%M:%S", time.localtime(ms / 1000.0)) if ms else "--:--:--"


def latency(ms):
    if ms is None:
        return "-"
    return "%d ms" % ms if abs(ms) < 10000 else "%.1f s" % (ms / 1000.0)


def paint(text, severity, colour):
    return COLOURS.get(severity, "") + text + RESET if colour and COLOURS.get(severity) else text


def header():
    return COLUMNS % ("time", "site", "gateway", "detector", "type", "severity", "state",
                      "ack", "latency", "message")


def event_line(event, incident, rx_ms, colour=False):
    """One received event: when it happened, who, what, and how long it
    took to reach the center."""
    ts = event.get("ts")
    text = COLUMNS % (clock(ts), event.get("site", "?")[:9], event.get("gateway", "?")[:7],
                      event.get("detector", "?")[:17], event.get("type", "?")[:26],
                      event.get("severity", "?"), event.get("state", "?"),
                      (incident.ack_text() if incident else "-")[:20],
                      latency(rx_ms - ts if isinstance(ts, int) else None),
                      event.get("message", "")[:60])
    return paint(text, event.get("severity"), colour)


def duplicate_line(event, first_rx_ms):
    return "%-8s  duplicate %s dropped (%s %s, first received %s)" % (
        clock(int(time.time() * 1000)), event.get("id"), event.get("type", "?"),
        event.get("state", "?"), clock(first_rx_ms))


def gateways_lines(book):
    out = []
    for key, st in sorted(book.status.items()):
        mode = st.get("mode")
        out.append("  %-20s %-8s boot %-4s version %-8s%s" % (
            key, "online" if st.get("online") else "OFFLINE", st.get("boot", "?"),
            st.get("version", "?"), ("  mode " + mode) if mode else ""))
    return out


def figures_line(book):
    lat = book.latency_figures()["all"]
    gaps = book_mod.missing_count(book.gaps())
    return ("events %d, duplicates dropped %d, missing ids %d, evidence %d, "
            "telemetry samples %d, latency p50 %s p99 %s" % (
                len(book.events), book.duplicate_events, gaps, len(book.evidence),
                book.telemetry_samples, latency(lat["p50_ms"]), latency(lat["p99_ms"])))


def incident_rows(book):
    """Incidents newest first: active ones, then notices and cleared ones."""
    incs = list(book.incidents.values())
    incs.sort(key=lambda i: (i.state != "active", -(i.raised_ts or i.first_seen_ts or 0)))
    return incs


def table(book, notes, height=40, colour=False, connected=True):
    """The live screen: gateways, delivery figures, incidents, recent notes."""
    lines = ["district center  %s  %s" % (clock(int(time.time() * 1000)),
                                          "connected" if connected else "BROKER UNREACHABLE")]
    lines += gateways_lines(book)
    lines.append(figures_line(book))
    lines.append("")
    lines.append("  #  " + header())
    rows = incident_rows(book)
    room = max(3, height - len(lines) - len(notes[-6:]) - 4)
    for n, inc in enumerate(rows[:room], 1):
        text = "%3d  " % n + COLUMNS % (
            clock(inc.raised_ts or inc.first_seen_ts), inc.site[:9], inc.gateway[:7],
            inc.detector[:17], inc.type[:26], inc.max_severity, inc.state,
            inc.ack_text()[:20], latency(inc.raise_latency_ms),
            (inc.raise_message or inc.message)[:60])
        lines.append(paint(text, inc.max_severity if inc.state == "active" else "", colour))
    if len(rows) > room:
        lines.append("     ... %d more" % (len(rows) - room))
    lines.append("")
    lines += notes[-6:]
    lines.append("commands: ack ROW|ID [note] | mode GATEWAY normal|emergency [seconds] | "
                 "report | quit")
    return lines

