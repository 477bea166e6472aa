-- wrk script: the console's cluster page, GET /api/service_logs/v1/clusters/cluster_logs?cluster_uuid=U&page=1
-- &size=20&orderBy=timestamp%20desc, for a random seeded cluster (the same pick as pgbench's page.sql).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local headers = { ["Authorization"] = "Bearer " .. common.token }
local path_fmt = "/api/service_logs/v1/clusters/cluster_logs?cluster_uuid=%s&page=1&size=20&orderBy=timestamp%%20desc"

setup = common.setup
init = common.init
done = common.done

function request()
  local c = math.random(1, common.clusters)
  return wrk.format("GET", string.format(path_fmt, common.uuid(c)), headers)
end
