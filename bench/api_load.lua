-- api_load.lua — the wrk script of bench/api_load.sh.
--
-- Environment:
--   TRUCE_TOKEN     sent as "Authorization: Bearer <token>" when set and not empty;
--   TRUCE_WRK_MODE  "fixed" (default): every request is the URL given to wrk;
--                   "random": GET /v1/attribution at a uniform random point of Syria's box
--                   (lon 35.6-42.4, lat 32.3-37.3) at 2016-10-01T00:00:00Z, seeded per
--                   thread so runs repeat.
-- At the end one line "WRKJSON {...}" gives the figures bench/api_load.sh reads:
-- requests, duration_us, rps, latency percentiles in microseconds, non2xx (responses
-- with a status outside 2xx/3xx) and socket errors.

local token = os.getenv("TRUCE_TOKEN")
local mode = os.getenv("TRUCE_WRK_MODE") or "fixed"
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("seed", nthreads)
end

function init(args)
  math.randomseed(1000 + (seed or 0))
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

if mode == "random" then
  request = function()
    local lon = 35.6 + math.random() * 6.8
    local lat = 32.3 + math.random() * 5.0
    return wrk.format("GET", string.format(
      "/v1/attribution?lon=%.5f&lat=%.5f&at=2016-10-01T00:00:00Z", lon, lat))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"rps":%.2f,"mean_us":%.1f,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
