-- wrk script for bench/run. At the end of a run it prints wrk's exact totals
-- on one line, which bench/run parses. wrk counts only statuses above 399 in
-- errors.status, so bench/run also counts the statuses in the access log.
done = function(summary, latency, requests)
    io.write(string.format(
        "BENCH requests=%d bytes=%d duration_us=%d connect=%d read=%d "
        .. "write=%d status=%d timeout=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.bytes, summary.duration,
        summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.status, summary.errors.timeout,
        latency:percentile(50), latency:percentile(99)))
end
