-- wrk script for bench/serve.sh: round-robin over the paths in $WRK_PATHS (a file, one path per line), with the
-- bearer token in $WRK_TOKEN; prints latency percentiles as one JSON line at the end.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do if #line > 0 then paths[#paths + 1] = line end end
local token = os.getenv("WRK_TOKEN")
local i = 0
request = function()
  i = i % #paths + 1
  local headers = {}
  if token and #token > 0 then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format('{"requests": %d, "errors": %d, "rate": %.1f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, errors, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
