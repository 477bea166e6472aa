-- wrk script: POST /api/service_logs/v1/cluster_logs with the body osdctl sends, for a random seeded cluster.
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

function request()
  local c = math.random(1, common.clusters)
  return wrk.format("POST", path, headers, common.create_body(c))
end
