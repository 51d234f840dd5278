"""Start-up of the packaged service, measured for several variants in one run (bench/startup.sh runs it).

    python3 bench/startup.py N PORT WORK VARIANTS_JSON

VARIANTS_JSON: [{"name": ..., "appDir": ..., "jvm": [option, ...]}, ...]. The service's environment
(database, keys, PORT) is this process's. An unmeasured start of each variant comes first (the first one
migrates the fresh database; each brings its jars and cache into the page cache); then N measured starts
of each, one at a time, the order of the variants reversed every round so that a change of machine load
falls on all of them. Prints the variants' figures as JSON on stdout and every start on stderr.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time


def ready(port):
    try:
        # health is on the management interface: the API port + 1000 (bench/common.sh, service_env)
        connection = http.client.HTTPConnection("127.0.0.1", port + 1000, timeout=1)
        connection.request("GET", "/q/health/ready")
        status = connection.getresponse().status
        connection.close()
        return status == 200
    except OSError:
        return False


def start(variant, port, log_path):
    """One start: ms from just before the spawn to the first 200 of /q/health/ready (polled every 10 ms),
    then VmRSS and CPU time (user + system, all threads) at that moment, and Quarkus' "started in"."""
    command = ["java"] + variant["jvm"] + ["-jar", os.path.join(variant["appDir"], "quarkus-run.jar")]
    with open(log_path, "w") as log:
        t0 = time.monotonic()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        while not ready(port):
            if process.poll() is not None or time.monotonic() - t0 > 120:
                process.kill()
                sys.exit("%s did not become ready; see %s" % (" ".join(command), log_path))
            time.sleep(0.01)
        ms = (time.monotonic() - t0) * 1000
        with open("/proc/%d/status" % process.pid) as status:
            rss_mb = int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1)) / 1024
        with open("/proc/%d/stat" % process.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()   # utime and stime: fields 14 and 15 of stat
        cpu_ms = (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    started = re.search(r"started in ([0-9.]+)s", open(log_path, errors="replace").read())
    return {"ms": round(ms), "rssMb": round(rss_mb), "cpuMs": round(cpu_ms),
            "quarkusMs": round(float(started.group(1)) * 1000) if started else None}


def main():
    n, port, work, variants = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
    for i, variant in enumerate(variants):
        start(variant, port, os.path.join(work, "warmup-%d.log" % (i + 1)))
    samples = {variant["name"]: [] for variant in variants}
    for round_ in range(n):
        for i, variant in (enumerate(variants) if round_ % 2 == 0 else reversed(list(enumerate(variants)))):
            sample = start(variant, port, os.path.join(work, "variant%d-%d.log" % (i + 1, round_ + 1)))
            samples[variant["name"]].append(sample)
            print("%s %d: %s" % (variant["name"], round_ + 1, sample), file=sys.stderr)
    print(json.dumps(samples))


if __name__ == "__main__":
    main()
