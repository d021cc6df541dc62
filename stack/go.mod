module github.com/platterhq/platter/stack

go 1.26.8
