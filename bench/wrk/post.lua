-- wrk script for writes: each request is one line of BENCH_LINES ("POST /path {json body}"), used once.
-- Thread t of n takes lines t, t + n, t + 2n, ... (BENCH_SKIP lines skipped first: the warm-up's); past the end
-- (n = BENCH_THREADS, as wrk's -t) it starts again (a person or claim used twice: counted in "reused"). Every request carries its own
-- Idempotency-Key (BENCH_NONCE, the thread, a counter) and BENCH_AUTH as Authorization. At the end one JSON line:
-- requests, latency, statuses >= 500 apart from the other non-2xx, and socket errors.
local lines = {}
local skip = tonumber(os.getenv("BENCH_SKIP") or "0")
local n = 0
for line in io.lines(os.getenv("BENCH_LINES")) do
  n = n + 1
  if n > skip then lines[#lines + 1] = line end
end
local auth = os.getenv("BENCH_AUTH") or ""
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local threads = {}
local count = 0

function setup(thread)
  thread:set("tid", count)
  count = count + 1
  threads[#threads + 1] = thread
end

function init(args)
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")  -- as wrk's -t
  i = tid
  sent = 0
  s5xx = 0
  sother = 0
  reused = 0
end

function request()
  local index = (i % #lines) + 1
  if i >= #lines then reused = reused + 1 end
  i = i + nthreads
  sent = sent + 1
  local method, path, body = lines[index]:match("^(%S+) (%S+) (.*)$")
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = nonce .. "-" .. tid .. "-" .. sent,
  }
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  if status >= 500 then
    s5xx = s5xx + 1
  elseif status < 200 or status > 299 then
    sother = sother + 1
  end
end

function done(summary, latency, requests)
  local f5xx, fother, freused = 0, 0, 0
  for _, thread in ipairs(threads) do
    f5xx = f5xx + thread:get("s5xx")
    fother = fother + thread:get("sother")
    freused = freused + thread:get("reused")
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "errors_status": %d, ' ..
    '"errors_other": %d, "status_5xx": %d, "status_other": %d, "reused": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    f5xx, fother, freused))
end
