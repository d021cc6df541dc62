package router_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/platterhq/platter/router"
	"github.com/platterhq/platter/router/compose"
)

func TestScratchTiming(t *testing.T) {
	r := startRouter(t, compose.ProtocolWS, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.URL()+router.GraphQLPath, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"})
	var m map[string]any
	wsjson.Read(ctx, conn, &m)
	t.Logf("%v %v", time.Since(start), m)
	wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]string{"query": tickSubscription}})
	for i := 0; i < 4; i++ {
		wsjson.Read(ctx, conn, &m)
		t.Logf("%v %v", time.Since(start), m)
	}
	conn.CloseNow()
}
