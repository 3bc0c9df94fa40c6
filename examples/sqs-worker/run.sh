#!/bin/sh
# The handler of the zip function: the adapter layer's /opt/bootstrap execs it (AWS_LAMBDA_EXEC_WRAPPER).
# python3 is the runtime's interpreter, the one the dependencies were installed for (see README).
exec python3 -m uvicorn main:app --host 127.0.0.1 --port "${PORT:-8080}" --no-access-log
