-- wrk script: POST /api/{user}/tasks with a small JSON body (no Idempotency-Key: every request creates a task;
-- wrk.sh adds the Authorization header).
wrk.method = "POST"
wrk.body = '{"title":"wrk task","description":"created by the benchmark"}'
wrk.headers["Content-Type"] = "application/json"
