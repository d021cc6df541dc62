module github.com/platterhq/platter/subgraphs/feedback

go 1.26.8

require github.com/platterhq/platter/internal v0.0.0

replace github.com/platterhq/platter/internal => ../../internal
