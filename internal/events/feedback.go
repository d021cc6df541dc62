package events

// Events produced by the feedback subgraph. A review is about a vendor, a
// product or a courier; the subject is the review id.
const (
	// ReviewCreated: a customer reviewed a vendor, product or courier of
	// a delivered order.
	ReviewCreated = "feedback.review.created.v1"
	// ReviewUpdated: a customer changed the rating or text of a review.
	ReviewUpdated = "feedback.review.updated.v1"
	// ReviewDeleted: a review was removed and no longer counts in ratings.
	ReviewDeleted = "feedback.review.deleted.v1"
)
