-- wrk script: the notify part's steady load. POST /api/service_logs/v1/cluster_logs for a random seeded cluster,
-- carrying the cluster's account_id (as create.lua with BENCH_WITH_ACCOUNT=1), on a wall-clock schedule; a share of
-- the creates is a log the account's latency trigger (search `service_name = 'BenchNotify'`, notify-seed.sql)
-- matches, with a summary of its own (never a duplicate of an earlier log, which would not be notified again).
-- Environment (besides common.lua's):
--   BENCH_RATE          requests per second in all: each thread starts one every threads/rate seconds on whichever
--                       connection is free (wall clock, LuaJIT's gettimeofday, as target-patch.lua; behind schedule
--                       it does not burst to catch up)
--   BENCH_WRK_THREADS   wrk -t
--   BENCH_NOTIFY_SHARE  the share of the creates that match the latency trigger (0..1)
--   BENCH_NAME_PREFIX   makes the summaries of one wrk run differ from another's
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. common.token,
}
local path = "/api/service_logs/v1/cluster_logs"
local threads = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local share = tonumber(os.getenv("BENCH_NOTIFY_SHARE") or "0.1")
local prefix = (os.getenv("BENCH_NAME_PREFIX") or "m") .. os.time()

setup = common.setup
init = common.init
done = common.done

local n = 0
function request()
  local c = math.random(1, common.clusters)
  if math.random() < share then
    n = n + 1
    local summary = string.format("bench notify %s-%d-%d", prefix, thread_no or 0, n)
    return wrk.format("POST", path, headers, common.account_body(c, "BenchNotify", summary))
  end
  return wrk.format("POST", path, headers, common.account_body(c))
end

if rate > 0 then
  delay = common.paced_delay(rate, threads)
end
