-- deconflict_http.lua — the wrk script of bench/deconflict_http.py (16 connections).
--
-- Environment:
--   TRUCE_TOKEN   sent as "Authorization: Bearer <token>" when set and not empty;
--   TRUCE_BODIES  a file of request bodies, one JSON per line: each request POSTs the next
--                 line to /v1/operations (each thread starts at its own offset and cycles);
--                 unset: every request is the URL given to wrk (GET /v1/health, the floor).
-- At the end one line "WRKJSON {...}" gives the figures deconflict_http.py reads:
-- requests, duration_us, rps, latency percentiles in microseconds, the answers by status
-- (409, 201, other) and socket errors.

local token = os.getenv("TRUCE_TOKEN")
local path = os.getenv("TRUCE_BODIES")
local threads = {}
local bodies = {}
local next_body = 1
n409, n201, nother = 0, 0, 0 -- globals: done() reads them through thread:get

function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads)
end

function init(args)
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if path and path ~= "" then
    wrk.headers["Content-Type"] = "application/json"
    for line in io.lines(path) do
      bodies[#bodies + 1] = line
    end
    next_body = 1 + math.floor((offset or 0) * #bodies / 7) % #bodies
  end
end

function request()
  if #bodies == 0 then
    return wrk.format(nil, nil)
  end
  local b = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/v1/operations", nil, b)
end

function response(status, headers, body)
  if status == 409 then
    n409 = n409 + 1
  elseif status == 201 or status == 200 then
    n201 = n201 + 1
  else
    nother = nother + 1
  end
end

function done(summary, latency, requests)
  local a409, a201, aother = 0, 0, 0
  for _, t in ipairs(threads) do
    a409 = a409 + t:get("n409")
    a201 = a201 + t:get("n201")
    aother = aother + t:get("nother")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"rps":%.2f,"mean_us":%.1f,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"status_409":%d,"status_2xx":%d,"status_other":%d,' ..
    '"socket_errors":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, a409, a201, aother, e.connect + e.read + e.write + e.timeout))
end
