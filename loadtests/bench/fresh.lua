-- "fresh": every request different, so the mock validates and synthesizes each one (no memo hit).
-- The user text carries a run tag (time + random, so two runs never share a body) and a counter.
-- Set STREAM=1 in the environment for the streaming variant.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = "test"
wrk.headers["anthropic-version"] = "2023-06-01"

local stream = os.getenv("STREAM") == "1"
local prefix = '{"model":"claude-haiku-4-5","max_tokens":1000,' .. (stream and '"stream":true,' or '')
  .. '"messages":[{"role":"user","content":"Hello, Claude Haiku 4.5! Request '
local counter = 0
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
local tag = string.format("%d-%d", os.time(), math.random(1, 1000000000))

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, prefix .. tag .. "-" .. counter .. '."}]}')
end
