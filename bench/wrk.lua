-- wrk: the requests of one scenario, and a JSON line of its results.
-- Arguments: create <token> chain <n>         (the seed create under chain n)
--            create <token> spread <origins>  (under a random chain of 1..origins)
--            get <token> <path>               (one GET, again and again)
--            workflow <token> <body file>     (a new workflow each time, named in
--                                              place of NAME in the body)
--            version <token> <body file> <workflows file>
--                                             (createNewVersion of a random one of
--                                              the workflows, lines "<id> <name>")

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

local mode, headers, first, last, path, template
local workflows = {}
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
  elseif mode == "workflow" or mode == "version" then
    headers["Content-Type"] = "application/json"
    local file = assert(io.open(args[3]))
    template = file:read("*a")
    file:close()
    if mode == "version" then
      for line in io.lines(args[4]) do
        local id, name = line:match("^(%S+) (.+)$")
        workflows[#workflows + 1] = { id = id, name = name }
      end
    end
  else
    path = args[3]
  end
  math.randomseed(os.time() * 1000 + seed)
end

local made = 0

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
  if mode == "workflow" then
    made = made + 1
    local name = string.format("Bench %d-%d-%d", seed, made, math.random(1, 1000000000))
    return wrk.format("POST", "/beta/identityGovernance/lifecycleWorkflows/workflows",
      headers, (template:gsub("NAME", name)))
  end
  if mode == "version" then
    local workflow = workflows[math.random(1, #workflows)]
    return wrk.format("POST", string.format(
      "/beta/identityGovernance/lifecycleWorkflows/workflows/%s/createNewVersion", workflow.id),
      headers, (template:gsub("NAME", workflow.name)))
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
