package paramexpr

import (
	"net/http"
	"net/url"
	"strings"
)

// Vars resolves $context variables: the root package's *apigw.Context.
type Vars interface {
	Var(name string) (value string, ok bool)
}

// Request is what expressions read: the method request, its $context and,
// for integration.response.*, the integration's answer. Fill the fields the
// expressions of the place can name; a nil map reads as empty.
type Request struct {
	Header         http.Header
	RawQuery       string
	Context        Vars
	StageVariables map[string]string
	PathParameters map[string]string
	ResponseHeader http.Header
	// Path is the request path without the stage, for $request.path.
	Path string
	// Body reads a body expression (method.request.body.<path>,
	// integration.response.body.<path>); nil reads nothing.
	Body func(e *Expr) (string, bool)
}

// Values returns the values e names: every value of a header or query
// parameter in request order, one value for the other kinds, nil when
// there is none. Body expressions are read by the Request's Body function.
// The slice may be the request's own: do not modify it.
func (e *Expr) Values(r *Request) []string {
	switch e.Kind {
	case RequestHeader, RequestMultiHeader:
		return r.Header[e.Name]
	case ResponseHeader, ResponseMultiHeader:
		return r.ResponseHeader[e.Name]
	}
	return e.AppendValues(nil, r)
}

// AppendValues appends the values e names to dst, as Values returns them.
func (e *Expr) AppendValues(dst []string, r *Request) []string {
	switch e.Kind {
	case Literal:
		return append(dst, e.Name)
	case Context:
		if r.Context != nil {
			if v, ok := r.Context.Var(e.Name); ok {
				return append(dst, v)
			}
		}
	case StageVariable:
		if v, ok := r.StageVariables[e.Name]; ok {
			return append(dst, v)
		}
	case RequestPath:
		if v, ok := r.PathParameters[e.Name]; ok {
			return append(dst, v)
		}
	case RequestHeader, RequestMultiHeader:
		return append(dst, r.Header[e.Name]...)
	case ResponseHeader, ResponseMultiHeader:
		return append(dst, r.ResponseHeader[e.Name]...)
	case RequestQuery, RequestMultiQuery:
		return appendQuery(dst, e.Name, r.RawQuery)
	case RequestURLPath:
		return append(dst, r.Path)
	case RequestBody, ResponseBody:
		if r.Body != nil {
			if v, ok := r.Body(e); ok {
				return append(dst, v)
			}
		}
	}
	return dst
}

// Value returns the one value e names and whether there is one: for a
// header or query parameter sent more than once, the last, as the
// single-value maps of AWS's Lambda events carry it; the values of a
// multi-value kind joined with commas.
func (e *Expr) Value(r *Request) (string, bool) {
	var buf [4]string
	vs := e.AppendValues(buf[:0], r)
	switch {
	case len(vs) == 0:
		return "", false
	case len(vs) == 1:
		return vs[0], true
	case e.Kind == RequestMultiHeader || e.Kind == RequestMultiQuery || e.Kind == ResponseMultiHeader:
		return strings.Join(vs, ","), true
	}
	return vs[len(vs)-1], true
}

// maxQueryParams is net/url's limit on query parameters: a query with more
// parses as no parameters at all.
const maxQueryParams = 10000

// appendQuery appends the values of the query parameter name, read exactly
// as net/url's ParseQuery reads them (and so as a Go backend's
// r.URL.Query() does) without building the map: pairs split on '&', a pair
// holding ';' or a bad %-escape skipped, '+' read as a space, nothing at
// all from a query of more than 10,000 parameters.
func appendQuery(dst []string, name, query string) []string {
	if strings.Count(query, "&") >= maxQueryParams {
		return dst
	}
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescapeQuery(k)
		if !ok || k != name {
			continue
		}
		if v, ok = unescapeQuery(v); ok {
			dst = append(dst, v)
		}
	}
	return dst
}

// QueryParses reports whether every pair of the raw query is read by
// appendQuery (and by Go's url.ParseQuery): no pair holding ';', no bad
// %-escape, at most 10,000 parameters. A query that does not parse is read
// differently by other servers behind an HTTP integration, so the cache
// keys no request that has one.
func QueryParses(query string) bool {
	if strings.Count(query, "&") >= maxQueryParams || strings.IndexByte(query, ';') >= 0 {
		return false
	}
	for i := 0; i < len(query); i++ {
		if query[i] == '%' && (i+2 >= len(query) || !isHexDigit(query[i+1]) || !isHexDigit(query[i+2])) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unescapeQuery is url.QueryUnescape without an allocation when there is
// nothing to unescape.
func unescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
