module github.com/platterhq/platter/stack

go 1.26.8

require (
	github.com/platterhq/platter/internal v0.0.0
	github.com/platterhq/platter/router v0.0.0
	github.com/platterhq/platter/subgraphs/customer v0.0.0
)

replace (
	github.com/platterhq/platter/internal => ../internal
	github.com/platterhq/platter/router => ../router
	github.com/platterhq/platter/subgraphs/cloudmanager => ../subgraphs/cloudmanager
	github.com/platterhq/platter/subgraphs/customer => ../subgraphs/customer
	github.com/platterhq/platter/subgraphs/deliveryman => ../subgraphs/deliveryman
	github.com/platterhq/platter/subgraphs/feedback => ../subgraphs/feedback
	github.com/platterhq/platter/subgraphs/product => ../subgraphs/product
	github.com/platterhq/platter/subgraphs/shopping => ../subgraphs/shopping
	github.com/platterhq/platter/subgraphs/vendor => ../subgraphs/vendor
	// Not served by the module proxy; see third_party/connect-brotli.
	go.withmatt.com/connect-brotli => ../third_party/connect-brotli
)
