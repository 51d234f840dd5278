"""The figures of bench/scale.sh, from the raw files it leaves per cell (see bench/README.md, "Scale").

  python3 bench/scale_report.py cell DIR            # one cell's summary, a JSON line (DIR: target/bench-scale/<org>)
  python3 bench/scale_report.py line JSON           # that summary in one line, for the console
  python3 bench/scale_report.py report CELLS.jsonl DELAY_MS [R:WARMUP_JSON ...]   # the Markdown section
"""
import collections
import json
import os
import re
import sys


def read_meta(d):
    meta = {}
    for line in open(os.path.join(d, "meta.txt")):
        k, _, v = line.rstrip("\n").partition("=")
        meta[k] = v
    return meta


def stats(d, name):
    p = os.path.join(d, "stats-%s.json" % name)
    return json.load(open(p)) if os.path.exists(p) else None


def key_requests(st, key):
    return st["requestsByKey"].get(key, 0) if st else 0


def key_endpoints(st, key):
    return st["requestsByKeyEndpoint"].get(key, {}) if st else {}


def key_429(st, key):
    return st["rateLimitedByKey"].get(key, 0) if st else 0


def delta_endpoints(a, b, key):
    ea, eb = key_endpoints(a, key), key_endpoints(b, key)
    return {e: n - ea.get(e, 0) for e, n in sorted(eb.items()) if n - ea.get(e, 0)}


def http(d, name):
    """(status, ms) from a file written by curl -w '%{http_code} %{time_total}'."""
    p = os.path.join(d, name + ".txt")
    if not os.path.exists(p):
        return None, None
    code, secs = open(p).read().split()[:2]
    return int(code), round(float(secs) * 1000, 1)


def body(d, name):
    try:
        return json.load(open(os.path.join(d, name + "-body.json")))
    except (OSError, ValueError):
        return None


def choose_figures(d, tag, key):
    before, after = stats(d, tag + "-before"), stats(d, tag + "-after")
    if before is None:
        return None
    status, ms = http(d, tag)
    b = body(d, tag)
    problem = None
    if status != 200 and isinstance(b, dict):
        problem = (b.get("code") or b.get("title") or "") + (": " + b["detail"][:120] if b.get("detail") else "")
    return {"status": status, "ms": ms, "calls": key_requests(after, key) - key_requests(before, key),
            "byEndpoint": delta_endpoints(before, after, key), "rateLimited": key_429(after, key) - key_429(before, key),
            "problem": problem}


def log_counts(meta):
    """WARN and ERROR lines the replicas logged since the cell started (JSON or plain log lines)."""
    seen = collections.Counter()
    for k, v in meta.items():
        if not k.startswith("log_"):
            continue
        path, _, start = v.rpartition(":")
        try:
            lines = open(path, errors="replace").read().splitlines()[int(start):]
        except OSError:
            continue
        for line in lines:
            try:
                d = json.loads(line)
                level, msg = d.get("level"), d.get("message", "")
                cause = (d.get("exception") or {}).get("exceptionType", "")
            except ValueError:
                m = re.search(r"\b(WARN|ERROR)\b\s+\[[^\]]*\]\s+(?:\([^)]*\)\s+)?(.*)", line)
                if not m:
                    continue
                level, msg, cause = m.group(1), m.group(2), ""
            if level in ("WARN", "ERROR"):
                msg = re.sub(r"/orgs/[a-z0-9-]+/", "/orgs/{org}/", msg)
                msg = re.sub(r"01SCALE\d+", "01SCALE…", msg)[:90]
                seen["%s %s%s" % (level, msg, " (%s)" % cause.split(".")[-1] if cause else "")] += 1
    return {"warn": sum(n for m, n in seen.items() if m.startswith("WARN")),
            "error": sum(n for m, n in seen.items() if m.startswith("ERROR")),
            "top": ["%d x %s" % (n, m) for m, n in seen.most_common(4)]}


