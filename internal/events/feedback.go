package events

import "time"

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

// ReviewData is the data of every review event: the review as it is now
// (Deleted set by ReviewDeleted). Version grows with every change.
type ReviewData struct {
	ReviewID   string `json:"review_id"`
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id"`
	// TargetType is VENDOR, PRODUCT or COURIER; TargetID is its id.
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	// VendorID is the vendor of the reviewed order, whatever the target.
	VendorID  string    `json:"vendor_id"`
	Rating    int       `json:"rating"`
	CreatedAt time.Time `json:"created_at"`
	Deleted   bool      `json:"deleted"`
	Version   int64     `json:"version"`
}
