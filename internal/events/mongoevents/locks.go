package mongoevents

import (
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Locks serialises the writes to each document within one process.
//
// The embedded MongoDB-wire server applies a filtered update or replace as
// a query followed by a write addressed by _id alone, so two writes to one
// document at the same moment can both match their filter, and the later
// one undoes the earlier: a {_id, version} filter does not stop a lost
// update there, and neither does the relay's token filter. MongoDB applies
// each single-document write atomically and needs no Locks. In dev mode,
// where one process owns the embedded server, give the relay
// (Options.Locks) and the stores that write the same documents one Locks,
// and have the stores hold the document's lock from loading it to saving
// it.
//
// A nil *Locks locks nothing.
type Locks struct {
	mu    sync.Mutex
	locks map[string]*docLock
}

type docLock struct {
	sync.Mutex
	refs int
}

// Lock waits for the lock of the document of coll with this _id and returns
// the function that releases it. The id may be any value the driver
// encodes (a string, an ObjectID, a bson.RawValue read back).
func (l *Locks) Lock(coll *mongo.Collection, id any) (unlock func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	k, err := lockKey(coll, id)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*docLock{}
	}
	d := l.locks[k]
	if d == nil {
		d = &docLock{}
		l.locks[k] = d
	}
	d.refs++
	l.mu.Unlock()

	d.Lock()
	return func() {
		d.Unlock()
		l.mu.Lock()
		if d.refs--; d.refs == 0 {
			delete(l.locks, k)
		}
		l.mu.Unlock()
	}, nil
}

// lockKey names a document by collection and the BSON encoding of its _id,
// so that the same id reads the same however it is held.
func lockKey(coll *mongo.Collection, id any) (string, error) {
	var typ bson.Type
	var data []byte
	if rv, ok := id.(bson.RawValue); ok {
		typ, data = rv.Type, rv.Value
	} else {
		var err error
		if typ, data, err = bson.MarshalValue(id); err != nil {
			return "", fmt.Errorf("lock document: encode _id: %w", err)
		}
	}
	return coll.Database().Name() + "." + coll.Name() + "\x00" + string(rune(typ)) + string(data), nil
}
