package mapping

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBinaryMediaTypesMatch(t *testing.T) {
	b := BinaryMediaTypes{"image/png", "application/*", "*/vnd.custom"}
	tests := []struct {
		value string
		want  bool
	}{
		{"image/png", true},
		{"IMAGE/PNG; charset=binary", true},
		{"image/png, text/html", true},
		{"text/html, image/png", false}, // only the first Accept type counts
		{"image/jpeg", false},
		{"application/octet-stream", true},
		{"application/json;q=0.9", true},
		{"text/vnd.custom", true},
		{"", false},
		{"image", false},
		{" image/png ", true},
	}
	for _, tt := range tests {
		if got := b.Match(tt.value); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
	if (BinaryMediaTypes{"*/*"}).Match("text/plain") != true || BinaryMediaTypes(nil).Match("image/png") {
		t.Error("*/* or nil")
	}
	for _, bad := range []string{"image", "image/", "/png", "image/png; q=1", "ima ge/png", ""} {
		if err := (BinaryMediaTypes{bad}).Validate(); err == nil {
			t.Errorf("Validate(%q) = nil", bad)
		}
	}
	if err := (BinaryMediaTypes{"image/*", "*/*", "application/vnd.api+json"}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestContentHandlingMiddleware converts around the templates with the
// mapping used alone, as middleware.
func TestContentHandlingMiddleware(t *testing.T) {
	img := []byte{0x89, 'P', 'N', 'G', 0}
	m, err := New(Config{
		BinaryMediaTypes: BinaryMediaTypes{"image/png"},
		Request:          RequestConfig{ContentHandling: ConvertToText},
		Response:         ResponseConfig{IntegrationResponses: []IntegrationResponse{{ContentHandling: ConvertToBinary}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		_, _ = w.Write(got) // base64 back, as text
	}))
	r := httptest.NewRequest("POST", "/", bytes.NewReader(img))
	r.Header.Set("Content-Type", "image/png")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if string(got) != base64.StdEncoding.EncodeToString(img) || !bytes.Equal(w.Body.Bytes(), img) {
		t.Errorf("integration got %q, client got %q", got, w.Body)
	}
	if _, err := New(Config{BinaryMediaTypes: BinaryMediaTypes{"png"}}); err == nil || !strings.Contains(err.Error(), `BinaryMediaTypes "png"`) {
		t.Errorf("New: %v", err)
	}
}

func FuzzBinaryMediaTypesMatch(f *testing.F) {
	for _, s := range []string{"image/png", "image/webp,image/*,*/*;q=0.8", "", "/", "a/b/c", "IMAGE/PNG ;x=y"} {
		f.Add(s)
	}
	b := BinaryMediaTypes{"image/*", "application/octet-stream"}
	f.Fuzz(func(t *testing.T, value string) {
		got := b.Match(value)
		first, _, _ := strings.Cut(value, ",")
		if b.Match(first) != got {
			t.Errorf("Match(%q) = %v but Match of its first entry %q differs", value, got, first)
		}
		if got && !strings.Contains(strings.ToLower(first), "/") {
			t.Errorf("Match(%q) without a slash", value)
		}
	})
}

// BenchmarkContentHandling measures a 64 KB payload converted both ways.
func BenchmarkContentHandling(b *testing.B) {
	bin := bytes.Repeat([]byte{0xff, 0x00, 0x7f, 0x80}, 16<<10)
	text := []byte(base64.StdEncoding.EncodeToString(bin))
	b.Run("ToText-64KB", func(b *testing.B) {
		b.SetBytes(int64(len(bin)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := convertResponse(bin, true, false, ConvertToText); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ToBinary-64KB", func(b *testing.B) {
		b.SetBytes(int64(len(bin)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := convertResponse(text, false, true, ConvertToBinary); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Match", func(b *testing.B) {
		types := BinaryMediaTypes{"application/pdf", "image/*"}
		b.ReportAllocs()
		for b.Loop() {
			if !types.Match("image/webp,image/*,*/*;q=0.8") {
				b.Fatal("no match")
			}
		}
	})
}
