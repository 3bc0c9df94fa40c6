module github.com/lwa-go/lwa

go 1.26

require (
	github.com/andybalholm/brotli v1.2.8 // indirect
	github.com/aws/aws-lambda-go v1.55.1 // indirect
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/google/go-containerregistry v0.22.1 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/urfave/cli/v2 v2.27.7 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
)