def cold_figures(d, meta, key, delay):
    """The cold check: the median of its samples (each after its own re-install) against the median of the
    plain calls measured beside them; every sample must answer 200, approved, ON_CALL. Older runs: one sample."""
    samples = []
    i = 1
    while os.path.exists(os.path.join(d, "cold%d.txt" % i)):
        status, ms = http(d, "cold%d" % i)
        b = body(d, "cold%d" % i) or {}
        one = meta.get("onecall_%d" % i)
        samples.append({"status": status, "ms": ms, "approved": b.get("approved"), "code": b.get("code") or b.get("title"),
                        "oneCallMs": round(float(one) * 1000, 1) if one else None,
                        "calls": key_requests(stats(d, "cold%d-after" % i), key) - key_requests(stats(d, "cold%d-before" % i), key),
                        "byEndpoint": delta_endpoints(stats(d, "cold%d-before" % i), stats(d, "cold%d-after" % i), key)})
        i += 1
    if not samples:  # runs before samples: one cold check, counted since the re-install (or since choosing)
        status, ms = http(d, "cold")
        b = body(d, "cold") or {}
        base = stats(d, "reinstalled") or stats(d, "choose-after")
        one = meta.get("onecall")
        samples.append({"status": status, "ms": ms, "approved": b.get("approved"), "code": b.get("code") or b.get("title"),
                        "oneCallMs": round(float(one) * 1000, 1) if one else None,
                        "calls": key_requests(stats(d, "cold-after"), key) - key_requests(base, key),
                        "byEndpoint": delta_endpoints(base, stats(d, "cold-after"), key)})
    worst = next((x for x in samples if not (x["status"] == 200 and x["approved"] is True and x["code"] == "ON_CALL")), samples[0])
    ms = median([x["ms"] for x in samples if x["ms"]])
    ones = [x["oneCallMs"] for x in samples if x["oneCallMs"]]
    one = median(ones) if ones else None
    most = max(samples, key=lambda x: x["calls"])
    return {"status": worst["status"], "code": worst["code"], "approved": worst["approved"], "ms": ms,
            "ratio": round(ms / delay, 2) if ms else None, "oneCallMs": round(one, 1) if one else None,
            "ratioToCall": round(ms / one, 2) if ms and one else None, "calls": most["calls"], "byEndpoint": most["byEndpoint"],
            "samples": [[x["ms"], x["oneCallMs"], x["calls"]] for x in samples]}


def median(values):
    v = sorted(values)
    if not v:
        return None
    return round(v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2, 1)


