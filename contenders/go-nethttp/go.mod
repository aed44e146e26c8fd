module github.com/shootout/contenders/go-nethttp

go 1.22
