#!/usr/bin/env python3
"""Markdown table of a ReadPathBenchmark run: JMH JSON (-rf json) plus, optionally, the console log.

Usage: summarize-readpath.py results.json [console.log]

Per benchmark and parameters: the median of the measurement iterations (ops/s), JMH's mean with its
99.9% error, the payload rate
(the `bytes` aux counter, shown in MB/s = 10^6 B/s), gc.alloc.rate.norm from -prof gc (B/op, every
thread of the fork, JMH's own included) and, from the log's `[readpath]` lines, what the loop thread
alone allocated per operation over the measurement iterations (the largest iteration is shown).
"""
import json
import re
import statistics
import sys


def main(json_path, log_path=None):
    with open(json_path) as f:
        entries = json.load(f)
    loop_alloc = {}
    if log_path:
        key = None
        with open(log_path) as f:
            for line in f:
                m = re.search(r"\[readpath\] (.*?): loop thread allocated (\d+) B in (\d+) ops = ([0-9.]+) B/op", line)
                if m and line.startswith("Iteration"):
                    loop_alloc.setdefault(m.group(1), []).append(float(m.group(4)))
    print("| benchmark | protocol | size | ops/s (median) | ops/s (mean ± 99.9%) | MB/s (median) | B/op, all threads (-prof gc) | B/op, loop thread (max over iterations) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in entries:
        name = e["benchmark"].rsplit(".", 1)[-1]
        p = e.get("params", {})
        raw = [x for fork in e["primaryMetric"]["rawData"] for x in fork]
        sec = e.get("secondaryMetrics", {})
        b = sec.get("bytes")
        braw = [x for fork in b["rawData"] for x in fork] if b else []
        norm = sec.get("gc.alloc.rate.norm")
        label = f"{name} {p.get('protocol')}" + (f" {p['size']}" if "size" in p else "")
        la = loop_alloc.get(label)
        pm = e["primaryMetric"]
        print("| {} | {} | {} | {:,.0f} | {:,.0f} ± {:,.0f} | {} | {} | {} |".format(
            name, p.get("protocol", ""), p.get("size", "64 KiB chunks"),
            statistics.median(raw), pm["score"], pm["scoreError"],
            f"{statistics.median(braw) / 1e6:,.1f}" if braw else "n/a",
            f"{norm['score']:.3f}" if norm else "n/a",
            f"{max(la):.4f}" if la else "n/a"))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
