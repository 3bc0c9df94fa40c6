module github.com/lwa-go/lwa/examples/go

go 1.22
