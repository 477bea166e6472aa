-- wrk script: POST /api/service_logs/v1/cluster_logs with the body osdctl sends, for a random seeded cluster.
-- BENCH_WITH_ACCOUNT=1: the body also carries the cluster's account_id (acc-(1 + c % 100), as in seed.sql), so that
-- the create is matched against that account's notification triggers (the notify part).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. common.token,
}
local path = "/api/service_logs/v1/cluster_logs"

setup = common.setup
init = common.init
done = common.done

local with_account = os.getenv("BENCH_WITH_ACCOUNT") == "1"

function request()
  local c = math.random(1, common.clusters)
  if with_account then
    return wrk.format("POST", path, headers, common.account_body(c))
  end
  return wrk.format("POST", path, headers, common.create_body(c))
end
