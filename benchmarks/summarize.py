#!/usr/bin/env python3
"""Turns a JMH JSON result file of this module into the Markdown tables of README.md.

Usage: summarize.py results.json [more.json ...]   (later files override earlier ones per benchmark)

Per benchmark: the median of the measurement iterations, JMH's mean with its 99.9% error, and the
allocation per operation from -prof gc (gc.alloc.rate.norm). Ratios use the medians and are
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
                results[name[-2] + "." + name[-1]] = entry
    return results


def median(entry):
    raw = [x for fork in entry["primaryMetric"]["rawData"] for x in fork]
    return statistics.median(raw)


def bop(entry):
    m = entry.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    return None if m is None else m["score"]


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
        e = r[name]
        pm = e["primaryMetric"]
        print(f"| {name} | {e['threads']} | {fmt(median(e), 2)} | {fmt(pm['score'], 2)} ± "
              f"{fmt(pm['scoreError'], 2)} | {pm['scoreUnit']} | {fmt(bop(e))} |")
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
