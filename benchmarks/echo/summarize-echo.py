#!/usr/bin/env python3
"""Markdown summary of a run-echo.sh CSV: medians per server, and medians of per-round ratios.

Usage: summarize-echo.py results-<stamp>.csv > results-<stamp>.md

Ratios are computed within each round (the servers of one round ran back to back) and the median
over rounds is quoted, with the range (min..max) beside it. Goals checked: Loop >= 1.1x Netty req/s,
Loop >= 0.9x the C server req/s, Loop p99 <= Netty p99.
"""
import csv
import statistics
import sys
from collections import defaultdict

GOAL_NETTY = 1.1
GOAL_C = 0.9


def fnum(x):
    return float(x) if x not in (None, "") else None


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio_cell(rs, digits=2):
    rs = [r for r in rs if r is not None]
    if not rs:
        return "n/a", None
    m = statistics.median(rs)
    if len(rs) == 1:
        return f"{m:.{digits}f}", m
    return f"{m:.{digits}f} ({min(rs):.{digits}f}..{max(rs):.{digits}f})", m


def main(path):
    header, rows = [], []
    with open(path, newline="") as f:
        lines = []
        for line in f:
            if line.startswith("#"):
                header.append(line[1:].strip())
            else:
                lines.append(line)
    rows = list(csv.DictReader(lines))
    configs = []
    servers = []
    data = defaultdict(dict)  # (config, round) -> server -> row
    failed = []
    for r in rows:
        cfg = r["config"]
        if cfg not in configs:
            configs.append(cfg)
        if r["server"] not in servers:
            servers.append(r["server"])
        if r["status"] != "ok":
            failed.append(f"round {r['round']} {cfg} {r['server']}: {r['status']}")
            continue
        data[(cfg, r["round"])][r["server"]] = r
    rounds = sorted({k[1] for k in data}, key=int)
    names = {"loop": "Loop", "netty": "Netty", "c": "C"}

    out = []
    out.append(f"# Echo benchmark: {path.rsplit('/', 1)[-1]}")
    out.append("")
    for h in header:
        out.append(f"- {h}")
    out.append("")
    out.append("Configurations are CONNS x SIZE (bytes) x IN-FLIGHT per connection (1 = ping-pong). "
               "Medians over rounds; server CPU is the whole server process (utime+stime) over the "
               "measured interval divided by the requests.")
    out.append("")
    out.append("## Medians per server")
    out.append("")
    out.append("| config | server | req/s | MB/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/req | server CPU (cores) | client CPU |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for cfg in configs:
        for s in servers:
            rs = [data[(cfg, rd)][s] for rd in rounds if s in data.get((cfg, rd), {})]
            if not rs:
                out.append(f"| {cfg} | {names.get(s, s)} | n/a | | | | | | | |")
                continue
            cores = [fnum(r["server_cpu_s"]) / fnum(r["secs"]) if fnum(r["server_cpu_s"]) is not None and fnum(r["secs"]) else None for r in rs]
            out.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                cfg, names.get(s, s),
                fmt(med(fnum(r["rps"]) for r in rs)),
                fmt(med(fnum(r["mbps"]) for r in rs), 1),
                fmt(med(fnum(r["p50_us"]) for r in rs), 1),
                fmt(med(fnum(r["p99_us"]) for r in rs), 1),
                fmt(med(fnum(r["p999_us"]) for r in rs), 1),
                fmt(med(fnum(r["server_cpu_us_per_req"]) for r in rs), 2),
                fmt(med(cores), 2),
                fmt(med(fnum(r["client_cpu"]) for r in rs), 2)))
    out.append("")

    if "loop" in servers and ("netty" in servers or "c" in servers):
        out.append("## Loop against Netty and C: medians of per-round ratios (min..max over rounds)")
        out.append("")
        out.append("| config | Loop/Netty req/s | Loop/C req/s | Loop p99 / Netty p99 | Loop/Netty CPU per req | Loop/C CPU per req | goals (≥1.1× Netty, ≥0.9× C, p99 ≤ Netty) |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        verdicts = []
        for cfg in configs:
            def ratios(a, b, key):
                res = []
                for rd in rounds:
                    d = data.get((cfg, rd), {})
                    if a in d and b in d:
                        x, y = fnum(d[a][key]), fnum(d[b][key])
                        res.append(x / y if x is not None and y else None)
                return res
            rn, mn = ratio_cell(ratios("loop", "netty", "rps"))
            rc, mc = ratio_cell(ratios("loop", "c", "rps"))
            pn, mp = ratio_cell(ratios("loop", "netty", "p99_us"))
            cn, _ = ratio_cell(ratios("loop", "netty", "server_cpu_us_per_req"))
            cc, _ = ratio_cell(ratios("loop", "c", "server_cpu_us_per_req"))
            checks = []
            if mn is not None:
                checks.append(("req/s vs Netty", mn >= GOAL_NETTY))
            if mc is not None:
                checks.append(("req/s vs C", mc >= GOAL_C))
            if mp is not None:
                checks.append(("p99 vs Netty", mp <= 1.0))
            verdict = ", ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks) or "n/a"
            verdicts.append((cfg, checks))
            out.append(f"| {cfg} | {rn} | {rc} | {pn} | {cn} | {cc} | {verdict} |")
        out.append("")
        all_checks = [ok for _, cs in verdicts for _, ok in cs]
        if all_checks:
            met = sum(all_checks)
            out.append(f"Goals met: {met} of {len(all_checks)} checks.")
            out.append("")

    if failed:
        out.append("## Failed runs (left out)")
        out.append("")
        for f_ in failed:
            out.append(f"- {f_}")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
