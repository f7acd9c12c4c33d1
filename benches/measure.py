"""Runs a command once untimed, then several times; prints the median wall time and the
largest peak memory.

    python measure.py RUNS LABEL -- COMMAND...

Output (one line, tab-separated): LABEL, median seconds, min seconds, peak RSS MiB.
"""
import os
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
label = sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
times, peaks = [], []
# One untimed run first, so every command starts from the same warm file cache.
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    times.append(time.perf_counter() - start)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{label}: {' '.join(cmd)} failed with {os.waitstatus_to_exitcode(status)}")
    peaks.append(usage.ru_maxrss / 1024)
print(f"{label}\t{statistics.median(times):.3f}\t{min(times):.3f}\t{max(peaks):.0f}")
