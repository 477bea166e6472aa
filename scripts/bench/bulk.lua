-- wrk script: POST /api/service_logs/v1/cluster_logs/bulk with BENCH_BULK_ITEMS (default 100) of create.lua's
-- osdctl bodies per request, each for a random seeded cluster (what the router's delivery and SRE tooling send).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. common.token,
}
local path = "/api/service_logs/v1/cluster_logs/bulk"
local items = tonumber(os.getenv("BENCH_BULK_ITEMS") or "100")

setup = common.setup
init = common.init
done = common.done

function request()
  local parts = {}
  for i = 1, items do
    parts[i] = common.create_body(math.random(1, common.clusters))
  end
  return wrk.format("POST", path, headers, '{"items":[' .. table.concat(parts, ",") .. ']}')
end
