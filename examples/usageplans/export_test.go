package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/openapi"
)

// TestExport: the breed API, its API keys required, exported as OpenAPI
// and loaded back answers as the one built in Go (the plans are the
// gateway's, not the definition's).
func TestExport(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	build := func() *gateway.Gateway {
		reg, err := newRegistry(nil, now, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		gw, err := newGateway(reg, now)
		if err != nil {
			t.Fatal(err)
		}
		return gw
	}
	exampletest.RoundTrip(t, build(), build(), openapi.ExportOptions{Title: "breeds"}, []exampletest.Request{
		{Method: "GET", Path: "/breeds"},
		{Method: "GET", Path: "/breeds", Header: map[string]string{"x-api-key": premiumKey}},
		{Method: "GET", Path: "/breeds", Header: map[string]string{"x-api-key": basicKey}},
		{Method: "GET", Path: "/breeds", Header: map[string]string{"x-api-key": basicKey}},
		{Method: "GET", Path: "/breeds", Header: map[string]string{"x-api-key": basicKey}},
		{Method: "GET", Path: "/usage"},
		{Method: "GET", Path: "/usage?key=" + premiumKey},
	})
}
