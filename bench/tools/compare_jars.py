#!/usr/bin/env python3
"""Paired comparison of two builds of benchmarks.jar (for example before and after a Wasm runtime
upgrade), by the project's method: randomized, interleaved rounds; each build in its own fresh
JVM (one JMH fork) per round; the ratio computed within each round; median and min-max reported.

  bench/tools/compare_jars.py --java /path/to/jdk/bin/java --rounds 6 \
      A=before/benchmarks.jar B=after/benchmarks.jar -- 'bench.CallBench.roundTrip' -p backend=BUILD_TIME_COMPILER

Prints one line per run, then per round B/A, and the summary. JMH options after `--` apply to
every run; -f 1 and the result format are added here.
"""
import argparse, json, random, statistics, subprocess, sys, tempfile, os


def run(java, jar, jmh_args):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [java, "-jar", jar, *jmh_args, "-f", "1", "-rf", "json", "-rff", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        results = json.load(f)
    os.unlink(out)
    if len(results) != 1:
        sys.exit(f"expected one benchmark result, got {len(results)}: narrow the JMH filter")
    m = results[0]["primaryMetric"]
    return m["score"], m["scoreUnit"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--java", default="java")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("builds", nargs=2, help="NAME=path/to/benchmarks.jar")
    p.add_argument("jmh", nargs=argparse.REMAINDER)
    a = p.parse_args()
    jmh = a.jmh[1:] if a.jmh[:1] == ["--"] else a.jmh
    builds = [b.split("=", 1) for b in a.builds]
    rng = random.Random(a.seed)
    ratios = []
    for r in range(1, a.rounds + 1):
        order = builds[:]
        rng.shuffle(order)
        scores = {}
        for name, jar in order:
            score, unit = run(a.java, jar, jmh)
            scores[name] = score
            print(f"round {r}: {name} {score:.2f} {unit}", flush=True)
        ratio = scores[builds[1][0]] / scores[builds[0][0]]
        ratios.append(ratio)
        print(f"round {r}: {builds[1][0]}/{builds[0][0]} = {ratio:.3f}", flush=True)
    print(f"median {builds[1][0]}/{builds[0][0]} = {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {len(ratios)} rounds)")


if __name__ == "__main__":
    main()
