-- group_commit.lua — the wrk script of bench/group_commit.sh.
--
-- Environment:
--   TRUCE_TOKEN     a monitor's token (posts reports), sent as "Authorization: Bearer";
--   TRUCE_READ_TOKEN a token for GET /v1/attribution (the mixed load; default TRUCE_TOKEN);
--   TRUCE_WRK_MODE  "write": every request is POST /v1/reports (a small report at a random
--                   point of Syria); "mixed": every other request of a connection is
--                   GET /v1/attribution at a random point, the others POST /v1/reports.
-- Random points are seeded per thread so runs repeat. At the end one line "WRKJSON {...}"
-- gives requests, rps, latency percentiles (us), non2xx and socket errors.

local token = os.getenv("TRUCE_TOKEN") or ""
local read_token = os.getenv("TRUCE_READ_TOKEN") or token
local mode = os.getenv("TRUCE_WRK_MODE") or "write"
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("seed", nthreads)
end

local n = 0
local post_headers, get_headers

function init(args)
  math.randomseed(2000 + (seed or 0))
  post_headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  get_headers = {["Authorization"] = "Bearer " .. read_token}
end

local function report()
  local lon = 35.6 + math.random() * 6.8
  local lat = 32.3 + math.random() * 5.0
  local day = 1 + math.random(0, 27)
  return string.format(
    '{"occurred_at":"2016-10-%02dT10:00:00Z","time_precision":1,' ..
    '"location":{"type":"Point","coordinates":[%.5f,%.5f]},"geo_precision":1,' ..
    '"event_type":"Explosions/Remote violence","sub_event_type":"Shelling/artillery/missile attack",' ..
    '"source":{"kind":"monitor","ref":"wrk"},"alleged_perpetrator":"SAA"}', day, lon, lat)
end

request = function()
  n = n + 1
  if mode == "mixed" and n % 2 == 0 then
    local lon = 35.6 + math.random() * 6.8
    local lat = 32.3 + math.random() * 5.0
    return wrk.format("GET", string.format(
      "/v1/attribution?lon=%.5f&lat=%.5f&at=2016-10-01T00:00:00Z", lon, lat), get_headers)
  end
  return wrk.format("POST", "/v1/reports", post_headers, report())
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
