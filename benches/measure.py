"""Runs commands in alternating rounds; prints each one's median wall time and largest peak
memory.

    python measure.py RUNS LABEL -- COMMAND... [--- LABEL -- COMMAND...]...

Every command runs once untimed first (so each starts from the same warm file cache), then RUNS
rounds run every command once, in the order given: commands compared with each other see the
same machine state, whatever else the machine does during the run.

Output (one line per command, tab-separated): LABEL, median seconds, min seconds, peak RSS MiB.
"""
import os
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
groups, current = [], []
for arg in sys.argv[2:] + ["---"]:
    if arg == "---":
        if current:
            label, cmd = current[0], current[current.index("--") + 1:]
            groups.append((label, cmd))
        current = []
    else:
        current.append(arg)
for _, cmd in groups:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
times = {label: [] for label, _ in groups}
peaks = {label: [] for label, _ in groups}
for _ in range(runs):
    for label, cmd in groups:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times[label].append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{label}: {' '.join(cmd)} failed with {os.waitstatus_to_exitcode(status)}")
        peaks[label].append(usage.ru_maxrss / 1024)
for label, _ in groups:
    t = times[label]
    print(f"{label}\t{statistics.median(t):.3f}\t{min(t):.3f}\t{max(peaks[label]):.0f}", flush=True)
