-- Shared by create.lua and page.lua (wrk, LuaJIT). Settings come from the environment because wrk runs
-- setup()/done() in a Lua state that never sees the script arguments:
--   BENCH_TOKEN     bearer token
--   BENCH_CLUSTERS  number of seeded clusters (cluster c has the uuid below, as in seed.sql)
--   BENCH_WRK_OUT   file done() writes one line to: requests duration_s non2xx socket_errors p50_ms p99_ms mean_ms
-- and, for the logs-router scripts (tenant-create.lua, target-patch.lua):
--   BENCH_TOKENS_FILE  one bearer token a line; line k acts for the account acc-k
-- and, for page.lua's owner page: BENCH_OWNER_TOKENS_FILE, the same for service-logs' accounts.
local M = {}

M.token = os.getenv("BENCH_TOKEN") or ""
M.clusters = tonumber(os.getenv("BENCH_CLUSTERS") or "10000")

function M.uuid(c)
  return string.format("00000000-0000-4000-8000-%012d", c)
end

function M.cluster_id(c)
  return string.format("bench%027d", c)
end

-- The body osdctl sends, for cluster c (create.lua, and each item of bulk.lua).
local create_fmt = '{"severity":"Info","service_name":"SREManualAction","cluster_uuid":"%s","cluster_id":"%s",'
  .. '"summary":"bench","description":"d","internal_only":false,"event_stream_id":"","subscription_id":"s",'
  .. '"doc_references":null}'

function M.create_body(c)
  return string.format(create_fmt, M.uuid(c), M.cluster_id(c))
end

-- The account of cluster c in seed.sql (its logs' account_id and its owner in cluster_owners).
function M.account(c)
  return "acc-" .. (1 + c % 100)
end

-- The same body carrying the cluster's account_id, and optionally another service_name and summary (notify.lua).
local account_fmt = '{"severity":"Info","service_name":"%s","cluster_uuid":"%s","cluster_id":"%s",'
  .. '"account_id":"%s","summary":"%s","description":"d","internal_only":false,"event_stream_id":"",'
  .. '"subscription_id":"s","doc_references":null}'

function M.account_body(c, service_name, summary)
  return string.format(account_fmt, service_name or "SREManualAction", M.uuid(c), M.cluster_id(c), M.account(c),
    summary or "bench")
end

-- The tokens of the file named by the variable (default BENCH_TOKENS_FILE: the router's), one per account
-- (line k: acc-k), or an empty list when it is not set.
function M.load_tokens(variable)
  local tokens = {}
  local path = os.getenv(variable or "BENCH_TOKENS_FILE")
  if path and path ~= "" then
    for line in io.lines(path) do
      if line ~= "" then
        tokens[#tokens + 1] = line
      end
    end
  end
  return tokens
end

local counter = 0

-- Gives each thread its own random sequence.
function M.setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
end

function M.init()
  math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
end

function M.done(summary, latency, _requests)
  local out = os.getenv("BENCH_WRK_OUT")
  local e = summary.errors
  local line = string.format("%d %.3f %d %d %.3f %.3f %.3f\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000)
  if out and out ~= "" then
    local f = assert(io.open(out, "w"))
    f:write(line)
    f:close()
  end
  io.write("wrk: requests duration_s non2xx socket_errors p50_ms p99_ms mean_ms: ", line)
end

-- A wall-clock schedule of `rate` requests per second over `threads` wrk threads, as a wrk `delay()`: each thread
-- starts one request every threads/rate seconds on whichever connection is free, so the requests' own latency does
-- not slow the rate (wrk2 is not installed). LuaJIT's gettimeofday through ffi.
function M.paced_delay(rate, threads)
  local ffi = require("ffi")
  ffi.cdef([[
    typedef struct { long tv_sec; long tv_usec; } bench_timeval;
    int gettimeofday(bench_timeval *tv, void *tz);
  ]])
  local tv = ffi.new("bench_timeval")
  local function now_ms()
    ffi.C.gettimeofday(tv, nil)
    return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
  end
  local interval = 1000 * threads / rate
  local slot = 0
  return function()
    local now = now_ms()
    slot = math.max(slot + interval, now)
    return math.floor(slot - now + 0.5)
  end
end

return M
