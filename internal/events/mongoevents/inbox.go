package mongoevents

import "slices"

// InboxSize is how many event ids an Inbox remembers: the latest ones
// applied to its document. A copy of an event arriving after InboxSize
// newer events were applied to the same document would take effect again.
// Copies come from a relay republishing after a crash or a broker
// redelivering, within seconds and a few events of the original; a
// document changed by a hundred events in that time needs a larger bound
// than this one.
const InboxSize = 100

// Inbox remembers which events were applied to a document. Embed it inline
// in the document type, check Seen before applying an event and Mark after,
// and save the document by replace on {_id, version}:
//
//	if doc.Seen(e.ID) {
//		return nil // already applied
//	}
//	apply(&doc, data)
//	doc.Mark(e.ID)
//	read := doc.Version
//	doc.Version++
//	res, err := coll.ReplaceOne(ctx, bson.D{{"_id", doc.ID}, {"version", read}}, doc)
//	// res.MatchedCount == 0: changed meanwhile; return an error to retry
//
// An event that changes several documents marks each: a retry after a
// partial failure applies it to those not marked yet.
type Inbox struct {
	// Applied are the ids of the latest events applied, oldest first.
	Applied []string `bson:"inbox,omitempty"`
}

// Seen reports whether the event with this id was applied.
func (in *Inbox) Seen(id string) bool { return slices.Contains(in.Applied, id) }

// Mark records that the event with this id was applied, forgetting the
// oldest ids beyond InboxSize.
func (in *Inbox) Mark(id string) {
	if in.Seen(id) {
		return
	}
	in.Applied = append(in.Applied, id)
	if over := len(in.Applied) - InboxSize; over > 0 {
		in.Applied = slices.Delete(in.Applied, 0, over)
	}
}
