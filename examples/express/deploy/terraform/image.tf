# The Express example as a container image function. The image is pushed to the ECR repository
# first: `lwa-pack image --base <your image> --platform linux/amd64 --push <repository_url>:1-lambda`.
resource "aws_ecr_repository" "express" {
  name = "express-lwa"
}

variable "image_tag" {
  type    = string
  default = "1-lambda"
}

resource "aws_iam_role" "express_image" {
  name = "express-lwa-image"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "express_image_logs" {
  role       = aws_iam_role.express_image.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "express_image" {
  function_name = "express-lwa-image"
  role          = aws_iam_role.express_image.arn
  package_type  = "Image"
  image_uri     = "${aws_ecr_repository.express.repository_url}:${var.image_tag}"
  architectures = ["x86_64"]
  memory_size   = 512
  timeout       = 10

  # Only for AWS's managed base images (public.ecr.aws/lambda/...), whose entrypoint starts AWS's
  # runtime client: start the app instead.
  # image_config {
  #   entry_point = ["node", "app.js"]
  # }
}
