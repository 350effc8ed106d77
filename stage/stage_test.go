package stage

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	long := strings.Repeat("a", 129)
	on := true
	tests := []struct {
		name    string
		stage   Stage
		wantErr []string // empty: valid
	}{
		{"minimal", Stage{Name: "prod"}, nil},
		{"full", Stage{Name: "prod_v-2", Variables: map[string]string{"ver": "v1", "url": "https://x.example/a?b=c&d=e#f,g~h"},
			Canary:         &Canary{Percent: 12.5, Variables: map[string]string{"ver": "v2"}, Sticky: &Sticky{Header: "X-User"}},
			Settings:       MethodSettings{ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, CachingEnabled: &on, CacheTTL: time.Minute},
			MethodSettings: map[string]MethodSettings{"/artists/{id}/GET": {CacheTTL: time.Hour}, "*/*": {}}}, nil},
		{"empty name", Stage{}, []string{"Name: empty"}},
		{"bad name", Stage{Name: "pro d"}, []string{`Name: "pro d"`}},
		{"long name", Stage{Name: long}, []string{"longer than 128"}},
		{"bad variable name", Stage{Name: "p", Variables: map[string]string{"a-b": "x"}}, []string{`Variables["a-b"]`}},
		{"long variable name", Stage{Name: "p", Variables: map[string]string{strings.Repeat("v", 65): "x"}}, []string{"name must be 1 to 64"}},
		{"bad variable value", Stage{Name: "p", Variables: map[string]string{"v": "a b"}}, []string{`Variables["v"]`, "' '"}},
		{"long variable value", Stage{Name: "p", Variables: map[string]string{"v": strings.Repeat("x", 513)}}, []string{"longer than 512"}},
		{"too many variables", Stage{Name: "p", Variables: manyVars(101)}, []string{"101 variables"}},
		{"canary percent", Stage{Name: "p", Canary: &Canary{Percent: 100.5}}, []string{"Canary.Percent"}},
		{"canary negative", Stage{Name: "p", Canary: &Canary{Percent: -1}}, []string{"Canary.Percent"}},
		{"canary decimals", Stage{Name: "p", Canary: &Canary{Percent: 10.25}}, []string{"one decimal"}},
		{"canary variables", Stage{Name: "p", Canary: &Canary{Variables: map[string]string{"v": "<"}}}, []string{"Canary.Variables"}},
		{"empty sticky", Stage{Name: "p", Canary: &Canary{Sticky: &Sticky{}}}, []string{"Canary.Sticky"}},
		{"bad throttle", Stage{Name: "p", Settings: MethodSettings{ThrottlingRateLimit: -1, ThrottlingBurstLimit: -2}}, []string{"ThrottlingRateLimit", "ThrottlingBurstLimit"}},
		{"bad ttl", Stage{Name: "p", MethodSettings: map[string]MethodSettings{"/a/GET": {CacheTTL: 2 * time.Hour}}}, []string{`MethodSettings["/a/GET"].CacheTTL`}},
		{"bad key", Stage{Name: "p", MethodSettings: map[string]MethodSettings{"GET": {}}}, []string{`MethodSettings["GET"]: key`}},
		{"access log format", Stage{Name: "p", AccessLogFormat: `$context.identity.sourceIp [$context.requestTime] "$context.httpMethod $context.resourcePath" $context.status $context.requestId`}, nil},
		{"access log without request id", Stage{Name: "p", AccessLogFormat: `$context.status`}, []string{"AccessLogFormat: must include $context.requestId"}},
		{"access log variable", Stage{Name: "p", AccessLogFormat: `$context.requestId $context.nope`}, []string{"AccessLogFormat", `unknown $context variable "nope"`}},
		{"access log stage variable", Stage{Name: "p", AccessLogFormat: `$context.requestId $stageVariables.v`}, []string{"AccessLogFormat", "not allowed"}},
		{"access log lines", Stage{Name: "p", AccessLogFormat: "$context.requestId\n$context.status"}, []string{"AccessLogFormat: must be one line"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.stage.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate succeeded")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func manyVars(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m["v"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "1"
	}
	return m
}

func TestFor(t *testing.T) {
	off, on := false, true
	s := Stage{
		Settings: MethodSettings{ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, CachingEnabled: &on, CacheTTL: time.Minute},
		MethodSettings: map[string]MethodSettings{
			"*/*":               {ThrottlingRateLimit: 50},
			"/artists/{id}/*":   {CacheTTL: 2 * time.Minute},
			"*/PUT":             {CachingEnabled: &off},
			"/artists/{id}/GET": {ThrottlingBurstLimit: 5},
		},
	}
	got := s.For("/artists/{id}", "GET")
	if got.ThrottlingRateLimit != 50 || got.ThrottlingBurstLimit != 5 || !*got.CachingEnabled || got.CacheTTL != 2*time.Minute {
		t.Errorf("GET = %+v", got)
	}
	if got := s.For("/artists/{id}", "PUT"); *got.CachingEnabled || got.ThrottlingBurstLimit != 20 {
		t.Errorf("PUT = %+v", got)
	}
	if got := s.For("/other", "GET"); got.CacheTTL != time.Minute || got.ThrottlingRateLimit != 50 {
		t.Errorf("other = %+v", got)
	}
	s.MethodSettings["/artists/{id}/*"] = MethodSettings{CacheTTL: 2 * time.Minute, MetricsEnabled: &on}
	if got := s.For("/artists/{id}", "GET"); got.MetricsEnabled == nil || !*got.MetricsEnabled {
		t.Errorf("MetricsEnabled of /artists/{id}/* not inherited: %+v", got)
	}
	if got := s.For("/other", "GET"); got.MetricsEnabled != nil {
		t.Errorf("MetricsEnabled set for /other: %+v", got)
	}
}

func TestMergeVariables(t *testing.T) {
	base := map[string]string{"a": "1", "b": "2"}
	got := MergeVariables(base, map[string]string{"b": "3", "c": "4"})
	if got["a"] != "1" || got["b"] != "3" || got["c"] != "4" || base["b"] != "2" {
		t.Errorf("%v (base %v)", got, base)
	}
}
