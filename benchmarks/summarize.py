#!/usr/bin/env python3
"""Turns a JMH JSON result file of this module into the Markdown tables of README.md.

Usage: summarize.py results.json [more.json ...]

Per benchmark: the median of the measurement iterations (pooled over all the files given, so
several runs on a noisy machine can be combined), JMH's mean with its 99.9% error (one per file),
and the allocation per operation from -prof gc (gc.alloc.rate.norm, the mean over the files). Ratios use the medians and are
"Loop relative to the peer": for throughput (ops/us) higher is better for Loop, for ns/op lower is.
"""
import json
import statistics
import sys


def load(paths):
    results = {}
    for path in paths:
        with open(path) as f:
            for entry in json.load(f):
                name = entry["benchmark"].rsplit(".", 2)
                results.setdefault(name[-2] + "." + name[-1], []).append(entry)
    return results


def median(entries):
    raw = [x for e in entries for fork in e["primaryMetric"]["rawData"] for x in fork]
    return statistics.median(raw)


def bop(entries):
    ms = [e.get("secondaryMetrics", {}).get("gc.alloc.rate.norm") for e in entries]
    ms = [m["score"] for m in ms if m is not None]
    return statistics.mean(ms) if ms else None


def fmt(x, digits=1):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def main(paths):
    r = load(paths)
    print("| benchmark | threads | median | mean ± 99.9% error | unit | B/op (-prof gc) |")
    print("| --- | ---: | ---: | ---: | --- | ---: |")
    for name in sorted(r):
        es = r[name]
        means = " / ".join(f"{fmt(e['primaryMetric']['score'], 2)} ± {fmt(e['primaryMetric']['scoreError'], 2)}"
                           for e in es)
        print(f"| {name} | {es[0]['threads']} | {fmt(median(es), 2)} | {means} | "
              f"{es[0]['primaryMetric']['scoreUnit']} | {fmt(bop(es))} |")
    print()

    def ratio(a, b, goal, higher_is_better):
        if a not in r or b not in r:
            return
        x = median(r[a]) / median(r[b])
        ok = x >= goal if higher_is_better else x <= goal
        sign = "≥" if higher_is_better else "≤"
        print(f"| {a} / {b} | {x:.2f}× | {sign} {goal}× | {'met' if ok else '**not met**'} |")

    print("| ratio (medians) | value | goal | |")
    print("| --- | ---: | ---: | --- |")
    q = "QueueBenchmark."
    ratio(q + "loopThread_loopCallSoon", q + "loopThread_nettyExecute", 1.5, True)
    ratio(q + "loopThread_loopCallSoonRunForever", q + "loopThread_nettyExecute", 1.5, True)
    for n in ("cross1", "cross2"):
        for loop in ("loopExecute", "loopCallSoonThreadsafe"):
            ratio(f"{q}{n}_{loop}", f"{q}{n}_nettyExecute", 1.0, True)
        for loop in ("loopExecute", "loopCallSoonThreadsafe"):
            ratio(f"{q}{n}_{loop}", f"{q}{n}_jctoolsOffer", 0.7, True)
    t = "TimerBenchmark."
    for n in ("cancelHalf", "cancelAll"):
        ratio(f"{t}{n}_loop", f"{t}{n}_netty", 1.0, False)
    for n in ("cancelHalf", "cancelAll"):
        if f"{t}{n}_loop" in r and f"{t}{n}_executor" in r:
            x = median(r[f"{t}{n}_loop"]) / median(r[f"{t}{n}_executor"])
            print(f"| {t}{n}_loop / {t}{n}_executor | {x:.2f}× | (none) | |")
    c = "TimerChurnBenchmark."
    if c + "loopChurn" in r and c + "nettyChurn" in r:
        x = median(r[c + "loopChurn"]) / median(r[c + "nettyChurn"])
        print(f"| {c}loopChurn / {c}nettyChurn | {x:.2f}× | (none) | |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
