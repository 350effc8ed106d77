package websocket

import (
	"strings"
	"testing"
)

func TestSelection(t *testing.T) {
	tests := []struct {
		expr, msg, want string
		ok              bool
	}{
		{"$request.body.action", `{"action":"send"}`, "send", true},
		{"$request.body.action", ` { "x" : [1,{"action":"no"}], "action" : "send" } `, "send", true},
		{"$request.body.action", `{"action":"a","action":"b"}`, "b", true},
		{"$request.body.action", `{"action":"\u00e9t\u00e9"}`, "été", true},
		{"$request.body.action", `{"action":42}`, "42", true},
		{"$request.body.action", `{"action":true}`, "true", true},
		{"$request.body.action", `{"action":null}`, "", false},
		{"$request.body.action", `{"action":{}}`, "", false},
		{"$request.body.action", `{"other":"x"}`, "", false},
		{"$request.body.action", `["action"]`, "", false},
		{"$request.body.action", `not json`, "", false},
		{"$request.body.action", `{"action":"x"`, "", false},
		{"$request.body.data.room", `{"data":{"room":"r1"}}`, "r1", true},
		{"$request.body.data.room", `{"data":"r1"}`, "", false},
		{"${request.body.type}-v${request.body.v}", `{"type":"chat","v":2}`, "chat-v2", true},
		{`\$${request.body.a}`, `{"a":"default"}`, "$default", true},
		{"$request.body.a-b", `{"a-b":"x"}`, "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr+" "+tt.msg, func(t *testing.T) {
			s, err := compileSelection(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := s.eval([]byte(tt.msg))
			if ok != tt.ok || string(got) != tt.want {
				t.Errorf("eval = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSelectionDeepNesting(t *testing.T) {
	s, _ := compileSelection(DefaultRouteSelection)
	deep := `{"x":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `,"action":"a"}`
	if got, ok := s.eval([]byte(deep)); !ok || string(got) != "a" {
		t.Errorf("deep: %q %v", got, ok)
	}
}

func TestSelectionAllocs(t *testing.T) {
	s, _ := compileSelection(DefaultRouteSelection)
	msg := []byte(`{"action":"sendmessage","message":"hello, world"}`)
	routes := map[string]*route{"sendmessage": {}}
	n := testing.AllocsPerRun(100, func() {
		k, _ := s.eval(msg)
		if routes[string(k)] == nil {
			t.Fatal("no route")
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per selection, want 0", n)
	}
}
