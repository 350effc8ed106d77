package authorizer

import "testing"

func TestZeroValuesRefuse(t *testing.T) {
	for name, a := range map[string]Authorizer{
		"JWT": &JWTAuthorizer{}, "Token": &TokenAuthorizer{}, "Request": &RequestAuthorizer{},
	} {
		t.Run(name, func(t *testing.T) {
			if got := serve(a, nil, bearer("x")); got.status != 500 {
				t.Fatalf("zero %s answered %d", name, got.status)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
