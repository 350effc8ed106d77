package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/openapi"
)

// TestExport: the music API exported as OpenAPI and loaded back answers as
// the one built in Go.
func TestExport(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	a, err := newGateway(newStore(), logger, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newGateway(newStore(), logger, now)
	if err != nil {
		t.Fatal(err)
	}
	exampletest.RoundTrip(t, a, b, openapi.ExportOptions{Title: "music"}, []exampletest.Request{
		{Method: "GET", Path: "/artists/1234"},
		{Method: "GET", Path: "/artists/1234/genres"},
		{Method: "GET", Path: "/artists/1234/genres-vtl"},
		{Method: "GET", Path: "/artists/42"},
		{Method: "PUT", Path: "/artists/1234", Body: `{"popularity": 95}`, Header: map[string]string{"Content-Type": "application/json"}},
		{Method: "PUT", Path: "/artists/1234", Body: `{"popularity": "high"}`, Header: map[string]string{"Content-Type": "application/json"}},
		{Method: "GET", Path: "/artists/1234", Header: map[string]string{"Cache-Control": "max-age=0"}},
		{Method: "DELETE", Path: "/artists/1234"},
	})
}
