-- wrk: the requests of one scenario, and a JSON line of its results.
-- Arguments: create <token> chain <n>         (the seed create under chain n)
--            create <token> spread <origins>  (under a random chain of 1..origins)
--            get <token> <path>               (one GET, again and again)

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

local mode, headers, first, last, path
local body = '{"createdDateTime":"2026-11-29T07:05:00Z","processingStatus":"completed",'
  .. '"startedDateTime":"2026-11-29T07:05:01Z","completedDateTime":"2026-11-29T07:05:02Z"}'

function init(args)
  mode = args[1]
  headers = { ["Authorization"] = "Bearer " .. args[2] }
  if mode == "create" then
    headers["Content-Type"] = "application/json"
    if args[3] == "chain" then
      first = tonumber(args[4])
      last = first
    else
      first, last = 1, tonumber(args[4])
    end
  else
    path = args[3]
  end
  math.randomseed(os.time() * 1000 + seed)
end

-- The ids bench/seed.sql gives chain n.
local function id(kind, n)
  return string.format("%08x-0000-7000-8000-%d", kind, 100000000000 + n)
end

function request()
  if mode == "create" then
    local n = math.random(first, last)
    local address = string.format(
      "/beta/identityGovernance/lifecycleWorkflows/deletedItems/workflows/%s/runs/%s"
        .. "/userProcessingResults/%s/taskProcessingResults/%s/task/taskProcessingResults",
      id(1, n), id(3, n), id(4, n), id(5, n))
    return wrk.format("POST", address, headers, body)
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
