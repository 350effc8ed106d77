package main

import (
	"testing"

	"github.com/apigw/apigw/internal/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m, main) }

// TestSignals: the example stops gracefully on SIGTERM, as Kubernetes,
// Docker and systemd stop it, as on SIGINT: the pets API (every route needs
// an API key, so no request reads a body before the key is checked), and
// the functions' Invoke API with an invocation in flight.
func TestSignals(t *testing.T) {
	t.Run("api", func(t *testing.T) {
		exampletest.TestSignals(t, "", "-addr", "127.0.0.1:0")
	})
	t.Run("lambda", func(t *testing.T) {
		exampletest.TestSignals(t, "POST /2015-03-31/functions/ListPetsFunction/invocations", "-lambda-addr", "127.0.0.1:0")
	})
}
