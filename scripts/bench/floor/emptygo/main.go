// Command emptygo does nothing. The bench runs it to measure what any Go program costs to start
// and exit on this machine (the Go runtime's own floor), beside the adapter's start.
package main

func main() {}
