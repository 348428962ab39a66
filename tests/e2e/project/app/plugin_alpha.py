GREETING = "hello from alpha 1"
