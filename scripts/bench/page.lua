-- wrk script: the console's cluster page, GET /api/service_logs/v1/clusters/cluster_logs?cluster_uuid=U&page=1
-- &size=20&orderBy=timestamp%20desc, for a random seeded cluster (the same pick as pgbench's page.sql).
-- With BENCH_OWNER_TOKENS_FILE (line k: a `service-logs.log.read` token of account acc-k), each request is the
-- cluster OWNER's: cluster c with the token of acc-(1 + c % 100), its owner in seed.sql (pgbench's owner-page.sql).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local headers = { ["Authorization"] = "Bearer " .. common.token }
local owner_headers = {}
for k, token in ipairs(common.load_tokens("BENCH_OWNER_TOKENS_FILE")) do
  owner_headers[k] = { ["Authorization"] = "Bearer " .. token }
end
local path_fmt = "/api/service_logs/v1/clusters/cluster_logs?cluster_uuid=%s&page=1&size=20&orderBy=timestamp%%20desc"

setup = common.setup
init = common.init
done = common.done

function request()
  local c = math.random(1, common.clusters)
  local h = headers
  if #owner_headers > 0 then
    h = owner_headers[1 + (c % 100) % #owner_headers]
  end
  return wrk.format("GET", string.format(path_fmt, common.uuid(c)), h)
end
