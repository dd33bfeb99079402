#!/usr/bin/env python3
"""Paired comparison of two builds of benchmarks.jar (for example before and after a Wasm runtime
upgrade), by the project's method: randomized, interleaved rounds; each build in its own fresh
JVM (one JMH fork) per round; the ratio computed within each round; median and min-max reported.

  bench/tools/compare_jars.py --java /path/to/jdk/bin/java --rounds 6 \
      A=before/benchmarks.jar B=after/benchmarks.jar -- 'bench.CallBench.roundTrip' -p backend=BUILD_TIME_COMPILER

Prints one line per run, then per round B/A, and the summary. JMH options after `--` apply to
every run; -f 1 and the result format are added here.

With --versus PARAM=X,Y (for example backend=BUILD_TIME_COMPILER,FFM) each round runs both values
on both builds, four forks in random order, and reports each build's own X/Y (the same ratio, of
the old code and the new, from the same rounds) besides B/A for each value.

Each fork runs in its build's checkout (the folder holding bench/target/benchmarks.jar), so that
relative paths in the JMH options (-Dperson.native.library=rust-wasm/target/release/libperson.so)
name that build's own native libraries.
"""
import argparse, json, random, statistics, subprocess, sys, tempfile, os


def checkout(jar):
    """The repository a bench/target/benchmarks.jar was built in, or the jar's folder."""
    path = os.path.dirname(os.path.abspath(jar))
    if path.endswith(os.path.join("bench", "target")):
        return os.path.dirname(os.path.dirname(path))
    return path


def run(java, jar, jmh_args):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [java, "-jar", os.path.abspath(jar), *jmh_args, "-f", "1", "-rf", "json", "-rff", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=checkout(jar))
    with open(out) as f:
        results = json.load(f)
    os.unlink(out)
    if len(results) != 1:
        sys.exit(f"expected one benchmark result, got {len(results)}: narrow the JMH filter")
    m = results[0]["primaryMetric"]
    return m["score"], m["scoreUnit"]


def summary(name, ratios):
    print(f"median {name} = {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {len(ratios)} rounds)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--java", default="java")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--versus", default=None, help="PARAM=X,Y: each build's X/Y in the same rounds")
    p.add_argument("builds", nargs=2, help="NAME=path/to/benchmarks.jar")
    p.add_argument("jmh", nargs=argparse.REMAINDER)
    a = p.parse_args()
    jmh = a.jmh[1:] if a.jmh[:1] == ["--"] else a.jmh
    builds = [b.split("=", 1) for b in a.builds]
    values = [None]
    if a.versus:
        param, pair = a.versus.split("=", 1)
        values = pair.split(",")
        if len(values) != 2:
            sys.exit("--versus takes PARAM=X,Y")
    rng = random.Random(a.seed)
    ratios = {}
    for r in range(1, a.rounds + 1):
        runs = [(name, jar, v) for name, jar in builds for v in values]
        rng.shuffle(runs)
        scores = {}
        for name, jar, v in runs:
            extra = ["-p", f"{param}={v}"] if v is not None else []
            score, unit = run(a.java, jar, jmh + extra)
            scores[(name, v)] = score
            print(f"round {r}: {name}{'' if v is None else ' ' + v} {score:.2f} {unit}", flush=True)
        (a_name, _), (b_name, _) = builds
        for v in values:
            key = f"{b_name}/{a_name}" + ("" if v is None else f" {v}")
            ratios.setdefault(key, []).append(scores[(b_name, v)] / scores[(a_name, v)])
            print(f"round {r}: {key} = {ratios[key][-1]:.3f}", flush=True)
        if a.versus:
            for name, _ in builds:
                key = f"{name} {values[0]}/{values[1]}"
                ratios.setdefault(key, []).append(scores[(name, values[0])] / scores[(name, values[1])])
                print(f"round {r}: {key} = {ratios[key][-1]:.3f}", flush=True)
    for key, rs in ratios.items():
        summary(key, rs)


if __name__ == "__main__":
    main()
