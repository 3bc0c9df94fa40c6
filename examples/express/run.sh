#!/bin/sh
# The handler of the zip function: the adapter layer's /opt/bootstrap execs it (AWS_LAMBDA_EXEC_WRAPPER).
exec node app.js
