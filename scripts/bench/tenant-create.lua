-- wrk script: POST /v1/tenants through logs-router, one `logs` target, no credential. Each request acts for a
-- random account among the BENCH_TOKENS_FILE tokens (creates in one account are serialised by the router's per-account
-- advisory lock, as they must be for the tenant limit) and has a name of its own: BENCH_NAME_PREFIX (different for
-- the warm-up and the measurement), the wrk thread and a counter, e.g. "m-2-10734" (names: 1-35 of [a-zA-Z0-9-]).
--   BENCH_LOGS_CRN     log_sink_crn of the target (a `logs` CRN)
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

local tokens = common.load_tokens()
local crn = os.getenv("BENCH_LOGS_CRN") or ""
local prefix = os.getenv("BENCH_NAME_PREFIX") or "w"
local path = "/v1/tenants"
local body_fmt = '{"name":"%s","targets":[{"log_sink_crn":"' .. crn
  .. '","name":"logs-1","parameters":{"host":"logs.example.com","port":443}}]}'

local headers = {}
for k, token in ipairs(tokens) do
  headers[k] = {
    ["Content-Type"] = "application/json",
    ["IBM-API-Version"] = "2024-06-15",
    ["Authorization"] = "Bearer " .. token,
  }
end

setup = common.setup
init = common.init
done = common.done

local n = 0
function request()
  n = n + 1
  local name = string.format("%s-%d-%d", prefix, thread_no or 0, n)
  return wrk.format("POST", path, headers[math.random(1, #headers)], string.format(body_fmt, name))
end
