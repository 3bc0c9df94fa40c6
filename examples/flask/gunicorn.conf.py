# gunicorn's settings for Lambda: one environment serves one request at a time, so one worker
# process with a few threads is plenty and starts fast.
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8080')}"
workers = 1
threads = 4
# Lambda freezes the process between invocations; a worker's heartbeat must not count frozen time.
timeout = 0
# One line per request on stderr, which Lambda sends to CloudWatch Logs.
accesslog = "-"
