-- wrk script: rotate through request paths read from BENCH_PATHS (one path with query per line),
-- send the Authorization header from BENCH_AUTH, and print one JSON line of results at the end.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local auth = os.getenv("BENCH_AUTH") or ""
local counter = 0

function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

function init(args)
  i = offset or 0
  non2xx = 0
end

function request()
  i = i + 1
  local headers = {}
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "errors_status": %d, "errors_other": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
