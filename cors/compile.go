package cors

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidConfig is matched by every error [New] returns:
// errors.Is(err, cors.ErrInvalidConfig).
var ErrInvalidConfig = errors.New("cors: invalid options")

// ConfigError is one mistake in [Config]. [New] reports every mistake it
// finds, joined with errors.Join; use errors.As to inspect them.
type ConfigError struct {
	// Field names the field, with the index for a list element:
	// "AllowOrigins[2]", "MaxAge".
	Field string
	// Value is the offending list element; it is quoted in the message when
	// Field has an index.
	Value string
	// Reason says what is wrong and, where there is one, the fix.
	Reason string
}

// Error reads "cors: Field "value": reason".
func (e *ConfigError) Error() string {
	if strings.HasSuffix(e.Field, "]") {
		return fmt.Sprintf("cors: %s %q: %s", e.Field, e.Value, e.Reason)
	}
	return "cors: " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidConfig) hold.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// maxMaxAge is the largest MaxAge accepted: Firefox's cap, and AWS's.
const maxMaxAge = 24 * time.Hour

// compiler collects the mistakes found while building a CORS.
type compiler struct{ errs []error }

func (cp *compiler) fail(field, value, reason string) {
	cp.errs = append(cp.errs, &ConfigError{Field: field, Value: value, Reason: reason})
}

func (cp *compiler) failAt(field string, i int, value, reason string) {
	cp.fail(field+"["+strconv.Itoa(i)+"]", value, reason)
}

// compileOrigins fills the origin matchers of c from opts.
func (cp *compiler) compileOrigins(c *CORS, opts Config) {
	origins, defaulted := opts.AllowOrigins, false
	if origins == nil && opts.AllowOriginFunc == nil {
		origins, defaulted = []string{"*"}, true
	}
	c.origins = make(map[string]struct{}, len(origins))
	var broad []int // indexes of "*", "null" and "scheme://*": unsafe with credentials
	bad := make(map[int]bool)
	for i, o := range origins {
		switch o {
		case "*":
			c.allowAll = true
			broad = append(broad, i)
			continue
		case "null":
			c.allowNull = true
			broad = append(broad, i)
			continue
		}
		p, reason := parseOriginPattern(o)
		switch {
		case reason != "":
			cp.failAt("AllowOrigins", i, o, reason)
			bad[i] = true
		case p.wildcard == nil:
			c.origins[p.exact] = struct{}{}
		default:
			if p.wildcard.suffix == "" {
				broad = append(broad, i)
			}
			c.wildcards = append(c.wildcards, *p.wildcard)
		}
	}
	if c.allowAll {
		for i, o := range origins {
			if o != "*" && o != "null" && !bad[i] {
				cp.failAt("AllowOrigins", i, o, `redundant: "*" allows every origin; list "*" alone (or with "null")`)
			}
		}
		if opts.AllowOriginFunc != nil {
			cp.fail("AllowOriginFunc", "", `never called: AllowOrigins allows every origin with "*"`)
		}
	}
	if !opts.AllowCredentials {
		return
	}
	if defaulted {
		cp.fail("AllowCredentials", "", `needs AllowOrigins or AllowOriginFunc: the default origin "*" cannot be sent with credentials`)
		return
	}
	for _, i := range broad {
		switch o := origins[i]; o {
		case "*":
			cp.failAt("AllowOrigins", i, o, `browsers refuse credentials with Access-Control-Allow-Origin "*"; list the origins`)
		case "null":
			cp.failAt("AllowOrigins", i, o, `unsafe with AllowCredentials: any site can give its page the origin "null" (a sandboxed iframe)`)
		default:
			cp.failAt("AllowOrigins", i, o, "unsafe with AllowCredentials: allows every origin of the scheme; list the origins or use https://*.domain")
		}
	}
}

// originPattern is a parsed AllowOrigins element: an exact origin or a
// wildcard.
type originPattern struct {
	exact    string
	wildcard *wildcard
}