def cell(d):
    meta = read_meta(d)
    org, n, r = meta["org"], int(meta["n"]), int(meta["replicas"])
    key = "bench-key-" + org
    delay = float(meta["delay"])
    out = {"org": org, "n": n, "replicas": r, "rate": float(meta["rate"]), "delayMs": delay,
           "chooseOnly": bool(meta.get("chooseOnly")), "quiet": meta.get("quiet"),
           "loads": {k[5:]: v for k, v in meta.items() if k.startswith("load_")}}
    end = stats(d, "end")
    keys = [key]
    if not out["chooseOnly"]:
        out["choose"] = choose_figures(d, "choose", key)
        out["cold"] = cold_figures(d, meta, key, delay)
        if stats(d, "other-after"):
            status, ms = http(d, "other")
            b = body(d, "other") or {}
            out["other"] = {"status": status, "ms": ms, "ratio": round(ms / delay, 2) if ms else None,
                            "approved": b.get("approved"), "code": b.get("code") or b.get("title"),
                            "calls": key_requests(stats(d, "other-after"), key) - key_requests(stats(d, "cold-after"), key),
                            "byEndpoint": delta_endpoints(stats(d, "cold-after"), stats(d, "other-after"), key)}
        t1, t2 = float(meta["t1"]), float(meta["t2"])
        s1, s2 = stats(d, "t1"), stats(d, "t2")
        per_min = 60.0 / (t2 - t1)
        try:
            steady = json.load(open(os.path.join(d, "steady.json")))
        except (OSError, ValueError):
            steady = {"failed": True, "statuses": {}, "errors": {"load client failed": 1}, "count503": 0,
                      "measured": {"p50Ms": None, "p99Ms": None, "maxMs": None}, "p50Ms": None, "p99Ms": None,
                      "maxMs": None, "targetRate": float(meta["rate"]), "seconds": None, "byUrl": {},
                      "senderWorstLateMs": None}
        out["steady"] = {"callsPerMin": round((key_requests(s2, key) - key_requests(s1, key)) * per_min, 1),
                         "windowSeconds": round(t2 - t1, 1),
                         "byEndpointPerMin": {e: round(c * per_min, 1) for e, c in delta_endpoints(s1, s2, key).items()},
                         "rateLimitedInWindow": key_429(s2, key) - key_429(s1, key),
                         "load": steady}
    if meta.get("many_org"):
        many_key = "bench-key-" + meta["many_org"]
        keys.append(many_key)
        out["many"] = choose_figures(d, "many", many_key)
        out["many"]["n"] = int(meta.get("many_n", 0)) or None
    out["rateLimited"] = sum(key_429(end, k) for k in keys)
    s503 = 0
    for part in ("choose", "many"):
        if out.get(part) and out[part]["status"] == 503:
            s503 += 1
    for part in ("cold", "other"):
        if out.get(part) and out[part]["status"] == 503:
            s503 += 1
    if out.get("steady"):
        s503 += out["steady"]["load"].get("count503", 0)
    out["answered503"] = s503
    out["log"] = log_counts(meta)
    return out


def counts(d):
    """{'200': 5, '503': 1} as '200: 5, 503: 1'."""
    return ", ".join("%s: %s" % kv for kv in d.items()) or "none"


def js(v):
    """A JSON scalar as JSON writes it."""
    return json.dumps(v) if isinstance(v, bool) or v is None else v


def fmt_endpoints(e):
    short = {"GET /v2/schedules": "list", "GET /v2/schedules/{id}": "schedule", "GET /v2/schedule_entries": "entries",
             "GET /v1/identity": "identity"}
    return ", ".join("%s %s" % (short.get(k, k), v) for k, v in e.items()) or "none"


def fmt_choose(c):
    if c is None:
        return "not measured"
    s = "**%s** in **%s ms**, **%d** incident.io call(s) (%s)" % (c["status"], c["ms"], c["calls"], fmt_endpoints(c["byEndpoint"]))
    if c["rateLimited"]:
        s += ", %d answered 429" % c["rateLimited"]
    if c.get("problem"):
        s += "; answer: %s" % c["problem"]
    return s


def line(c):
    parts = ["%d schedules, %d replica(s):" % (c["n"], c["replicas"])]
    if c.get("choose"):
        parts.append("choose %s %s ms %d calls;" % (c["choose"]["status"], c["choose"]["ms"], c["choose"]["calls"]))
    if c.get("cold"):
        k = c["cold"]
        parts.append("cold %s %s %s ms (%s x) %d calls;" % (k["status"], k["code"], k["ms"], k["ratio"], k["calls"]))
    if c.get("other"):
        k = c["other"]
        parts.append("replica #1's first check %s %s %s ms %d calls;" % (k["status"], k["code"], k["ms"], k["calls"]))
    if c.get("steady"):
        s = c["steady"]
        parts.append("steady %.1f calls/min, p50 %s p99 %s ms, statuses %s;" % (
            s["callsPerMin"], s["load"]["measured"]["p50Ms"], s["load"]["measured"]["p99Ms"], counts(s["load"]["statuses"])))
    if c.get("many"):
        parts.append("choose-many %s %s ms %d calls;" % (c["many"]["status"], c["many"]["ms"], c["many"]["calls"]))
    parts.append("429s %d, 503s %d" % (c["rateLimited"], c["answered503"]))
    return " ".join(parts)


