package mapping

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/apigw/apigw/internal/jsontape"
)

// discardWriter is the cheapest http.ResponseWriter, so that benchmarks
// measure the mapping, not the recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(status int)      { d.status = status }
func (d *discardWriter) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
func (d *discardWriter) reset()                      { clear(d.h); d.status, d.n = 0, 0 }

// proxyWrite is what a proxy integration does with the same answer:
// copy the headers, the request id, the status and the body.
func proxyWrite(w http.ResponseWriter, requestID string, res *Result) {
	h := w.Header()
	for k, vs := range res.Header {
		h[k] = vs
	}
	h["X-Amzn-Requestid"] = []string{requestID}
	w.WriteHeader(res.Status)
	w.Write(res.Body)
}

// BenchmarkGenres is the measure: the genres response template
// end to end (choose the integration response, parse the artist, evaluate,
// write JSON, headers, status, body) against writing the same answer as a
// proxy would. The difference is the cost of the mapping.
func BenchmarkGenres(b *testing.B) {
	m, err := MustCompile(`{"genre": input.json.genres}`).ResponseMapping()
	if err != nil {
		b.Fatal(err)
	}
	r, c := newRequest(b, "GET", "/artists/1234/genres", "", nil)
	res := Result{Status: 200, Body: []byte(artistBody), Header: http.Header{"Content-Type": {"application/json"}}}
	w := &discardWriter{h: http.Header{}}

	b.Run("proxy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			proxyWrite(w, c.RequestID, &res)
		}
	})
	b.Run("template", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			if err := m.Write(w, r, c, res); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// genresAllocBudget pins the allocations of BenchmarkGenres/template: the
// copy of the integration's body that the tape reads (strings read from
// it may outlive the answer, as a header kept by the cache, while the
// body's buffer is reused), and the x-amzn-RequestId header. The template
// is proven bounded, so it runs without a cost tracker (five allocations)
// and its one value is evaluated alone, without building a list of values
// (four more); the parse allocates nothing: the tape and the array views
// are reused with the activation.
const genresAllocBudget = 2

func TestGenresAllocBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation budget: not under -short or -race")
	}
	m, _ := MustCompile(`{"genre": input.json.genres}`).ResponseMapping()
	r, c := newRequest(t, "GET", "/artists/1234/genres", "", nil)
	res := Result{Status: 200, Body: []byte(artistBody)}
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		w.reset()
		if err := m.Write(w, r, c, res); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > genresAllocBudget {
		t.Errorf("%.0f allocations per response, budget %d", allocs, genresAllocBudget)
	}
}

// BenchmarkRequestMapping: a JSON request template with header and query
// string mappings, as a non-proxy integration request.
func BenchmarkRequestMapping(b *testing.B) {
	m, err := NewRequestMapping(RequestConfig{
		Templates: map[string]*Template{"application/json": MustCompile(`{"artist": input.json.artist, "id": input.params.path.id, "trace": input.param("x-trace")}`)},
		Parameters: map[string]string{
			"integration.request.header.X-Trace":  "method.request.header.X-Trace",
			"integration.request.querystring.rid": "context.requestId",
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		r, c := newRequest(b, "POST", "/artists/7", artistBody, map[string]string{"X-Trace": "t-1"})
		b.StartTimer()
		if _, err := m.Map(r, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSOAPEnvelope: a text template building an XML envelope.
func BenchmarkSOAPEnvelope(b *testing.B) {
	tm := MustCompileText(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<m:GetArtist xmlns:m="urn:music"><m:Id>{{ input.json.id }}</m:Id><m:Name>{{ util.escapeXml(input.json.artist) }}</m:Name></m:GetArtist>
</soap:Body></soap:Envelope>`)
	r, c := newRequest(b, "GET", "/", "", nil)
	body := []byte(artistBody)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = tm.RenderBody(buf[:0], r, c, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseJSON compares the response-side JSON reader with
// encoding/json on the artist: the tape alone (what a response template
// pays before it reads a value), the tape decoded into Go values, and
// encoding/json into an any.
func BenchmarkParseJSON(b *testing.B) {
	body := []byte(artistBody)
	b.Run("tape", func(b *testing.B) {
		b.ReportAllocs()
		var d jsontape.Doc
		for b.Loop() {
			if err := d.Parse(artistBody); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tape_decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
