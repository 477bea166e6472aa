-- wrk script: the large account's first page, GET /api/service_logs/v1/cluster_logs?page=1&size=100 (newest first,
-- with the exact total), with BENCH_ACCOUNT_TOKEN, a `service-logs.log.read` token of acc-big (seed.sql).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local headers = { ["Authorization"] = "Bearer " .. (os.getenv("BENCH_ACCOUNT_TOKEN") or "") }

setup = common.setup
init = common.init
done = common.done

function request()
  return wrk.format("GET", "/api/service_logs/v1/cluster_logs?page=1&size=100", headers)
end
