#!/usr/bin/env bash
# The Express example as a zip function with the AWS CLI. Run in examples/express after
# `npm ci --omit=dev`; LAYER_ZIP is the zip from `lwa-pack layer`, ROLE_ARN the function's execution role.
set -euo pipefail
: "${LAYER_ZIP:?set LAYER_ZIP to dist/lambda-adapter-layer-<version>-x86_64.zip}"
: "${ROLE_ARN:?set ROLE_ARN to the execution role ARN of the function}"

layer_arn=$(aws lambda publish-layer-version --layer-name lambda-adapter-x86_64 \
  --zip-file "fileb://$LAYER_ZIP" --compatible-architectures x86_64 \
  --query LayerVersionArn --output text)

# zip keeps run.sh's exec bit, which Lambda needs to start it.
zip -qr function.zip app.js run.sh package.json public node_modules

aws lambda create-function --function-name express-lwa \
  --runtime nodejs22.x --architectures x86_64 --handler run.sh \
  --zip-file fileb://function.zip --role "$ROLE_ARN" --layers "$layer_arn" \
  --memory-size 512 --timeout 10 \
  --environment 'Variables={AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap}'
aws lambda wait function-active-v2 --function-name express-lwa
aws lambda create-function-url-config --function-name express-lwa --auth-type AWS_IAM