// parseOriginPattern checks and normalises one AllowOrigins element other
// than "*" and "null". It returns the reason it is malformed, or "".
func parseOriginPattern(s string) (originPattern, string) {
	const (
		hint     = ", as in https://pet.com or https://*.pet.com"
		wildHint = ", as in https://*.pet.com"
	)
	if s == "" {
		return originPattern{}, "empty origin: write scheme://host[:port]" + hint
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return originPattern{}, "contains white space"
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return originPattern{}, "non-ASCII or control character: write an internationalised host in its punycode (xn--) form, as browsers send it"
		}
	}
	sep := strings.Index(s, "://")
	if sep < 0 {
		return originPattern{}, fmt.Sprintf("no scheme: write %q", "https://"+strings.TrimSuffix(s, "/"))
	}
	scheme := strings.ToLower(s[:sep])
	if strings.Contains(scheme, "*") {
		return originPattern{}, "a wildcard cannot stand for the scheme" + wildHint
	}
	if !validScheme(scheme) {
		return originPattern{}, fmt.Sprintf("bad scheme %q", s[:sep])
	}
	rest := s[sep+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		if j == 0 {
			return originPattern{}, "no host" + hint
		}
		return originPattern{}, fmt.Sprintf("an origin has no path, query or fragment: write %q", scheme+"://"+rest[:j])
	}
	if strings.Contains(rest, "@") {
		return originPattern{}, "an origin has no user info" + hint
	}
	host, port := splitHostPort(strings.ToLower(rest))
	hasPort := len(host) != len(rest)
	if hasPort {
		if strings.Contains(port, "*") {
			return originPattern{}, "a wildcard cannot stand for the port; list each port"
		}
		if !validPort(port) {
			return originPattern{}, fmt.Sprintf("bad port %q: want 1 to 65535", port)
		}
		if port == defaultPort(scheme) {
			hasPort = false // browsers leave the default port out
		}
	}
	pp := ""
	if hasPort {
		pp = ":" + port
	}
	prefix := scheme + "://"
	switch {
	case host == "":
		return originPattern{}, "no host" + hint
	case host == "*":
		if hasPort {
			return originPattern{}, `"scheme://*" matches every host and port; a port cannot follow it`
		}
		return originPattern{wildcard: &wildcard{prefix: prefix}}, ""
	case strings.HasPrefix(host, "*."):
		domain := host[2:]
		if strings.Contains(domain, "*") {
			return originPattern{}, "only one wildcard, standing for whole leading labels" + wildHint
		}
		if !validSubdomain(domain) {
			return originPattern{}, fmt.Sprintf("bad host %q after the wildcard", domain)
		}
		last := domain[strings.LastIndexByte(domain, '.')+1:]
		if strings.Trim(last, "0123456789") == "" {
			return originPattern{}, "a wildcard cannot stand for part of an IP address"
		}
		if !strings.Contains(domain, ".") && domain != "localhost" {
			return originPattern{}, "too broad: a wildcard needs a registrable domain after it" + wildHint
		}
		return originPattern{wildcard: &wildcard{prefix: prefix, suffix: "." + domain + pp}}, ""
	case strings.Contains(host, "*"):
		return originPattern{}, "a wildcard stands only for whole leading labels" + wildHint
	case strings.HasPrefix(host, "["):
		addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
		if err != nil || !strings.HasSuffix(host, "]") || !addr.Is6() || addr.Zone() != "" {
			return originPattern{}, fmt.Sprintf("bad IPv6 address %q", host)
		}
		host = "[" + ipv6String(addr) + "]"
	case !validSubdomain(strings.TrimSuffix(host, ".")):
		return originPattern{}, fmt.Sprintf("bad host %q: want letters, digits, '-', '_' and dots", host)
	}
	return originPattern{exact: prefix + host + pp}, ""
}

