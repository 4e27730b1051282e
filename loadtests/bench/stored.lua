-- "stored": the same valid Messages request on every call (after the first, the mock answers it
-- from its memo of identical requests). Same bytes as the shared harness's wrk/post.lua.
wrk.method = "POST"
wrk.body = [[{"model":"claude-haiku-4-5","max_tokens":1000,"messages":[{"role":"user","content":"Hello, Claude Haiku 4.5!"}]}]]
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = "test"
wrk.headers["anthropic-version"] = "2023-06-01"
