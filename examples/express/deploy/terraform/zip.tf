# The Express example as a zip function: the Node.js runtime, the adapter layer, run.sh as handler.
# Run `npm ci --omit=dev` in examples/express first; the layer zip comes from `lwa-pack layer`.
variable "adapter_layer_zip" {
  type        = string
  description = "lambda-adapter-layer-<version>-x86_64.zip from lwa-pack layer"
}

resource "aws_lambda_layer_version" "adapter" {
  layer_name               = "lambda-adapter-x86_64"
  filename                 = var.adapter_layer_zip
  source_code_hash         = filebase64sha256(var.adapter_layer_zip)
  compatible_architectures = ["x86_64"]
}

data "archive_file" "express" {
  type        = "zip"
  source_dir  = "${path.module}/../.."
  excludes    = ["deploy", "Dockerfile", "README.md", "template.yaml"]
  output_path = "${path.module}/express.zip"
}

resource "aws_iam_role" "express" {
  name = "express-lwa"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "express_logs" {
  role       = aws_iam_role.express.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "express" {
  function_name    = "express-lwa"
  role             = aws_iam_role.express.arn
  runtime          = "nodejs22.x"
  architectures    = ["x86_64"]
  handler          = "run.sh"
  filename         = data.archive_file.express.output_path
  source_code_hash = data.archive_file.express.output_base64sha256
  layers           = [aws_lambda_layer_version.adapter.arn]
  memory_size      = 512
  timeout          = 10

  environment {
    variables = {
      AWS_LAMBDA_EXEC_WRAPPER = "/opt/bootstrap"
    }
  }
}

resource "aws_lambda_function_url" "express" {
  function_name      = aws_lambda_function.express.function_name
  authorization_type = "AWS_IAM"
}

output "function_url" {
  value = aws_lambda_function_url.express.function_url
}
