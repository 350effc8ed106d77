package mapping

import (
	"errors"
	"github.com/apigw/apigw/internal/paramexpr"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
)

// TestGenres is the example: the genres of the artist resource.
func TestGenres(t *testing.T) {
	r, c := newRequest(t, "GET", "/artists/1234/genres", "", nil)
	tm := MustCompile(`{"genre": input.json.genres}`)
	out, err := tm.RenderBody(nil, r, c, []byte(artistBody))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"genre":["Progressive rock","Pop rock","Glam rock"]}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
}

func TestEnvironment(t *testing.T) {
	r, c := newRequest(t, "POST", "/artists/7?id=8&lang=en&lang=fr", artistBody,
		map[string]string{"X-Trace": "t-1", "Id": "9", "Content-Type": "application/json"})
	c.IsCanaryRequest = true
	tests := []struct {
		name, src, want string
	}{
		{"body raw", `input.body`, `"` + strings.ReplaceAll(artistBody, `"`, `\"`) + `"`},
		{"json field", `input.json.artist`, `"Queen"`},
		{"json int", `[input.json.id == 1234, type(input.json.id) == int]`, `[true,true]`},
		{"json passthrough, as sent", `input.json`, artistBody},
		{"json index", `input.json.genres[1]`, `"Pop rock"`},
		{"comprehension", `input.json.genres.filter(g, g.endsWith("rock")).map(g, g.upperAscii())`, `["PROGRESSIVE ROCK","POP ROCK","GLAM ROCK"]`},
		{"param path first", `input.param("id")`, `"7"`},
		{"param query", `input.param("lang")`, `"en"`},
		{"param header", `input.param("x-trace")`, `"t-1"`},
		{"param missing", `input.param("nope")`, `""`},
		{"params path", `input.params.path`, `{"id":"7"}`},
		{"params querystring", `input.params.querystring`, `{"id":"8","lang":"en"}`},
		{"params header any case", `[input.params.header["x-trace"], input.params.header.Id]`, `["t-1","9"]`},
		{"params header has", `[has(input.params.header.nope), "X-Trace" in input.params.header]`, `[false,true]`},
		{"params", `input.params.path.id + input.params.querystring.id`, `"78"`},
		{"request id", `context.requestId == context.extendedRequestId`, `false`},
		{"identity", `context.identity.sourceIp`, `"192.0.2.1"`},
		{"stage", `[context.stage, context.resourcePath, context.httpMethod]`, `["prod","/artists/{id}","POST"]`},
		{"request time", `[context.requestTime, context.requestTimeEpoch]`, `["04/Mar/2020:19:15:17 +0000",1583349317000]`},
		{"typed context", `[context.status, context.isCanaryRequest, context.responseLength]`, `[200,true,0]`},
		{"claims", `context.authorizer.claims.sub`, `"abc"`},
		{"principal", `context.authorizer.principalId`, `"user-1"`},
		{"lambda authorizer context as strings", `[context.authorizer.tier, context.authorizer.n]`, `["gold","3"]`},
		{"stage variables", `stageVariables.ver`, `"v1"`},
		{"stage variable missing", `stageVariables.?nope.orValue("none")`, `"none"`},
		{"optional field", `input.json.?nick.orValue("")`, `""`},
		{"has", `has(input.json.nick) ? input.json.nick : input.json.artist`, `"Queen"`},
		{"sorted keys", `{"b": 1, "a": 2, "c": {"z": null, "y": 1.5}}`, `{"a":2,"b":1,"c":{"y":1.5,"z":null}}`},
		{"int keys", `{2: "b", 1: "a"}`, `{"1":"a","2":"b"}`},
		{"strings ext", `"a,b".split(",").join("+")`, `"a+b"`},
		{"format", `"%s has %d genres".format([input.json.artist, input.json.genres.size()])`, `"Queen has 3 genres"`},
		{"bytes as base64", `b"hi"`, `"aGk="`},
		{"double", `[1.5, 1e21, 0.000001, 2.0]`, `[1.5,1e+21,0.000001,2]`},
		{"escaping", `"<a & \"b\">\u2028"`, `"<a & \"b\">\u2028"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, tt.src, r, c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

// TestEveryContextVariable compiles and evaluates context.<name> for
// every name apigw.Context.Var knows.
func TestEveryContextVariable(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	for _, name := range paramexpr.ContextVars() {
		t.Run(name, func(t *testing.T) {
			if _, err := render(t, "context."+name, r, c); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestJSONNumbers(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	tests := []struct{ body, src, want string }{
		{`{"n": 12345678901234567890123}`, `input.json`, `{"n": 12345678901234567890123}`}, // an integration's JSON taken whole is written as sent
		{`{"n": 12345678901234567890123}`, `{"n": input.json.n}`, `{"n":1.2345678901234568e+22}`},
		{`{"n": 12345678901234567890123}`, `type(input.json.n) == double`, `true`},
		{`{"n": -0}`, `type(input.json.n) == int`, `true`},
		{`{"n": 1.0}`, `type(input.json.n) == double`, `true`},
		{`{"n": 1e2}`, `input.json.n + 1.0`, `101`},
		{`{"n": 9223372036854775807}`, `input.json.n`, `9223372036854775807`},
		{`[1, 2.5]`, `input.json[0] + 1`, `2`},
		{`"just a string"`, `input.json`, `"just a string"`},
		{``, `input.json == null`, `true`},
	}
	for _, tt := range tests {
		t.Run(tt.body+" "+tt.src, func(t *testing.T) {
			out, err := MustCompile(tt.src).RenderBody(nil, r, c, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got %s, want %s", out, tt.want)
			}
		})
	}
}

func TestUtil(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	tests := []struct {
		name, src, want string
	}{
		{"escapeJavaScript", `text:{{ util.escapeJavaScript("He said \"hi\" & 'bye'/\n\té😀\x01") }}`, `He said \"hi\" & \'bye\'\/\n\t\u00E9\uD83D\uDE00\u0001`},
		{"escapeJson", `text:{{ util.escapeJson("a\"b\\c\n<é\x01") }}`, `a\"b\\c\n<é\u0001`},
		{"escapeXml", `text:{{ util.escapeXml("<a href=\"x\">Tom & 'Jerry'</a>\x01") }}`, `&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;` + "\uFFFD"},
		{"escapeXml clean", `text:{{ util.escapeXml("plain é") }}`, `plain é`},
		{"urlEncode", `text:{{ util.urlEncode("a b&c=d/é*~._-") }}`, `a+b%26c%3Dd%2F%C3%A9*%7E._-`},
		{"urlEncode plain", `text:{{ util.urlEncode("abc") }}`, `abc`},
		{"urlDecode", `text:{{ util.urlDecode("a+b%26c%3Dd%2F%C3%A9") }}`, `a b&c=d/é`},
		{"base64Encode", `text:{{ util.base64Encode("hello") }}`, `aGVsbG8=`},
		{"base64Encode bytes", `text:{{ util.base64Encode(b"hi") }}`, `aGk=`},
		{"base64Decode", `text:{{ util.base64Decode("aGVsbG8=") }}`, `hello`},
		{"base64Decode unpadded", `text:{{ util.base64Decode("aGVsbG8") }}`, `hello`},
		{"parseJson", `util.parseJson("{\"a\":[1,2.5,\"x\",true,null]}").a`, `[1,2.5,"x",true,null]`},
		{"parseJson int", `type(util.parseJson("1")) == int && type(util.parseJson("1.0")) == double`, `true`},
		{"toJson", `text:{{ util.toJson({"b": 1, "a": [true, null, "x\"y"]}) }}`, `{"a":[true,null,"x\"y"],"b":1}`},
		{"toJson string", `text:{{ util.toJson("x") }}`, `"x"`},
		{"parseXml", `util.parseXml("<r a='1'><b>x</b><b>y</b><c/><d>t<e>u</e></d></r>")`,
			`{"r":{"@a":"1","b":["x","y"],"c":"","d":{"#text":"t","e":"u"}}}`},
		{"parseXml namespaces", `util.parseXml("<s:Envelope xmlns:s='urn:s'><s:Body><m:P xmlns:m='urn:m'>12.5</m:P></s:Body></s:Envelope>").Envelope.Body.P`, `"12.5"`},
		{"parseXml entities", `util.parseXml("<a>&lt;&amp;&#233;<![CDATA[<x>]]></a>").a`, `"<&é<x>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, tt.src, r, c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

// TestUtilErrors: a util function that fails is a 500 with the reason in
// Err.
func TestUtilErrors(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	for _, src := range []string{
		`util.urlDecode("%zz")`,
		`util.base64Decode("!!!")`,
		`util.parseJson("{")`,
		`util.parseJson("1 2")`,
		`util.parseXml("<a><b></a>")`,
		`util.parseXml("<a/><b/>")`,
		`util.parseXml("text")`,
		`util.parseXml("<!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><a>&x;</a>")`,
		`util.parseXml("<?xml version='1.0' encoding='EBCDIC'?><a/>")`,
		`util.toJson(1.0/0.0)`,
		`util.escapeXml(input.json)`,
	} {
		t.Run(src, func(t *testing.T) {
			_, err := render(t, src, r, c)
			var e *apigw.Error
			if !errors.As(err, &e) || e.StatusCode() != http.StatusInternalServerError || e.Err == nil {
				t.Fatalf("got %v, want a 500 *apigw.Error with a cause", err)
			}
		})
	}
}

func TestParseXMLLatin1(t *testing.T) {
	v, err := parseXML("<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9</a>")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.(map[string]any)["a"]; got != "café" {
		t.Errorf("got %q", got)
	}
}

func TestParseXMLDepth(t *testing.T) {
	deep := strings.Repeat("<a>", maxXMLDepth+1) + strings.Repeat("</a>", maxXMLDepth+1)
	if _, err := parseXML(deep); err == nil {
		t.Fatal("no error for elements nested too deep")
	}
	ok := strings.Repeat("<a>", maxXMLDepth) + strings.Repeat("</a>", maxXMLDepth)
	if _, err := parseXML(ok); err != nil {
		t.Fatal(err)
	}
}

func TestTextTemplate(t *testing.T) {
	r, c := newRequest(t, "POST", "/", artistBody, nil)
	tests := []struct{ name, src, want string }{
		{"no holes", "plain text }} {", "plain text }} {"},
		{"holes", "<a>{{ input.json.artist }}</a><n>{{input.json.id}}</n>", "<a>Queen</a><n>1234</n>"},
		{"map literal with }}", `{{ {"x": {"y": 1}} }}`, `{"x":{"y":1}}`},
		{"string with }}", `[{{ "}}" + '}}' }}]`, `[}}}}]`},
		{"triple quoted", `{{ """a "}}" b""" }}`, `a "}}" b`},
		{"raw string", `{{ r"\}}" }}`, `\}}`},
		{"comment", "{{ 1 // a }} comment\n + 1 }}", "2"},
		{"literal braces", `{{ "{{" }} x }}`, `{{ x }}`},
		{"multi-line", "{{\n  input.json.genres\n    .join(\", \")\n}}", "Progressive rock, Pop rock, Glam rock"},
		{"null is empty", `[{{ null }}]`, `[]`},
		{"bool and double", `{{ true }} {{ 2.5 }}`, `true 2.5`},
		{"list as JSON", `{{ input.json.genres }}`, `["Progressive rock","Pop rock","Glam rock"]`},
		{"form", `artist={{ util.urlEncode(input.json.artist + " & co") }}&id={{ input.json.id }}`, `artist=Queen+%26+co&id=1234`},
		{"optional", `[{{ input.json.?nick }}]`, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, "text:"+tt.src, r, c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		text bool
		src  string
		opts []Option
		want []string // substrings of the error
	}{
		{"undeclared", false, `{"a": inptu.x}`, []Option{WithName("GET /x application/json")},
			[]string{`mapping: template GET /x application/json: 1:7: undeclared reference to 'inptu'`}},
		{"default name is the source", false, `input.jsn`, nil, []string{`template "input.jsn": 1:1: undeclared reference to 'input'`}},
		{"syntax", false, "{\"a\":\n  input.json.map(}", nil, []string{"2:18: Syntax error"}},
		{"empty", false, "  ", nil, []string{"empty expression"}},
		{"unknown function", false, `util.nope("x")`, nil, []string{"1:10: undeclared reference to 'nope'"}},
		{"unknown context var", false, `context.nope`, nil, []string{"undeclared reference"}},
		{"wrong arg type", false, `util.urlEncode(1)`, nil, []string{"found no matching overload for 'util.urlEncode'"}},
		{"text hole position", true, "<a>\n  <b>{{ input.json.x }}</b>\n  <c>{{ 1 +\n    inptu }}</c>", nil,
			[]string{"4:5: undeclared reference to 'inptu'"}},
		{"text first hole position", true, "ab{{ inptu }}", nil, []string{"1:6: undeclared"}},
		{"text unterminated", true, "<a>\n{{ input.json", nil, []string{"2:1: {{ without }}"}},
		{"text empty hole", true, "a{{  }}b", nil, []string{"1:2: empty {{ }}"}},
		{"text unterminated string", true, `{{ "abc }}`, nil, []string{"unterminated string literal"}},
		{"text two expressions", true, `{{ 1, 2 }}`, nil, []string{"Syntax error"}},
		{"text comment to end", true, "{{ 1 // x", nil, []string{"{{ without }}"}},
		{"text several errors", true, "{{ a }}{{ b }}", nil, []string{"1:4: undeclared reference to 'a'", "1:11: undeclared reference to 'b'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.text {
				_, err = CompileText(tt.src, tt.opts...)
			} else {
				_, err = Compile(tt.src, tt.opts...)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestMustCompilePanics(t *testing.T) {
	for name, f := range map[string]func(){
		"MustCompile":     func() { MustCompile("inptu") },
		"MustCompileText": func() { MustCompileText("{{ inptu }}") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestTemplateAccessors(t *testing.T) {
	tm := MustCompile(`input.body`, WithName("n"))
	if tm.Name() != "n" || tm.String() != "input.body" {
		t.Errorf("Name %q String %q", tm.Name(), tm.String())
	}
}

// TestObjectTemplates: a map literal at the top is written without a CEL
// map; what that shortcut cannot express keeps CEL's meaning.
func TestObjectTemplates(t *testing.T) {
	r, c := newRequest(t, "POST", "/", artistBody, nil)
	tests := []struct {
		src, want string
		shortcut  bool
	}{
		{`{}`, `{}`, true},
		{`{"b": 1, "a": input.json.artist, "c": {"z": 1, "y": 2}}`, `{"a":"Queen","b":1,"c":{"y":2,"z":1}}`, true},
		{`{"q\"": null}`, `{"q\"":null}`, true},
		{`{"a": input.json.?nick}`, `{"a":null}`, true},
		{`{?"a": input.json.?nick, "b": 1}`, `{"b":1}`, false},
		{`{1: "x"}`, `{"1":"x"}`, false},
		{`{"a": 1, input.json.artist: 2}`, `{"Queen":2,"a":1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm := MustCompile(tt.src)
			if (tm.keys != nil) != tt.shortcut {
				t.Errorf("shortcut %v, want %v", tm.keys != nil, tt.shortcut)
			}
			out, err := tm.Render(nil, r, c)
			if err != nil || string(out) != tt.want {
				t.Errorf("got %s, %v; want %s", out, err, tt.want)
			}
		})
	}
	// A repeated key keeps CEL's meaning: no shortcut.
	tm := MustCompile(`{"a": 1, "a": 2}`)
	out, err := tm.Render(nil, r, c)
	t.Logf("repeated key: %s, %v", out, err)
	if tm.keys != nil {
		t.Error("shortcut taken for a repeated key")
	}
}

// TestRenderWithoutContext: a template over a request that went through
// no gateway gets a Context of its own.
func TestRenderWithoutContext(t *testing.T) {
	r := httptest.NewRequest("POST", "/x?q=1", strings.NewReader(`{"a": 1}`))
	out, err := MustCompile(`[input.json.a, input.param("q"), context.httpMethod]`).Render(nil, r, nil)
	if err != nil || string(out) != `[1,"1","POST"]` {
		t.Errorf("got %s, %v", out, err)
	}
	out, err = MustCompile(`input.json.b`).RenderBody(nil, r, nil, []byte(`{"b": [true]}`))
	if err != nil || string(out) != `[true]` {
		t.Errorf("got %s, %v", out, err)
	}
}
