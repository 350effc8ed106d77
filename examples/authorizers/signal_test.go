package main

import (
	"testing"

	"github.com/apigw/apigw/internal/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m, main) }

// TestSignals: the example stops gracefully on SIGTERM, as Kubernetes,
// Docker and systemd stop it, as on SIGINT.
func TestSignals(t *testing.T) {
	exampletest.TestSignals(t, "", "-addr", "127.0.0.1:0")
}