def report(cells, delay, warmups):
    goals = []
    for c in cells:
        title = ("%d schedules, %d replica%s" % (c["n"], c["replicas"], "" if c["replicas"] == 1 else "s"))
        if c["chooseOnly"]:
            print("### Choosing %s schedules (account of %d), %d replica%s" % (c["many"].get("n") or c["n"], c["n"], c["replicas"],
                                                                            "" if c["replicas"] == 1 else "s"))
        else:
            print("### %s" % title)
        print()
        print("| figure | value |")
        print("|---|---|")
        if not c["chooseOnly"]:
            s = c["steady"]
            load = s["load"]
            m = load["measured"]
            print("| incident.io calls/min for the organization (steady, last %.0f s) | **%.1f** (%s per min) |"
                  % (s["windowSeconds"], s["callsPerMin"], fmt_endpoints(s["byEndpointPerMin"])))
        print("| 429s sent by incident.io / 503s answered (whole cell) | **%d** / **%d** |" % (c["rateLimited"], c["answered503"]))
        if not c["chooseOnly"]:
            print("| choose the %d schedules (PUT …/auto-approval) | %s |" % (c["n"], fmt_choose(c["choose"])))
            k = c["cold"]
            print("| cold check (first check after the replica dropped the organization's schedules and snapshot; median of %d) | **%s** %s, approved %s, **%s ms = %s x** one call as measured (median %s ms; %s x the simulator's %d ms delay); at most %d call(s) (%s); samples (check ms / call ms / calls): %s |"
                  % (len(k.get("samples", [])) or 1, k["status"], k["code"], js(k["approved"]), k["ms"], k.get("ratioToCall"), k.get("oneCallMs"), k["ratio"], delay,
                     k["calls"], fmt_endpoints(k["byEndpoint"]), "; ".join("%s / %s / %s" % tuple(x) for x in k.get("samples", []))))
            if c.get("other"):
                k = c["other"]
                print("| beside: first check on replica #1 (nothing of the organization there) | %s %s, approved %s, %s ms = %s x; "
                      "%d call(s) (%s) |" % (k["status"], k["code"], js(k["approved"]), k["ms"], k["ratio"], k["calls"],
                                            fmt_endpoints(k["byEndpoint"])))
            print("| warm checks, %.0f/s for %.0f s over %d replica(s): p50 / p99 / max (last %.0f s) | **%s / %s** / %s ms; "
                  "whole phase %s / %s / %s ms |"
                  % (load["targetRate"], load["seconds"], c["replicas"], s["windowSeconds"], m["p50Ms"], m["p99Ms"], m["maxMs"],
                     load["p50Ms"], load["p99Ms"], load["maxMs"]))
            print("| answers of the steady checks | %s%s; client errors %s; per replica: %s; sender late by %s ms at worst |"
                  % (counts(load["statuses"]), " (%s)" % counts(load["codes"]) if load.get("codes") else "", counts(load["errors"]),
                     "; ".join("#%s %s" % (u, counts(st)) for u, st in load["byUrl"].items()), load["senderWorstLateMs"]))
        if c.get("many"):
            print("| choose %s of them (a second organization) | %s |" % (c["many"].get("n") or "many", fmt_choose(c["many"])))
        print("| load average (1/5/15 min) before each step | %s; %s |" % (", ".join("%s %s" % kv for kv in c["loads"].items()), c["quiet"]))
        lg = c["log"]
        print("| service log, WARN / ERROR lines during the cell | %d / %d%s |"
              % (lg["warn"], lg["error"], (": " + "; ".join(lg["top"])) if lg["top"] else ""))
        print()

    def verdict(ok):
        return "**PASS**" if ok else "**FAIL**"

    print("### Goals")
    print()
    print("| goal | result | figures |")
    print("|---|---|---|")
    many = [c for c in cells if c.get("many")]
    if many:
        ok = all(c["many"]["status"] == 200 and c["many"]["calls"] <= 3 for c in many)
        print("| choosing %s schedules answers 200 in at most 3 incident.io calls | %s | %s |" % (
            many[0]["many"].get("n") or "many", verdict(ok),
            "; ".join("%d replica(s): %s, %d calls, %s ms" % (c["replicas"], c["many"]["status"], c["many"]["calls"], c["many"]["ms"])
                      for c in many)))
    else:
        print("| choosing 500 schedules answers 200 in at most 3 incident.io calls | not measured | |")
    c200 = [c for c in cells if c["n"] == 200 and not c["chooseOnly"]]
    if c200:
        ok = all(c["cold"]["status"] == 200 and c["cold"]["approved"] is True and c["cold"]["code"] == "ON_CALL"
                 and c["cold"]["calls"] <= 1 and c["cold"]["ms"] <= 1.3 * (c["cold"].get("oneCallMs") or delay) for c in c200)
        print("| a cold check over 200 schedules answers 200, approved, ON_CALL (every sample) within 1.3 x one incident.io call"
              " (medians of the samples; else the simulator's %.0f ms), with at most one call | %s | %s |" % (
            delay, verdict(ok), "; ".join("%d replica(s): %s %s approved=%s, %s ms (%s x one call of %s ms), %d call(s)%s" % (
                c["replicas"], c["cold"]["status"], c["cold"]["code"], js(c["cold"]["approved"]), c["cold"]["ms"],
                c["cold"].get("ratioToCall") or c["cold"]["ratio"], c["cold"].get("oneCallMs") or delay,
                c["cold"]["calls"], "" if not c.get("other") else " (beside, replica #1's first check: %s %s, %s ms, %d call(s))" % (
                    c["other"]["status"], c["other"]["code"], c["other"]["ms"], c["other"]["calls"]))
                for c in c200)))
        for c in c200:
            limit = 12 * c["replicas"]
            note = "" if c["rate"] == 20 else " (measured at %.0f checks/s, not 20)" % c["rate"]
            chosen = c["choose"] and c["choose"]["status"] == 200
            if not chosen:   # an organization without its schedules asks incident.io nothing: not a pass
                note += "; but the 200 schedules were never chosen (choosing answered %s), so the checks had nothing to ask" \
                    % (c["choose"] or {}).get("status")
            print("| %d replica(s) make at most %d calls/min for an organization with 200 schedules at 20 checks/s | %s | %.1f calls/min%s |"
                  % (c["replicas"], limit, verdict(chosen and c["steady"]["callsPerMin"] <= limit), c["steady"]["callsPerMin"], note))
    else:
        print("| cold check and calls/min over 200 schedules | not measured | |")
    total429 = sum(c["rateLimited"] for c in cells)
    total503 = sum(c["answered503"] for c in cells)
    print("| 0 x 429 and 0 x 503 throughout | %s | %d x 429, %d x 503 over %d cells |" % (
        verdict(total429 == 0 and total503 == 0), total429, total503, len(cells)))
    print()
    for w in warmups:
        r, _, j = w.partition(":")
        try:
            d = json.loads(j)
            print("Warm-up with %s replica(s) (not measured): statuses %s, p50 %s ms, p99 %s ms." % (r, counts(d["statuses"]), d["p50Ms"], d["p99Ms"]))
        except ValueError:
            print("Warm-up with %s replica(s): the load client failed." % r)


def main():
    mode = sys.argv[1]
    if mode == "cell":
        print(json.dumps(cell(sys.argv[2])))
    elif mode == "line":
        print(line(json.loads(sys.argv[2])))
    elif mode == "report":
        cells = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
        report(cells, float(sys.argv[3]), sys.argv[4:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
