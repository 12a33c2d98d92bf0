-- wrk: the create benchmark against the PostGraphile peer. Each request is one
-- createTaskProcessingResult mutation with a fresh time-ordered UUID as its rowId,
-- the same timestamps and status as bench/wrk.lua's create body, selecting the
-- created row back.
--
-- Arguments (after wrk's --):
--   ids <tenant> <workflow> <run> <userProcessingResult> <task> <subject>
--       every request under these parents
--   chains <tenant> <origins>
--       each request under a random chain 1..origins of bench/seed.sql's ids
--       (bench_id(kind, n): workflow 1, task 2, run 3, userProcessingResult 4,
--       subject 9), like bench/wrk.lua's create; 1 is the hot parent
-- With no arguments, the ids mode reads PEER_TENANT, PEER_WORKFLOW, PEER_RUN,
-- PEER_UPR, PEER_TASK and PEER_SUBJECT from the environment.
--
-- Errors: a response that is not 200, or a 200 whose body has GraphQL "errors"
-- (PostGraphile answers a failed mutation with 200), and wrk's socket errors.
-- done() prints a breakdown and a sample error body, then, as its last line, a
-- JSON line in bench/wrk.lua's shape (requests, duration_us, errors, p50_us,
-- p99_us) plus the breakdown.
--
-- Example:
--   wrk -t2 -c8 -d10s --latency -s create.lua http://127.0.0.1:5678/graphql -- \
--     chains 6f1b9a52-0c8e-4d3a-9b7e-2f4c1d8e5a60 10000

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end

local QUERY = "mutation CreateTaskProcessingResult($input: TaskProcessingResultInput!) {"
  .. " createTaskProcessingResult(input: {taskProcessingResult: $input}) {"
  .. " taskProcessingResult { tenantId workflowId runId userProcessingResultId rowId taskId"
  .. " subjectId createdDateTime processingStatus startedDateTime completedDateTime"
  .. " failureReason processingInfo } } }"

local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
local mode, tenant, origins, parents

-- Per-thread counters, read by done() through thread:get.
non_200 = 0
graphql_errors = 0
sample = nil

local function bench_id(kind, n)
  return string.format("%08x-0000-7000-8000-%d", kind, 100000000000 + n)
end

-- A new row id, in time order as the service's UUIDv7 ids are (the second the
-- thread started, the thread and a random number drawn then, then a count), so
-- that both insert at the same few places of each index.
local started, draw, sequence = 0, 0, 0
local function time_ordered_id()
  sequence = sequence + 1
  return string.format("%08x-%04x-7%03x-8000-%012x", started, seed, draw, sequence)
end

local function body(workflow, run, upr, task, subject)
  return '{"query":"' .. QUERY .. '","variables":{"input":{'
    .. '"tenantId":"' .. tenant .. '","workflowId":"' .. workflow .. '","runId":"' .. run
    .. '","userProcessingResultId":"' .. upr .. '","rowId":"' .. time_ordered_id()
    .. '","taskId":"' .. task .. '","subjectId":"' .. subject
    .. '","createdDateTime":"2026-11-29T07:05:00Z","processingStatus":"completed"'
    .. ',"startedDateTime":"2026-11-29T07:05:01Z","completedDateTime":"2026-11-29T07:05:02Z"}}}'
end

function init(args)
  mode = args[1] or "ids"
  if mode == "chains" then
    tenant = args[2]
    origins = tonumber(args[3])
    assert(tenant and origins and origins >= 1, "usage: chains <tenant> <origins>")
  elseif mode == "ids" then
    local function arg(i, name)
      local value = args[i] or os.getenv(name)
      assert(value and value ~= "", "ids mode needs argument " .. i .. " or " .. name)
      return value
    end
    tenant = arg(2, "PEER_TENANT")
    parents = { arg(3, "PEER_WORKFLOW"), arg(4, "PEER_RUN"), arg(5, "PEER_UPR"),
                arg(6, "PEER_TASK"), arg(7, "PEER_SUBJECT") }
  else
    error("mode must be ids or chains, not " .. mode)
  end
  math.randomseed(os.time() * 1000 + seed * 7919 + math.floor(os.clock() * 1e6))
  started, draw = os.time(), math.random(0, 0xfff)
end

function request()
  local payload
  if mode == "chains" then
    local n = math.random(1, origins)
    payload = body(bench_id(1, n), bench_id(3, n), bench_id(4, n), bench_id(2, n), bench_id(9, n))
  else
    payload = body(parents[1], parents[2], parents[3], parents[4], parents[5])
  end
  return wrk.format("POST", nil, headers, payload)
end

function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
    if not sample then sample = "HTTP " .. status .. ": " .. tostring(body) end
  elseif body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    if not sample then sample = body end
  end
end

function done(summary, latency, requests)
  local bad_status, bad_graphql, first = 0, 0, nil
  for _, thread in ipairs(threads) do
    bad_status = bad_status + thread:get("non_200")
    bad_graphql = bad_graphql + thread:get("graphql_errors")
    first = first or thread:get("sample")
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format("non-200 responses: %d, GraphQL errors: %d, socket errors: %d\n",
    bad_status, bad_graphql, socket))
  if first then
    io.write("first error: " .. string.sub(first, 1, 1000) .. "\n")
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,'
      .. '"non_200":%d,"graphql_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, bad_status + bad_graphql + socket,
    latency:percentile(50), latency:percentile(99), bad_status, bad_graphql, socket))
end
