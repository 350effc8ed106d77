package cors

import "time"

// Config configures cross-origin access to an API. The zero value is valid:
// every origin may read responses without credentials, with the methods and
// headers of AWS's "Enable CORS" defaults.
//
// Every list distinguishes nil from empty: nil takes the field's default, a
// non-nil empty list allows nothing. So Config{AllowOrigins: []string{}}
// allows no origin at all, which is how a route switches CORS off under an
// API-wide default (preflights are then still answered, without allow
// headers).
type Config struct {
	// AllowOrigins lists the origins whose pages may read responses. Each is
	// written scheme://host[:port], the way a browser sends its Origin header:
	//
	//   - "https://pet.com": that origin exactly. Scheme and host are
	//     lowercased and a default port (:443 for https, :80 for http) is
	//     dropped when the configuration is built; the Origin header is then
	//     matched byte for byte, as browsers serialise it.
	//   - "https://*.pet.com": every subdomain of pet.com, at any depth, on
	//     the default port ("https://*.pet.com:8443" for another port). It
	//     does not match pet.com itself, nor evilpet.com: list pet.com too if
	//     it needs access. The wildcard stands only for whole leading labels
	//     and needs a registrable domain after it ("https://*.com" is refused).
	//   - "https://*" or "http://*": every origin of that scheme, as AWS HTTP
	//     APIs allow.
	//   - "*": every origin except "null". It may be listed only alone or with
	//     "null", and never with AllowCredentials.
	//   - "null": the opaque origin of sandboxed iframes, file: pages and
	//     cross-origin redirects. Any site can produce it, so it is allowed
	//     only when listed, and never with AllowCredentials.
	//
	// Default (nil, and no AllowOriginFunc): ["*"].
	AllowOrigins []string

	// AllowOriginFunc decides the origins AllowOrigins does not match. It is
	// called on the request's goroutine, so it must be safe for simultaneous
	// use, and it must be fast: it runs for every cross-origin request. It
	// only ever sees well-formed origins (scheme://host[:port], lowercase),
	// never "null"; a panic counts as false. With AllowOriginFunc set, a nil
	// AllowOrigins means no static origin rather than "*".
	//
	// Default: nil.
	AllowOriginFunc func(origin string) bool

	// AllowMethods lists the methods a preflight may ask for. Methods are
	// case-sensitive, as the Fetch standard says: a browser upper-cases
	// DELETE, GET, HEAD, OPTIONS, POST and PUT before sending them, so these
	// six are upper-cased here too, but "PATCH" does not allow a page's
	// "patch". "*" allows any method. GET, HEAD and POST are not allowed
	// implicitly: list them when preflighted requests use them (a GET with
	// an Authorization header is preflighted). The list does not restrict
	// actual requests, which a browser sends only after a preflight or with
	// a method that needs none.
	//
	// Default: GET, HEAD, POST.
	AllowMethods []string

	// AllowHeaders lists the request headers a preflight may ask for,
	// matched case-insensitively. "*" allows any header, Authorization
	// included (the requested names are echoed back, so this works with
	// credentials too).
	//
	// Default: Content-Type, X-Amz-Date, Authorization, X-Api-Key,
	// X-Amz-Security-Token (AWS's "Enable CORS" defaults).
	AllowHeaders []string

	// ExposeHeaders lists the response headers, beyond the CORS-safelisted
	// ones (Cache-Control, Content-Language, Content-Length, Content-Type,
	// Expires, Last-Modified, Pragma), that a page's script may read. "*"
	// exposes every header except Set-Cookie, and is refused with
	// AllowCredentials because browsers then take it as a header name.
	//
	// Default: none.
	ExposeHeaders []string

	// MaxAge is how long a browser may cache a preflight's answer, in whole
	// seconds (rounded down); browsers cap it (Chromium at 2 hours, Firefox
	// at 24 hours). Zero sends no Access-Control-Max-Age, so browsers use
	// their default of 5 seconds; a negative value sends 0, disabling the
	// cache. At most 24 hours.
	//
	// Default: 0.
	MaxAge time.Duration

	// AllowCredentials lets pages send cookies, TLS client certificates and
	// HTTP authentication (fetch's credentials: "include") and read the
	// answers. It needs concrete origins: it is refused together with "*",
	// "https://*" or "null".
	//
	// Default: false.
	AllowCredentials bool

	// AllowPrivateNetwork answers Chromium's Private Network Access
	// preflights (Access-Control-Request-Private-Network: true) with
	// Access-Control-Allow-Private-Network: true, letting public pages call
	// an API on a private address or on localhost.
	//
	// Default: false.
	AllowPrivateNetwork bool
}

// defaultMethods and defaultHeaders are the zero Config's lists; they are
// functions so that no package-level slice can be modified.
func defaultMethods() []string { return []string{"GET", "HEAD", "POST"} }

func defaultHeaders() []string {
	return []string{"Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token"}
}
