package graph

import (
	"github.com/platterhq/platter/subgraphs/feedback/graph/model"
	"github.com/platterhq/platter/subgraphs/feedback/review"
)

// toReview maps a review; every field of it is public.
func toReview(r review.Review) *model.Review {
	return &model.Review{ID: r.ID, Rating: r.Rating, Comment: r.Comment, CreatedAt: r.CreatedAt}
}
