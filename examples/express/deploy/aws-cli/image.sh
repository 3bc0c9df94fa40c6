#!/usr/bin/env bash
# The Express example as a container image function with the AWS CLI and lwa-pack (no Docker).
# BASE_IMAGE is your app's image (built any way: docker, buildah, ko...), ROLE_ARN the execution role.
set -euo pipefail
: "${BASE_IMAGE:?set BASE_IMAGE to the app image, e.g. registry.example.com/my-express:1}"
: "${ROLE_ARN:?set ROLE_ARN to the execution role ARN of the function}"

region=$(aws configure get region)
account=$(aws sts get-caller-identity --query Account --output text)
registry="$account.dkr.ecr.$region.amazonaws.com"

aws ecr describe-repositories --repository-names express-lwa >/dev/null 2>&1 ||
  aws ecr create-repository --repository-name express-lwa >/dev/null

# lwa-pack reads registry credentials from ~/.docker/config.json: `crane auth login` writes them
# without Docker (or use `docker login`, or the ECR credential helper).
aws ecr get-login-password --region "$region" |
  crane auth login "$registry" --username AWS --password-stdin

# One platform: Lambda refuses an image index.
lwa-pack image --base "$BASE_IMAGE" --platform linux/amd64 --push "$registry/express-lwa:1-lambda"

aws lambda create-function --function-name express-lwa-image \
  --package-type Image --code "ImageUri=$registry/express-lwa:1-lambda" \
  --architectures x86_64 --role "$ROLE_ARN" --memory-size 512 --timeout 10
# From AWS's managed base images (public.ecr.aws/lambda/...), replace their entrypoint:
#   --image-config '{"EntryPoint":["node","app.js"]}'
aws lambda wait function-active-v2 --function-name express-lwa-image
