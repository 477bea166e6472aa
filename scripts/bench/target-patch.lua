-- wrk script: PATCH /v1/tenants/{id}/targets/{tid} through logs-router, body {"parameters":{"port":<random>}}, as a
-- JSON merge patch with `If-Match: *`, on the tenants router-seed.sql made (tenant i: ids below, account acc-k with
-- k = 1 + (i - 1) % accounts). Each wrk thread cycles through a block of its own (BENCH_PATCH_TENANTS / threads
-- tenants, several per connection), so two requests in flight practically never lock the same tenant row, like
-- pgbench's clients, which have disjoint blocks. Environment (besides common.lua's):
--   BENCH_PATCH_TENANTS  tenants seeded                   BENCH_WRK_THREADS  wrk -t
--   BENCH_DELAY_MS       >0: each connection waits this long before each request (a steady, paced load)
--   BENCH_RATE           >0: requests per second in all, on a schedule: each thread starts one every
--                        threads/rate seconds on whichever connection is free (wall clock, so the requests' own
--                        latency does not slow the rate; behind schedule it does not burst to catch up)
--   BENCH_READ           =1: GET /v1/tenants/{id} instead of the PATCH (a read; audited like any call)
--   BENCH_STOP_AFTER     >0: each thread stops after this many answers (a fixed number of calls)
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local tokens = common.load_tokens()
local tenants = tonumber(os.getenv("BENCH_PATCH_TENANTS") or "0")
local threads = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local read = os.getenv("BENCH_READ") == "1"
local read_fmt = "/v1/tenants/00000000-0000-4000-8000-%012d"
local path_fmt = "/v1/tenants/00000000-0000-4000-8000-%012d/targets/00000000-0000-4000-9000-%012d"
local body_fmt = '{"parameters":{"port":%d}}'

local headers, read_headers = {}, {}
for k, token in ipairs(tokens) do
  read_headers[k] = { ["IBM-API-Version"] = "2024-06-15", ["Authorization"] = "Bearer " .. token }
  headers[k] = {
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = "*",
    ["IBM-API-Version"] = "2024-06-15",
    ["Authorization"] = "Bearer " .. token,
  }
end

setup = common.setup
done = common.done

local per, first, n = 1, 1, 0
function init(args)
  common.init(args)
  per = math.max(1, math.floor(tenants / threads))
  first = ((thread_no or 1) - 1) * per + 1
end

function request()
  local i = first + n % per
  n = n + 1
  local h = headers[1 + (i - 1) % #headers]
  if read then
    return wrk.format("GET", string.format(read_fmt, i), read_headers[1 + (i - 1) % #read_headers])
  end
  return wrk.format("PATCH", string.format(path_fmt, i, i), h, string.format(body_fmt, math.random(1, 65535)))
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
elseif rate > 0 then
  delay = common.paced_delay(rate, threads)
end

if stop_after > 0 then
  local answered = 0
  function response()
    answered = answered + 1
    if answered >= stop_after then
      wrk.thread:stop()
    end
  end
end
