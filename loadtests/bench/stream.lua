-- "stream": the same valid request with "stream": true (instant latency: one SSE body per request).
-- Same bytes as the shared harness's wrk/post_stream.lua.
wrk.method = "POST"
wrk.body = [[{"model":"claude-haiku-4-5","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"Hello, Claude Haiku 4.5!"}]}]]
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = "test"
wrk.headers["anthropic-version"] = "2023-06-01"
