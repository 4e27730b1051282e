-- Validity pass (not timed): every answer must be a 200 carrying a complete answer.
-- CHECK=json expects a Message ("type":"message" ... "stop_reason":"end_turn");
-- CHECK=sse expects an SSE body from event: message_start to event: message_stop.
-- Combine with fresh.lua's request() by loading it first: BODY=fresh.
local kind = os.getenv("CHECK") or "json"
local body_script = os.getenv("BODY_SCRIPT")
if body_script then dofile(body_script) end

ok, bad_status, bad_body = 0, 0, 0  -- globals: done() reads them with thread:get()
local threads = {}

function setup(thread) table.insert(threads, thread) end

local function complete(body)
  if kind == "sse" then
    return body:sub(1, 20) == "event: message_start" and body:find("event: message_stop", 1, true) ~= nil
  end
  return body:find('"type":"message"', 1, true) ~= nil and body:find('"stop_reason":"end_turn"', 1, true) ~= nil
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif not complete(body) then
    bad_body = bad_body + 1
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local t = {ok = 0, bad_status = 0, bad_body = 0}
  for _, thread in ipairs(threads) do
    for k in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  io.write(string.format("CHECK ok=%d bad_status=%d bad_body=%d\n", t.ok, t.bad_status, t.bad_body))
end