// compileMethods fills c's method list and its precomputed
// Access-Control-Allow-Methods value.
func (cp *compiler) compileMethods(c *CORS, methods []string) {
	if methods == nil {
		methods = defaultMethods()
	}
	for i, m := range methods {
		switch {
		case m == "*":
			c.anyMethod = true
			continue
		case !isToken(m):
			cp.failAt("AllowMethods", i, m, "not an HTTP method token")
			continue
		}
		switch u := strings.ToUpper(m); u {
		case "CONNECT", "TRACE", "TRACK":
			cp.failAt("AllowMethods", i, m, "a forbidden method: browsers never send it")
			continue
		case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
			m = u // browsers normalise these six; every other method is case-sensitive
		}
		if !contains(c.methods, m) {
			c.methods = append(c.methods, m)
		}
	}
	if !c.anyMethod && len(c.methods) > 0 {
		c.acam = value(strings.Join(c.methods, ", "))
	}
}

// compileHeaders fills c's allowed request headers and its precomputed
// Access-Control-Allow-Headers value.
func (cp *compiler) compileHeaders(c *CORS, headers []string) {
	if headers == nil {
		headers = defaultHeaders()
	}
	c.headers = make(map[string]struct{}, len(headers))
	var names []string
	for i, h := range headers {
		switch {
		case h == "*":
			c.anyHeader = true
			continue
		case !isToken(h):
			cp.failAt("AllowHeaders", i, h, "not a header name")
			continue
		}
		lower := strings.ToLower(h)
		if _, dup := c.headers[lower]; dup {
			continue
		}
		c.headers[lower] = struct{}{}
		c.maxHeaderLen = max(c.maxHeaderLen, len(lower))
		names = append(names, http.CanonicalHeaderKey(h))
	}
	if !c.anyHeader && len(names) > 0 {
		c.acah = value(strings.Join(names, ", "))
	}
}

// compileExpose precomputes Access-Control-Expose-Headers.
func (cp *compiler) compileExpose(c *CORS, headers []string, credentials bool) {
	seen := make(map[string]bool, len(headers))
	var names []string
	for i, h := range headers {
		lower := strings.ToLower(h)
		switch {
		case h == "*" && credentials:
			cp.failAt("ExposeHeaders", i, h, `with AllowCredentials browsers read "*" as a header name; list the headers`)
			continue
		case h != "*" && !isToken(h):
			cp.failAt("ExposeHeaders", i, h, "not a header name")
			continue
		case lower == "set-cookie" || lower == "set-cookie2":
			cp.failAt("ExposeHeaders", i, h, "browsers never expose it to scripts")
			continue
		case seen[lower]:
			continue
		}
		seen[lower] = true
		if h != "*" {
			h = http.CanonicalHeaderKey(h)
		}
		names = append(names, h)
	}
	if len(names) > 0 {
		c.aceh = value(strings.Join(names, ", "))
	}
}

// compileMaxAge precomputes Access-Control-Max-Age.
func (cp *compiler) compileMaxAge(c *CORS, d time.Duration) {
	switch {
	case d == 0:
	case d < 0:
		c.acma = value("0")
	case d < time.Second:
		cp.fail("MaxAge", "", fmt.Sprintf("%v is less than the one-second unit of Access-Control-Max-Age; use a negative MaxAge to disable caching", d))
	case d > maxMaxAge:
		cp.fail("MaxAge", "", fmt.Sprintf("%v is over %v; browsers cap it anyway (Chromium at 2h)", d, maxMaxAge))
	default:
		c.acma = value(strconv.FormatInt(int64(d/time.Second), 10))
	}
}

// value returns a one-element header value slice whose capacity is its
// length, so that an append by a later handler copies instead of writing
// into the shared array.
func value(s string) []string { return []string{s}[:1:1] }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ipv6String serialises addr as the URL standard does: RFC 5952's
// compressed lowercase form, but never with a dotted IPv4 tail.
func ipv6String(addr netip.Addr) string {
	if !addr.Is4In6() {
		return addr.String()
	}
	b := addr.As16()
	return "::ffff:" + strconv.FormatUint(uint64(b[12])<<8|uint64(b[13]), 16) +
		":" + strconv.FormatUint(uint64(b[14])<<8|uint64(b[15]), 16)
}
