-- wrk script: POST /api/tasks with a small JSON body (no Idempotency-Key: every request creates a task).
wrk.method = "POST"
wrk.body = '{"title":"wrk task","description":"created by the benchmark"}'
wrk.headers["Content-Type"] = "application/json"
