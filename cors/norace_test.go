//go:build !race

package cors_test

// raceEnabled: the race detector changes allocation counts.
const raceEnabled = false
